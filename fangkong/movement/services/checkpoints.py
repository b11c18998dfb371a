"""Checkpoints (检查站、卡口) and their logs: proposed by a district's traffic group and approved (or
rejected) by another of its staff holding movement.checkpoint_approve — one that would close a
highway or a trunk road only with the reference of its request (报批文号) and only by the city's
command (movement.closure_approve: 不得擅自封闭高速公路、阻断国省干线；确须封闭的履行报批程序) — and,
once approved, every vehicle checked there, with its people and their temperatures (逢车必查、逢人必测)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import not_in_future, now
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require, user_can
from fangkong.core.scoping import jurisdiction_of
from fangkong.core.transitions import check_transition
from fangkong.geo.plates import check_plate
from fangkong.geo.vitals import celsius, fever_line, is_fever
from fangkong.policy.rules import rule

from ..choices import CHECKPOINT_TRANSITIONS, CheckpointStatus, FeverAction
from ..events import MovementEvent
from ..models import Checkpoint, CheckpointFever, CheckpointLog
from ..permissions import MovementCap


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
    audit_record(
        actor=actor,
        event_type=MovementEvent.CHECKPOINT_CREATED,
        obj=checkpoint,
        after={"closes_trunk_road": closes_trunk_road, "status": checkpoint.status},
    )
    return checkpoint


def _locked(actor: Any, checkpoint: Checkpoint) -> Checkpoint:
    found = Checkpoint.objects.visible_to(actor).select_for_update().filter(pk=checkpoint.pk).first()
    if found is None:
        raise DomainError(_("该卡口不在您的管辖范围内"), field="checkpoint", rule="movement.scope")
    return found


def _decide(actor: Any, checkpoint: Checkpoint, target: str, action: str) -> Checkpoint:
    """The checks shared by approval and rejection: the right, the jurisdiction, the status, four
    eyes, and for a closure of a highway or a trunk road the command's closure right."""
    require(actor, MovementCap.CHECKPOINT_APPROVE)
    cp = _locked(actor, checkpoint)
    check_transition(
        CHECKPOINT_TRANSITIONS, cp.status, target, labels=CheckpointStatus, what=_("卡口"), action=action, rule="movement.checkpoint_status"
    )
    if cp.created_by_id is not None and cp.created_by_id == getattr(actor, "pk", None):
        raise DomainError(_("卡口须由提出设立者以外的另一名工作人员审批"), rule="movement.four_eyes")
    if cp.closes_trunk_road:
        # Deciding a closure of a highway or a trunk road, either way, is the command's (报批程序):
        # a district that cannot approve it cannot reject it either.
        approval = rule("movement.trunk_road_closure_needs_approval")
        if approval.value and not user_can(actor, MovementCap.CLOSURE_APPROVE):
            raise DomainError(
                _("该卡口封闭高速公路或阻断国省干线，须报市指挥部审批（报批程序），区县不能自行批准或不批准"),
                field="closes_trunk_road",
                rule=approval.key,
                source=approval.citation,
            )
    return cp


@transaction.atomic
def checkpoint_approve(*, actor: Any, checkpoint: Checkpoint, reason: str = "", detour_notice: str = "") -> Checkpoint:
    """Approve a proposed checkpoint: from now on shifts are put on it and passes scanned at it. A
    checkpoint closing a highway or a trunk road is approved only by a holder of
    movement.closure_approve (the city's command), only with its request's reference, and with the
    detour the traffic police announce (同时要由公安交警部门对外发布绕行线路公告)."""
    cp = _decide(actor, checkpoint, CheckpointStatus.APPROVED, _("批准"))
    if cp.closes_trunk_road:
        approval = rule("movement.trunk_road_closure_needs_approval")
        if not (cp.approval_reference or "").strip():
            raise DomainError(
                _("封闭高速公路或阻断国省干线须履行报批程序：请填写批准文号"),
                field="approval_reference",
                rule=approval.key,
                source=approval.citation,
            )
        if not (detour_notice or "").strip():
            raise DomainError(
                _("封闭干线须由公安交警部门对外发布绕行线路公告：请填写绕行线路"),
                field="detour_notice",
                rule=approval.key,
                source=approval.citation,
            )
        cp.detour_notice = detour_notice.strip()[:300]
    cp.status = CheckpointStatus.APPROVED
    cp.decided_by = actor
    cp.decided_at = now()
    cp.decision_reason = (reason or "").strip()[:200]
    cp.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "detour_notice", "updated_at"])
    audit_record(
        actor=actor,
        event_type=MovementEvent.CHECKPOINT_APPROVED,
        obj=cp,
        before={"status": CheckpointStatus.PROPOSED},
        after={"status": cp.status, "closes_trunk_road": cp.closes_trunk_road},
    )
    return cp


@transaction.atomic
def checkpoint_reject(*, actor: Any, checkpoint: Checkpoint, reason: str) -> Checkpoint:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写不批准的理由"), field="reason", rule="movement.checkpoint_reason")
    cp = _decide(actor, checkpoint, CheckpointStatus.REJECTED, _("不批准"))
    cp.status = CheckpointStatus.REJECTED
    cp.decided_by = actor
    cp.decided_at = now()
    cp.decision_reason = reason[:200]
    cp.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    audit_record(
        actor=actor,
        event_type=MovementEvent.CHECKPOINT_REJECTED,
        obj=cp,
        before={"status": CheckpointStatus.PROPOSED},
        after={"status": cp.status},
        reason=reason[:200],
    )
    return cp


def require_approved(checkpoint: Checkpoint) -> None:
    """Shifts, logs and scans only at an approved checkpoint."""
    if checkpoint.status != CheckpointStatus.APPROVED:
        raise DomainError(
            _("卡口“%(name)s”尚未批准设立（%(status)s），不能排班、登记或核验")
            % {"name": checkpoint.name, "status": CheckpointStatus(checkpoint.status).label},
            field="checkpoint",
            rule="movement.checkpoint_approved",
        )


@dataclass(frozen=True)
class FeverReading:
    """One traveller with a fever: the temperature taken, what was done, and for 复测正常 the retest."""

    temperature: Any
    action: str
    retest_temperature: Any = None


def _fever_rows(fevers: Sequence[FeverReading], people: int) -> list[tuple[Decimal, str, Decimal | None]]:
    """Each fever checked: a temperature at or above the policy's fever line (below it is not a
    fever), an action of FeverAction, and for 复测正常 a retest below the line."""
    if len(fevers) > people:
        raise DomainError(_("体温异常人数不能超过随车人数"), field="fevers", rule="movement.log_fevers")
    line = fever_line()
    rows = []
    for n, reading in enumerate(fevers, start=1):
        temperature = celsius(reading.temperature, field="temperature", label=_("第 %(n)s 名发热人员的体温") % {"n": n})
        if not is_fever(temperature, line):
            raise DomainError(
                _("第 %(n)s 名的体温 %(t)s℃ 低于发热标准 %(line)s℃，不是体温异常，无须登记处置")
                % {"n": n, "t": temperature, "line": line.value},
                field="temperature",
                rule=line.key,
                source=line.citation,
            )
        if reading.action not in FeverAction.values:
            raise DomainError(
                _("请为第 %(n)s 名发热人员选择处置（转运发热门诊、隔离观察或复测正常）") % {"n": n},
                field="fever_action",
                rule="movement.fever_action",
            )
        retest = None
        if reading.action == FeverAction.RETEST_NORMAL:
            if reading.retest_temperature in (None, ""):
                raise DomainError(
                    _("第 %(n)s 名“复测正常”须填写复测体温") % {"n": n}, field="retest_temperature", rule="movement.fever_retest"
                )
            retest = celsius(reading.retest_temperature, field="retest_temperature", label=_("第 %(n)s 名的复测体温") % {"n": n})
            if is_fever(retest, line):
                raise DomainError(
                    _("第 %(n)s 名复测体温 %(t)s℃ 仍不低于 %(line)s℃，不能记为复测正常：请转运发热门诊或隔离观察")
                    % {"n": n, "t": retest, "line": line.value},
                    field="retest_temperature",
                    rule=line.key,
                    source=line.citation,
                )
        rows.append((temperature, reading.action, retest))
    return rows


def _summary(rows: list[tuple[Decimal, str, Decimal | None]]) -> str:
    return "；".join(f"{t}℃ {FeverAction(a).label}" + (f"（{_('复测')} {r}℃）" if r is not None else "") for t, a, r in rows)[:200]


@transaction.atomic
def checkpoint_log(
    *,
    actor: Any,
    checkpoint: Checkpoint,
    plate: str,
    people: int,
    fevers: Sequence[FeverReading] = (),
    at: dt.datetime | None = None,
) -> CheckpointLog:
    """Log one vehicle checked at an approved checkpoint with its people, and each traveller with a
    fever (temperature, action); the log's count of fevers is the number of those rows, written
    with them, so the counts per checkpoint and per shift are theirs."""
    require(actor, MovementCap.CHECK)
    require_approved(checkpoint)
    at = at or now()
    not_in_future(at, field="at", label=_("检查时间"))
    plate = check_plate(plate)
    if people < 1:
        raise DomainError(_("随车人数至少 1 人（驾驶人）"), field="people", rule="movement.log_people")
    rows = _fever_rows(list(fevers), people)
    log = CheckpointLog.objects.create(
        checkpoint=checkpoint,
        at=at,
        plate=plate,
        people=people,
        fevers=len(rows),
        fever_action=_summary(rows),
        district_id=checkpoint.district_id,
        street_id=checkpoint.street_id,
        community_id=checkpoint.community_id,
        recorded_by=actor,
    )
    if rows:
        CheckpointFever.objects.bulk_create(
            CheckpointFever(
                log=log,
                checkpoint=checkpoint,
                at=at,
                temperature=t,
                action=a,
                retest_temperature=r,
                district_id=checkpoint.district_id,
                street_id=checkpoint.street_id,
                community_id=checkpoint.community_id,
            )
            for t, a, r in rows
        )
        audit_record(
            actor=actor,
            event_type=MovementEvent.CHECKPOINT_FEVER,
            obj=checkpoint,
            count=len(rows),
            after={
                "log": log.pk,
                "fevers": len(rows),
                "temperatures": [str(t) for t, _a, _r in rows],
                "actions": [a for _t, a, _r in rows],
            },
        )
    return log
