"""Classifying a case (clinical classification and risk factors, and the transfer a change needs) and
withdrawing it (a case opened in error)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import not_before, not_in_future, now
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require, require_any
from fangkong.core.transitions import check_transition

from .. import events
from ..choices import (
    CASE_IN_CARE,
    CASE_TRANSITIONS,
    TRANSFER_IN_FLIGHT,
    CaseStatus,
    Classification,
    RiskFactor,
    TransferReason,
    TransferStatus,
    more_severe,
)
from ..hooks import CASE_WITHDRAWN
from ..models import Case, CaseClassification, Transfer
from ..permissions import CasesCap
from .common import beds_release, ensure_case_visible
from .facilities import option_for
from .policy import triage_policy
from .transfers import case_age, case_triage, transfer_open, transfers_cancel
from .triage import admission_refusal


def clean_risk_factors(risk_factors: Iterable[str]) -> list[str]:
    factors = list(dict.fromkeys(risk_factors or ()))
    unknown = [f for f in factors if f not in RiskFactor.values]
    if unknown:
        raise DomainError(_("未知的重型高危因素：%(f)s") % {"f": "、".join(unknown)}, field="risk_factors")
    return factors


def check_classification(classification: str) -> None:
    if classification not in Classification.values:
        raise DomainError(_("未知的临床分型“%(c)s”") % {"c": classification}, field="classification")


@dataclass
class ClassifyOutcome:
    case: Case
    changed: bool
    transfer: Transfer | None = None  # a new transfer to another facility or bed type, when needed
    warning: str = ""  # e.g. the patient is on the way to a facility that no longer fits


@transaction.atomic
def case_classify(
    *,
    actor: Any,
    case: Case,
    classification: str,
    risk_factors: Iterable[str] | None = None,
    at: dt.datetime | None = None,
    note: str = "",
) -> ClassifyOutcome:
    """临床分型: record a (re)classification and re-triage. Waiting on the board: the transfer takes the
    new triage. Admitted where the new class may not stay (a severe case in a Fangcang, or one that
    needs an ICU bed): a transfer to the right facility goes on the board, due the same day."""
    require_any(actor, (CasesCap.OPEN, CasesCap.TREAT))
    at = at or now()
    case = Case.objects.select_for_update(of=("self",)).select_related("person", "facility").get(pk=case.pk)
    ensure_case_visible(actor, case)
    check_classification(classification)
    if case.status not in CASE_IN_CARE:
        raise DomainError(
            _("病例 #%(n)s 状态为“%(s)s”，不能分型") % {"n": case.pk, "s": case.get_status_display()}, rule="cases.case_transitions"
        )
    factors = clean_risk_factors(case.risk_factors if risk_factors is None else risk_factors)
    not_in_future(at, field="at", label=_("分型时间"))
    not_before(at, case.confirmed_at, field="at", label=_("分型时间"), earlier_label=_("确诊时间"))
    last = case.classifications.order_by("-classified_at", "-id").first()
    not_before(at, last.classified_at if last else None, field="at", label=_("分型时间"), earlier_label=_("上次分型时间"))
    if classification == case.classification and factors == list(case.risk_factors or []):
        return ClassifyOutcome(case=case, changed=False)
    previous = case.classification
    CaseClassification.objects.create(
        case=case,
        classification=classification,
        previous=previous,
        risk_factors=factors,
        classified_at=at,
        classified_by=actor,
        note=(note or "").strip()[:300],
    )
    case.classification = classification
    case.peak_classification = more_severe(case.peak_classification, classification)
    case.risk_factors = factors
    case.save(update_fields=["classification", "peak_classification", "risk_factors", "updated_at"])
    outcome = ClassifyOutcome(case=case, changed=True)
    policy = triage_policy()
    decision = case_triage(case, at=at, policy=policy)
    in_flight = Transfer.objects.select_for_update().filter(case=case, status__in=TRANSFER_IN_FLIGHT).first()
    if in_flight is not None and in_flight.status == TransferStatus.AWAITING:
        in_flight.triage_kind, in_flight.triage_bed_type, in_flight.triage_rule = decision.kind, decision.bed_type, decision.rule_text
        in_flight.save(update_fields=["triage_kind", "triage_bed_type", "triage_citation", "updated_at"])
    elif in_flight is not None and in_flight.assigned_facility_id:
        refusal = admission_refusal(
            option_for(in_flight.assigned_facility, in_flight.assigned_bed_type),
            classification=classification,
            age=case_age(case, at),
            high_risk=decision.high_risk,
            policy=policy,
        )
        if refusal is not None or decision.bed_type != in_flight.assigned_bed_type:
            outcome.warning = _("转运途中分型变化：%(m)s；请登记拒收后重新派车") % {"m": refusal.message if refusal else decision.rule_text}
    elif case.status == CaseStatus.ADMITTED and case.facility is not None:
        refusal = admission_refusal(
            option_for(case.facility, case.bed_type),
            classification=classification,
            age=case_age(case, at),
            high_risk=decision.high_risk,
            policy=policy,
        )
        needs_icu = decision.bed_type != case.bed_type and decision.bed_type == "icu"
        if refusal is not None or needs_icu:
            outcome.transfer = transfer_open(
                case=case,
                actor=actor,
                at=at,
                reason=TransferReason.RECLASSIFIED,
                decision=decision,
                from_facility_id=case.facility_id,
                from_bed_type=case.bed_type,
            )
    audit_record(
        actor=actor,
        event_type=events.CLASSIFIED,
        obj=case,
        before={"classification": previous},
        after={
            "classification": classification,
            "risk_factors": factors,
            "triage": decision.rule_text,
            "transfer": outcome.transfer.pk if outcome.transfer else None,
            "warning": outcome.warning,
        },
    )
    return outcome


@transaction.atomic
def case_withdraw(*, actor: Any, case: Case, reason: str, at: dt.datetime | None = None) -> Case:
    """撤销: a case opened in error (e.g. the lab corrected the result). What is on the board is
    cancelled and the bed, if any, freed."""
    require(actor, CasesCap.OPEN)
    at = at or now()
    case = Case.objects.select_for_update().get(pk=case.pk)
    ensure_case_visible(actor, case)
    check_transition(
        CASE_TRANSITIONS,
        case.status,
        CaseStatus.WITHDRAWN,
        labels=CaseStatus,
        what=_("病例"),
        action=_("撤销"),
        rule="cases.case_transitions",
    )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写撤销原因"), field="reason")
    not_in_future(at, field="at", label=_("撤销时间"))
    not_before(at, case.confirmed_at, field="at", label=_("撤销时间"), earlier_label=_("确诊时间"))
    not_before(at, case.admitted_at, field="at", label=_("撤销时间"), earlier_label=_("入院时间"))
    before = {"status": case.status}
    cancelled = transfers_cancel(case, at=at, reason=_("病例撤销：%(r)s") % {"r": reason})
    if case.status == CaseStatus.ADMITTED:
        beds_release(case.facility_id, case.bed_type)
    case.status = CaseStatus.WITHDRAWN
    case.withdrawn_reason = reason[:300]
    case.closed_at = at
    case.save(update_fields=["status", "withdrawn_reason", "closed_at", "updated_at"])
    CASE_WITHDRAWN.send(case=case, actor=actor, at=at, reason=reason)
    audit_record(
        actor=actor,
        event_type=events.WITHDRAWN,
        obj=case,
        before=before,
        after={"status": case.status, "transfers_cancelled": cancelled},
        reason=reason,
    )
    return case
