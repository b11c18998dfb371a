"""`area_declare` records an area over registry places as it was decided elsewhere (synthetic data,
an area declared before the platform): no policy check. The 严管 flow — a district proposes, the
command decides, with the profile's levels, granularity and lifting rule — is `declaring` and
`deciding` beside this."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError

from ..choices import AreaClass, AreaStatus
from ..events import ZoningEvent
from ..models import RiskArea, RiskAreaPlace
from .common import PLACE_MODELS, ancestors, transition_record


@transaction.atomic
def area_declare(
    *,
    actor: Any,
    name: str,
    area_class: str,
    places: Sequence[tuple[str, int]],
    reason: str,
    in_force_at: dt.datetime | None = None,
    in_force: bool = True,
) -> RiskArea:
    """An area over `places` ((level, id) pairs), proposed or in force from `in_force_at` (now)."""
    if area_class not in AreaClass.values:
        raise DomainError(_("未知的区域类别"), field="area_class")
    if not places:
        raise DomainError(_("请至少选择一个楼栋、单元或小区"), field="places")
    if not (reason or "").strip():
        raise DomainError(_("请填写划定理由（关联病例或其他原因）"), field="reason")
    rows = []
    for level, pk in places:
        model = PLACE_MODELS.get(level)
        place = model.objects.filter(pk=pk).first() if model else None
        if place is None:
            raise DomainError(_("区域不存在"), field="places")
        rows.append((level, place))
    first = rows[0][1]
    area = RiskArea.objects.create(
        name=name.strip()[:200] or str(first),
        area_class=area_class,
        status=AreaStatus.IN_FORCE if in_force else AreaStatus.PROPOSED,
        reason=reason.strip(),
        in_force_at=(in_force_at or now()) if in_force else None,
        declared_by=actor if getattr(actor, "is_authenticated", False) else None,
        **ancestors(rows[0][0], first),
    )
    RiskAreaPlace.objects.bulk_create(
        RiskAreaPlace(area=area, level=level, place_id=place.pk, name=str(place)[:200], **ancestors(level, place)) for level, place in rows
    )
    if in_force:
        area.level_since = area.in_force_at
        area.save(update_fields=["level_since"])
    transition_record(area, "", area.status, actor=actor, reason=reason, at=area.in_force_at)
    audit_record(
        actor=actor,
        event_type=ZoningEvent.AREA_DECLARED,
        obj=area,
        after={"class": area_class, "status": area.status, "places": [(lv, p.pk) for lv, p in rows], "in_force_at": area.in_force_at},
        reason=reason,
    )
    return area
