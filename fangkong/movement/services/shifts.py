"""Writes of the checkpoints' shifts: the traffic group (who sets checkpoints up) puts a named person
on a checkpoint for some hours — one shift, or the same hours over several days, all or none. A
shift lasts at most 24 hours and ends in the future; the same name may not hold two overlapping
shifts at one checkpoint (the refusal names the shift in the way). A shift not yet begun may be
cancelled; one begun or ended is the record of who was on duty."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.coverage import span_label
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require

from ..choices import CheckpointRole
from ..events import MovementEvent
from ..models import Checkpoint, CheckpointShift
from ..permissions import MovementCap
from .checkpoints import require_approved

MAX_SHIFT = dt.timedelta(hours=24)
MAX_DAYS = 31


def _visible(actor: Any, checkpoint: Checkpoint) -> Checkpoint:
    found = Checkpoint.objects.visible_to(actor).filter(pk=checkpoint.pk).first()
    if found is None:
        raise DomainError(_("该卡口不在您的管辖范围内"), field="checkpoint", rule="movement.scope")
    return found


@transaction.atomic
def shifts_add(
    *, actor: Any, checkpoint: Checkpoint, role: str, name: str, starts_at: dt.datetime, ends_at: dt.datetime, days: int = 1
) -> list[CheckpointShift]:
    require(actor, MovementCap.PASS_APPROVE)
    checkpoint = _visible(actor, checkpoint)
    require_approved(checkpoint)
    if role not in CheckpointRole.values:
        raise DomainError(_("请选择岗位"), field="role", rule="movement.shift")
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise DomainError(_("请填写姓名（不超过 64 个字）"), field="name", rule="movement.shift")
    if ends_at <= starts_at:
        raise DomainError(_("结束时间须晚于开始时间"), field="ends_at", rule="movement.shift")
    if ends_at - starts_at > MAX_SHIFT:
        raise DomainError(_("一个班次不能超过 24 小时"), field="ends_at", rule="movement.shift")
    if ends_at <= now():
        raise DomainError(_("班次已结束，不能补排"), field="ends_at", rule="movement.shift")
    if not 1 <= days <= MAX_DAYS:
        raise DomainError(_("连续天数须在 1–%(n)s 之间") % {"n": MAX_DAYS}, field="days", rule="movement.shift")
    spans = [(starts_at + dt.timedelta(days=i), ends_at + dt.timedelta(days=i)) for i in range(days)]
    for a, b in spans:
        clash = CheckpointShift.objects.filter(checkpoint=checkpoint, name=name, starts_at__lt=b, ends_at__gt=a).first()
        if clash is not None:
            raise DomainError(
                _("%(name)s 在 %(span)s 已有班次，与新班次重叠") % {"name": name, "span": span_label(clash.starts_at, clash.ends_at)},
                field="starts_at",
                rule="movement.shift_overlap",
            )
    created = CheckpointShift.objects.bulk_create(
        CheckpointShift(
            checkpoint=checkpoint,
            role=role,
            name=name,
            starts_at=a,
            ends_at=b,
            district_id=checkpoint.district_id,
            street_id=checkpoint.street_id,
            community_id=checkpoint.community_id,
            created_by=actor,
        )
        for a, b in spans
    )
    audit_record(actor=actor, event_type=MovementEvent.CHECKPOINT_SHIFTS_ADDED, obj=checkpoint, count=len(created), after={"role": role})
    return created


@transaction.atomic
def shift_cancel(*, actor: Any, shift: CheckpointShift) -> None:
    require(actor, MovementCap.PASS_APPROVE)
    _visible(actor, shift.checkpoint)
    if shift.starts_at <= now():
        raise DomainError(
            _("%(span)s 的班次已开始，是值守记录，不能取消") % {"span": span_label(shift.starts_at, shift.ends_at)}, rule="movement.shift"
        )
    audit_record(actor=actor, event_type=MovementEvent.CHECKPOINT_SHIFT_CANCELLED, obj=shift.checkpoint, after={"shift": shift.pk})
    shift.delete()
