"""上门采样 at the door of a household of a high-risk area (services.door_sampling plans the tasks):
its residents bound through `bulk_bind` like any other sample of the round, in one tube for the
household (1户1管) or one each (单采单检), as the policy allows for the area."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.geo.models import Person

from .. import events
from ..choices import PoolingMode
from ..models import DoorSamplingTask, SamplingPoint, TubeMember
from ..permissions import TestingCap
from ..pooling import allowed_modes
from .binding import Binding, bulk_bind

DOOR_POOLING = "testing.door_pooling"


def _point_for(task: DoorSamplingTask, actor: Any) -> SamplingPoint:
    """The sampling point the household's tubes are registered at: the grid's own, else the community's."""
    points = SamplingPoint.objects.visible_to(actor).filter(community_id=task.community_id, is_active=True)
    point = points.filter(grid_id=task.grid_id).order_by("id").first() or points.order_by("grid_id", "id").first()
    if point is None:
        raise DomainError(_("本社区没有启用的采样点，无法登记上门采样的试管"), field="sampling_point")
    return point


@transaction.atomic
def door_sampling_collect(*, actor: Any, task: DoorSamplingTask, barcodes: dict[int, str], at: dt.datetime | None = None) -> int:
    """Sample residents of the task's household at their door: `barcodes` maps each resident sampled
    now to a tube — the same barcode for all (1户1管, where the policy allows it) or one each (单采单检).
    Residents already sampled in the round are refused by name; the rest are bound through
    `bulk_bind` (the round's tube rules). Returns how many were bound."""
    require(actor, TestingCap.CHECK)
    if not DoorSamplingTask.objects.visible_to(actor).filter(pk=task.pk).exists():
        raise PermissionRefused(_("该户不在您的管辖范围内"), rule="testing.check_scope")
    task = DoorSamplingTask.objects.select_related("round").get(pk=task.pk)
    at = at or now()
    barcodes = {pid: code.strip() for pid, code in barcodes.items() if code and code.strip()}
    if not barcodes:
        raise DomainError(_("请填写试管条码"), field="barcode")
    residents = dict(Person.objects.filter(household_id=task.household_id).values_list("pk", "name"))
    for pid in barcodes:
        if pid not in residents:
            raise DomainError(_("人员 %(p)s 不是该户成员") % {"p": pid}, field="members")
    done = set(
        TubeMember.objects.filter(round=task.round, person_id__in=list(barcodes), is_resample=False).values_list("person_id", flat=True)
    )
    if done:
        names = "、".join(residents[p] for p in sorted(done))
        raise DomainError(_("本轮已采样：%(n)s") % {"n": names}, field="members")
    distinct = set(barcodes.values())
    if len(distinct) == len(barcodes):
        mode = PoolingMode.SINGLE if len(barcodes) > 1 or task.pooling_mode == PoolingMode.SINGLE else task.pooling_mode
    elif len(distinct) == 1:
        mode = PoolingMode.HOUSEHOLD
    else:
        raise DomainError(_("1户1管：全户同一条码；单采单检：每人一个条码"), field="barcode", rule=DOOR_POOLING)
    if mode not in allowed_modes(task.pooling_mode):
        raise DomainError(
            _("高风险区按政策应采用“%(m)s”：%(rule)s") % {"m": PoolingMode(task.pooling_mode).label, "rule": task.pooling_rule},
            field="barcode",
            rule=DOOR_POOLING,
        )
    bindings = [Binding(barcode=code, person_id=pid, sampled_at=at) for pid, code in sorted(barcodes.items())]
    bulk_bind(actor=actor, testing_round=task.round, bindings=bindings, sampling_point=_point_for(task, actor), pooling_mode=mode, at=at)
    audit_record(
        actor=actor,
        event_type=events.DOOR_SAMPLED,
        obj=task,
        count=len(bindings),
        after={"round": task.round.number, "household": task.household_id, "pooling": mode, "tubes": len(distinct)},
    )
    return len(bindings)
