"""Checkpoints (检查站、卡口) and their logs: set up by a district's traffic group — one that would
close a highway or a trunk road only with the approval its reference names (不得擅自封闭高速公路、
阻断国省干线；确须封闭的履行报批程序) — and every vehicle checked, with its people and their
temperatures (逢车必查、逢人必测)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import not_in_future, now
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.scoping import jurisdiction_of
from fangkong.policy.rules import rule

from ..events import MovementEvent
from ..models import Checkpoint, CheckpointLog
from ..permissions import MovementCap
from .passes import check_plate


@transaction.atomic
def checkpoint_create(
    *, actor: Any, district: Any, name: str, road: str, closes_trunk_road: bool, approval_reference: str = ""
) -> Checkpoint:
    require(actor, MovementCap.PASS_APPROVE)
    if district is None or not jurisdiction_of(actor).covers("district", district.pk):
        raise DomainError(_("只能在本人辖区的区县设立卡口"), field="district", rule="movement.scope")
    if not (name or "").strip():
        raise DomainError(_("请填写卡口名称"), field="name", rule="movement.checkpoint")
    if closes_trunk_road and not (approval_reference or "").strip():
        approval = rule("movement.trunk_road_closure_needs_approval")
        raise DomainError(
            _("封闭高速公路或阻断国省干线须履行报批程序：请填写批准文号"),
            field="approval_reference",
            rule=approval.key,
            source=approval.citation,
        )
    checkpoint = Checkpoint.objects.create(
        name=name.strip()[:120],
        road=(road or "").strip()[:120],
        closes_trunk_road=closes_trunk_road,
        approval_reference=(approval_reference or "").strip()[:120],
        district_id=district.pk,
        created_by=actor,
    )
    audit_record(actor=actor, event_type=MovementEvent.CHECKPOINT_CREATED, obj=checkpoint, after={"closes_trunk_road": closes_trunk_road})
    return checkpoint


@transaction.atomic
def checkpoint_log(
    *, actor: Any, checkpoint: Checkpoint, plate: str, people: int, fevers: int = 0, fever_action: str = "", at: dt.datetime | None = None
) -> CheckpointLog:
    require(actor, MovementCap.CHECK)
    at = at or now()
    not_in_future(at, field="at", label=_("检查时间"))
    plate = check_plate(plate)
    if people < 1:
        raise DomainError(_("随车人数至少 1 人（驾驶人）"), field="people", rule="movement.log_people")
    if fevers < 0 or fevers > people:
        raise DomainError(_("体温异常人数不能超过随车人数"), field="fevers", rule="movement.log_fevers")
    if fevers and not (fever_action or "").strip():
        raise DomainError(_("有体温异常人员时须填写处置情况（如转运至发热门诊）"), field="fever_action", rule="movement.fever_action")
    log = CheckpointLog.objects.create(
        checkpoint=checkpoint,
        at=at,
        plate=plate,
        people=people,
        fevers=fevers,
        fever_action=(fever_action or "").strip()[:200],
        district_id=checkpoint.district_id,
        street_id=checkpoint.street_id,
        community_id=checkpoint.community_id,
        recorded_by=actor,
    )
    if fevers:
        audit_record(actor=actor, event_type=MovementEvent.CHECKPOINT_FEVER, obj=checkpoint, after={"log": log.pk, "fevers": fevers})
    return log
