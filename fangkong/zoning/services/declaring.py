"""A district office proposes a risk area (申请划定): a set of registry places inside its grants, a
level the active profile knows, the triggering cases or a stated reason, and the time it should take
effect. A place wider than the profile's unit (risk.high_area_unit for a high-risk area, else
risk.area_unit) needs a written justification and flags the area for supervision (不得随意扩大).
Every check runs before anything is written: a refusal names its field, nothing is half-applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import aware, not_in_future, too_early
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.policy.rules import active_profile

from ..choices import DECLARABLE_LEVELS, AreaStatus, PlaceLevel
from ..events import ZoningEvent
from ..models import RiskArea, RiskAreaCase, RiskAreaPlace
from ..permissions import ZoningCap
from ..rules import is_wider, largest_unit, naming
from ..triggers import case_refs
from .common import PLACE_MODELS, ancestors, place_label, transition_record

AREA_SCOPE = "zoning.area_scope"
GRANULARITY = "zoning.granularity"


def _places(actor: Any, places: Sequence[tuple[str, int]]) -> list[tuple[str, Any]]:
    if not places:
        raise DomainError(_("请至少选择一个单元、楼栋或小区"), field="places")
    rows: list[tuple[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for level, pk in places:
        if level not in DECLARABLE_LEVELS:
            raise DomainError(
                _("风险区域不能按“%(l)s”划定") % {"l": PlaceLevel(level).label if level in PlaceLevel.values else level}, field="places"
            )
        if (level, pk) in seen:
            continue
        seen.add((level, pk))
        model = PLACE_MODELS[level]
        related = {PlaceLevel.UNIT: ("compound", "building"), PlaceLevel.BUILDING: ("compound",)}.get(level, ())
        place = model.objects.select_related(*related).filter(pk=pk).first()
        if place is None:
            raise DomainError(_("区域不存在：%(l)s #%(pk)s") % {"l": PlaceLevel(level).label, "pk": pk}, field="places")
        if not model.objects.covered_by(actor).filter(pk=pk).exists():
            raise PermissionRefused(_("“%(p)s”不在您的管辖范围内") % {"p": place.name}, rule=AREA_SCOPE, field="places")
        rows.append((level, place))
    return rows


@transaction.atomic
def area_propose(
    *,
    actor: Any,
    name: str,
    area_class: str,
    places: Sequence[tuple[str, int]],
    reason: str = "",
    case_ids: Sequence[int] = (),
    effective_at: dt.datetime | None = None,
    justification: str = "",
    at: dt.datetime | None = None,
) -> RiskArea:
    """A proposed area, awaiting the command's decision (area_approve / area_reject). `at`: when it
    was proposed (now; a past time records a proposal made earlier)."""
    require(actor, ZoningCap.DECLARE)
    at = aware(at)
    not_in_future(at, field="at", label=_("申请时间"))
    named = naming()
    if area_class not in named.classes:
        raise DomainError(
            _("现行政策的风险等级为：%(levels)s") % {"levels": "、".join(label for _c, label in named.choices)},
            field="area_class",
            rule="risk.levels",
            source=named.citation,
        )
    rows = _places(actor, places)
    reason, justification = (reason or "").strip(), (justification or "").strip()
    refs = case_refs.refs(case_ids, actor)
    unknown = sorted(set(case_ids) - set(refs))
    if unknown:
        raise DomainError(_("病例不存在或不在您的管辖范围内：%(ids)s") % {"ids": "、".join(f"#{pk}" for pk in unknown[:10])}, field="cases")
    if not refs and not reason:
        raise DomainError(_("请关联触发病例，或填写划定理由"), field="reason")
    unit = largest_unit(area_class)
    wider = [place.name for level, place in rows if is_wider(level, unit.value)]
    if wider and not justification:
        raise DomainError(
            _("%(places)s 超出现行政策的划定单位（%(unit)s），须书面说明扩大范围的理由")
            % {"places": "、".join(wider[:5]), "unit": PlaceLevel(unit.value).label if unit.value in PlaceLevel.values else unit.value},
            field="justification",
            rule=GRANULARITY,
            source=unit.citation,
        )
    effective_at = aware(effective_at or at, field="effective_at")
    if too_early(effective_at):
        raise DomainError(_("生效时间有误"), field="effective_at")
    first_level, first = rows[0]
    area = RiskArea.objects.create(
        name=(name or "").strip()[:200] or place_label(first_level, first),
        area_class=area_class,
        status=AreaStatus.PROPOSED,
        reason=reason,
        justification=justification,
        wider_than_policy=bool(wider),
        effective_at=effective_at,
        profile_code=active_profile().code,
        declared_by=actor if getattr(actor, "is_authenticated", False) else None,
        **ancestors(first_level, first),
    )
    RiskAreaPlace.objects.bulk_create(
        RiskAreaPlace(area=area, level=level, place_id=place.pk, name=place_label(level, place), **ancestors(level, place))
        for level, place in rows
    )

    RiskAreaCase.objects.bulk_create(RiskAreaCase(area=area, case_id=pk) for pk in sorted(refs))
    basis = named.citation + (("\n" + unit.citation) if wider else "")
    transition_record(area, "", AreaStatus.PROPOSED, actor=actor, reason=reason or justification, basis=basis, at=at)
    audit_record(
        actor=actor,
        event_type=ZoningEvent.AREA_PROPOSED,
        obj=area,
        after={
            "class": area_class,
            "places": [(lv, p.pk) for lv, p in rows],
            "cases": sorted(refs),
            "effective_at": effective_at,
            "wider_than_policy": bool(wider),
            "profile": area.profile_code,
        },
        reason=reason or justification,
    )
    return area
