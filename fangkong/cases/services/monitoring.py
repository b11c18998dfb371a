"""居家健康监测 after discharge: tests during monitoring, completion, and reopening care (复阳)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import not_before, not_in_future, now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require, require_any
from fangkong.core.transitions import check_transition
from fangkong.results.choices import Result

from .. import events
from ..choices import CASE_TRANSITIONS, MONITORING_TRANSITIONS, CarePhase, CaseStatus, MonitoringStatus, TransferReason
from ..models import Case, CaseTest, HealthMonitoring, Transfer
from ..permissions import CasesCap
from .common import ensure_case_visible, local
from .transfers import transfer_open
from .treatment import case_test_write


def reopen_care(*, actor: Any, case: Case, monitoring: HealthMonitoring, reason: str, at: dt.datetime) -> Transfer:
    """The case goes back on the board (same-day deadline from now); its monitoring ends as reopened.
    Callers hold the case lock and have checked permissions."""
    check_transition(
        CASE_TRANSITIONS,
        case.status,
        CaseStatus.OPEN,
        labels=CaseStatus,
        what=_("病例"),
        action=_("复阳再收治"),
        rule="cases.case_transitions",
    )
    check_transition(
        MONITORING_TRANSITIONS,
        monitoring.status,
        MonitoringStatus.REOPENED,
        labels=MonitoringStatus,
        what=_("健康监测"),
        action=_("转为治疗"),
        rule="cases.monitoring_transitions",
    )
    user = actor if getattr(actor, "is_authenticated", False) else None
    monitoring.status = MonitoringStatus.REOPENED
    monitoring.reopened_at = at
    monitoring.reopened_by = user
    monitoring.reopened_reason = reason[:300]
    monitoring.save(update_fields=["status", "reopened_at", "reopened_by", "reopened_reason", "updated_at"])
    case.status = CaseStatus.OPEN
    case.save(update_fields=["status", "updated_at"])
    transfer = transfer_open(case=case, actor=actor, at=at, reason=TransferReason.REOPENED)
    audit_record(
        actor=actor,
        event_type=events.CARE_REOPENED,
        obj=case,
        before={"status": CaseStatus.DISCHARGED, "monitoring": MonitoringStatus.ACTIVE},
        after={"status": case.status, "transfer": transfer.pk, "deadline": local(transfer.deadline_at), "triage": transfer.triage_rule},
        reason=reason,
    )
    return transfer


def _lock_monitoring(monitoring: HealthMonitoring) -> tuple[Case, HealthMonitoring]:
    case = Case.objects.select_for_update(of=("self",)).select_related("person").get(pk=monitoring.case_id)
    return case, HealthMonitoring.objects.select_for_update().get(pk=monitoring.pk)


def _ensure_monitoring_visible(actor: Any, monitoring: HealthMonitoring) -> None:
    if not HealthMonitoring.objects.visible_to(actor).filter(pk=monitoring.pk).exists():
        raise PermissionRefused(_("该健康监测不在您的管辖范围内"), rule="cases.monitoring_scope")


@dataclass
class MonitoringTestOutcome:
    test: CaseTest
    reopened: Transfer | None = None  # a positive reopens care: the new transfer on the board


@transaction.atomic
def monitoring_record_test(
    *,
    actor: Any,
    monitoring: HealthMonitoring,
    sampled_at: dt.datetime,
    result: str = "",
    ct_orf1ab: float | None = None,
    ct_n: float | None = None,
    reported_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> MonitoringTestOutcome:
    """A test during home monitoring. A positive reopens care at once."""
    require(actor, CasesCap.MONITOR)
    at = at or now()
    case, monitoring = _lock_monitoring(monitoring)
    _ensure_monitoring_visible(actor, monitoring)
    if monitoring.status != MonitoringStatus.ACTIVE:
        raise DomainError(
            _("健康监测当前状态为“%(s)s”，不能再登记检测") % {"s": monitoring.get_status_display()}, rule="cases.monitoring_transitions"
        )
    test = case_test_write(
        actor=actor, case=case, phase=CarePhase.MONITORING, monitoring=monitoring, result=result, ct_orf1ab=ct_orf1ab,
        ct_n=ct_n, sampled_at=sampled_at, reported_at=reported_at, since=monitoring.starts_at, since_label=_("健康监测开始时间"),
    )  # fmt: skip
    outcome = MonitoringTestOutcome(test=test)
    if test.result == Result.POSITIVE:
        when = reported_at or sampled_at  # care reopens from the positive result
        outcome.reopened = reopen_care(
            actor=actor,
            case=case,
            monitoring=monitoring,
            reason=_("居家健康监测期间核酸阳性（采样 %(t)s）") % {"t": local(sampled_at)},
            at=when,
        )
    return outcome


@transaction.atomic
def monitoring_complete(*, actor: Any, monitoring: HealthMonitoring, at: dt.datetime | None = None) -> HealthMonitoring:
    """解除健康监测 when its days are over (discharge.home_monitoring_days); the case is closed."""
    require(actor, CasesCap.MONITOR)
    at = at or now()
    case, monitoring = _lock_monitoring(monitoring)
    _ensure_monitoring_visible(actor, monitoring)
    check_transition(
        MONITORING_TRANSITIONS,
        monitoring.status,
        MonitoringStatus.COMPLETED,
        labels=MonitoringStatus,
        what=_("健康监测"),
        action=_("解除"),
        rule="cases.monitoring_transitions",
    )
    check_transition(
        CASE_TRANSITIONS, case.status, CaseStatus.CLOSED, labels=CaseStatus, what=_("病例"), action=_("结案"), rule="cases.case_transitions"
    )
    not_in_future(at, field="at", label=_("解除时间"))
    if at < monitoring.ends_at:
        raise DomainError(
            _("居家健康监测 %(d)s 天，%(end)s 期满，未到期不能解除") % {"d": monitoring.days, "end": local(monitoring.ends_at)},
            rule="discharge.home_monitoring_days",
            source=monitoring.rule,
        )
    monitoring.status = MonitoringStatus.COMPLETED
    monitoring.completed_at = at
    monitoring.completed_by = actor
    monitoring.save(update_fields=["status", "completed_at", "completed_by", "updated_at"])
    case.status = CaseStatus.CLOSED
    case.closed_at = at
    case.save(update_fields=["status", "closed_at", "updated_at"])
    audit_record(
        actor=actor,
        event_type=events.MONITORING_COMPLETED,
        obj=monitoring,
        before={"status": MonitoringStatus.ACTIVE, "case": CaseStatus.DISCHARGED},
        after={"status": monitoring.status, "case": case.status, "ends_at": local(monitoring.ends_at)},
    )
    return monitoring


@transaction.atomic
def care_reopen(*, actor: Any, case: Case, reason: str, at: dt.datetime | None = None) -> Transfer:
    """复阳 / symptoms during home monitoring: the case goes back on the transfer board."""
    require_any(actor, (CasesCap.MONITOR, CasesCap.OPEN))
    at = at or now()
    case = Case.objects.select_for_update(of=("self",)).select_related("person").get(pk=case.pk)
    ensure_case_visible(actor, case)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写再收治原因"), field="reason")
    monitoring = HealthMonitoring.objects.select_for_update().filter(case=case, status=MonitoringStatus.ACTIVE).first()
    if monitoring is None:
        raise DomainError(
            _("病例 #%(n)s 状态为“%(s)s”，不在居家健康监测中") % {"n": case.pk, "s": case.get_status_display()},
            rule="cases.case_transitions",
        )
    not_in_future(at, field="at", label=_("再收治时间"))
    not_before(at, monitoring.starts_at, field="at", label=_("再收治时间"), earlier_label=_("健康监测开始时间"))
    return reopen_care(actor=actor, case=case, monitoring=monitoring, reason=reason, at=at)
