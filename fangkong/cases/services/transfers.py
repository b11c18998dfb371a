"""转运: putting a case on the board, dispatch, pick-up, admission (a bed, atomically) and refusal.

Locks are always taken case first, then transfer, so two services never wait on each other in
opposite orders. The bed is taken with one conditional UPDATE (common.beds_take) as the first write
of an admission: if it fails nothing else has been written, and the transaction rolls back whole.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import not_before, not_in_future, now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require, require_any, user_can
from fangkong.core.scoping import jurisdiction_of
from fangkong.core.transitions import check_transition
from fangkong.geo.birth import person_age_at
from fangkong.policy.models import RuleCitation

from .. import events
from ..choices import CASE_IN_CARE, TRANSFER_IN_FLIGHT, TRANSFER_TRANSITIONS, BedType, CaseStatus, TransferReason, TransferStatus
from ..models import Case, FacilityBeds, Transfer, TreatmentFacility
from ..permissions import CasesCap
from ..querysets import TREATMENT_GRANT
from .common import beds_release, beds_take, covers_facility, ensure_case_visible, ensure_facility_covered, local
from .facilities import facility_options, option_for
from .policy import transfer_deadline, triage_policy
from .triage import TriageDecision, TriagePolicy, TriageSuggestion, admission_refusal, triage_decide, triage_suggest

PLACES = ("district_id", "street_id", "community_id", "grid_id", "household_id")


def case_age(case: Case, at: dt.datetime) -> int | None:
    """The patient's exact age at `at`, for triage only (decrypted by geo; never shown)."""
    return person_age_at(case.person, at)


def case_triage(case: Case, *, at: dt.datetime, policy: TriagePolicy | None = None) -> TriageDecision:
    return triage_decide(
        classification=case.classification,
        age=case_age(case, at),
        risk_factors=case.risk_factors or (),
        policy=policy or triage_policy(),
    )


def case_suggestion(case: Case, *, at: dt.datetime, exclude_transfer: Transfer | None = None) -> TriageSuggestion:
    """The live suggestion for one case: the policy's kind and bed, and the facility with free beds."""
    return triage_suggest(
        classification=case.classification,
        age=case_age(case, at),
        risk_factors=case.risk_factors or (),
        district_id=case.district_id,
        policy=triage_policy(),
        facilities=facility_options(exclude_transfer=exclude_transfer),
    )


def transfer_build(
    *,
    case: Case,
    actor: Any,
    at: dt.datetime,
    reason: str = TransferReason.FIRST,
    decision: TriageDecision | None = None,
    deadline: tuple[dt.datetime, str] | None = None,
    previous: Transfer | None = None,
    from_facility_id: int | None = None,
    from_bed_type: str = "",
    citations: dict[str, RuleCitation] | None = None,
) -> Transfer:
    """An awaiting transfer (unsaved): the triage decision and the deadline, both with their rules.
    `at` is when the case starts waiting — its confirmation, or the reclassification or reopening
    that sends it again — and the deadline (transfer.deadline) counts from it. The two rules are
    stored citations: taken from `citations` (text → citation, resolved once by a bulk caller) or
    looked up together here (one query)."""
    decision = decision or case_triage(case, at=at)
    deadline_at, deadline_rule = deadline or transfer_deadline(at)
    if citations is None or deadline_rule not in citations or decision.rule_text not in citations:
        citations = RuleCitation.stored([deadline_rule, decision.rule_text])
    return Transfer(
        case=case,
        reason=reason,
        status=TransferStatus.AWAITING,
        queued_at=at,
        deadline_at=deadline_at,
        deadline_citation=citations.get(deadline_rule),
        triage_kind=decision.kind,
        triage_bed_type=decision.bed_type,
        triage_citation=citations.get(decision.rule_text),
        from_facility_id=from_facility_id,
        from_bed_type=from_bed_type,
        previous=previous,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **{p: getattr(case, p) for p in PLACES},
    )


def transfer_open(**kwargs: Any) -> Transfer:
    t = transfer_build(**kwargs)
    t.save()
    return t


def transfers_cancel(case: Case, *, at: dt.datetime, reason: str) -> list[int]:
    """Cancel what is on the board for `case` (inside the caller's transaction)."""
    ids = list(Transfer.objects.select_for_update().filter(case=case, status__in=TRANSFER_IN_FLIGHT).values_list("pk", flat=True))
    Transfer.objects.filter(pk__in=ids).update(
        status=TransferStatus.CANCELLED, cancelled_at=at, cancelled_reason=reason[:300], updated_at=now()
    )
    return ids


def _lock(transfer: Transfer) -> tuple[Case, Transfer]:
    """Case first, then transfer: the order every service takes them in."""
    case = Case.objects.select_for_update(of=("self",)).select_related("person").get(pk=transfer.case_id)
    return case, Transfer.objects.select_for_update().get(pk=transfer.pk)


def _check_case_in_care(case: Case, action: str) -> None:
    if case.status not in CASE_IN_CARE:
        raise DomainError(
            _("病例 #%(n)s 状态为“%(s)s”，不能%(a)s") % {"n": case.pk, "s": case.get_status_display(), "a": action},
            rule="cases.transfer_case_closed",
        )


def _check_transfer(transfer: Transfer, target: str, action: str) -> None:
    check_transition(
        TRANSFER_TRANSITIONS,
        transfer.status,
        target,
        labels=TransferStatus,
        what=_("转运"),
        action=action,
        rule="cases.transfer_transitions",
    )


def _check_admits(case: Case, facility: TreatmentFacility, bed_type: str, at: dt.datetime) -> None:
    policy = triage_policy()
    age = case_age(case, at)
    decision = triage_decide(classification=case.classification, age=age, risk_factors=case.risk_factors or (), policy=policy)
    refusal = admission_refusal(
        option_for(facility, bed_type), classification=case.classification, age=age, high_risk=decision.high_risk, policy=policy
    )
    if refusal is not None:
        raise DomainError(refusal.message, rule=refusal.rule or "cases.facility_admission", source=refusal.source)
    if not FacilityBeds.objects.filter(facility=facility, bed_type=bed_type).exists():
        raise DomainError(
            _("“%(f)s”没有%(bed)s") % {"f": facility.name, "bed": BedType(bed_type).label}, rule="cases.bed_capacity", field="bed_type"
        )


@transaction.atomic
def transfer_dispatch(
    *,
    actor: Any,
    transfer: Transfer,
    vehicle: str,
    crew: str = "",
    facility: TreatmentFacility | None = None,
    bed_type: str = "",
    at: dt.datetime | None = None,
) -> Transfer:
    """派车: assign a facility and bed type (the live suggestion unless given), a vehicle and crew."""
    require(actor, CasesCap.DISPATCH)
    at = at or now()
    case, transfer = _lock(transfer)
    ensure_case_visible(actor, case)
    _check_case_in_care(case, _("派车转运"))
    _check_transfer(transfer, TransferStatus.DISPATCHED, _("派车"))
    not_in_future(at, field="at", label=_("派车时间"))
    not_before(at, transfer.queued_at, field="at", label=_("派车时间"), earlier_label=_("待转运时间"))
    vehicle = (vehicle or "").strip()
    if not vehicle:
        raise DomainError(_("请填写转运车辆"), field="vehicle")
    suggestion = case_suggestion(case, at=at)
    if facility is None:
        if suggestion.facility is None:
            raise DomainError(
                _("无可用床位：%(note)s") % {"note": suggestion.note}, rule="cases.bed_capacity", source=suggestion.decision.rule_text
            )
        facility = TreatmentFacility.objects.get(pk=suggestion.facility.facility_id)
    bed_type = bed_type or transfer.triage_bed_type or suggestion.bed_type
    if bed_type not in BedType.values:
        raise DomainError(_("未知的床位类型"), field="bed_type")
    _check_admits(case, facility, bed_type, at)
    beds = FacilityBeds.objects.get(facility=facility, bed_type=bed_type)
    if beds.occupied >= beds.capacity:
        raise DomainError(
            _("“%(f)s”%(bed)s已满（在院/床位 %(o)s/%(c)s）")
            % {"f": facility.name, "bed": BedType(bed_type).label, "o": beds.occupied, "c": beds.capacity},
            rule="cases.bed_capacity",
            source=f"{facility.name} {BedType(bed_type).label} {beds.occupied}/{beds.capacity}",
        )
    transfer.status = TransferStatus.DISPATCHED
    transfer.suggested_facility_id = suggestion.facility.facility_id if suggestion.facility else None
    transfer.assigned_facility = facility
    transfer.assigned_bed_type = bed_type
    transfer.vehicle = vehicle[:64]
    transfer.crew = (crew or "").strip()[:200]
    transfer.dispatched_at = at
    transfer.dispatched_by = actor
    transfer.save(
        update_fields=[
            "status",
            "suggested_facility",
            "assigned_facility",
            "assigned_bed_type",
            "vehicle",
            "crew",
            "dispatched_at",
            "dispatched_by",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        event_type=events.TRANSFER_DISPATCHED,
        obj=transfer,
        before={"status": TransferStatus.AWAITING},
        after={
            "status": transfer.status,
            "case": case.pk,
            "facility": facility.name,
            "bed_type": bed_type,
            "suggested": suggestion.facility.name if suggestion.facility else None,
            "followed_suggestion": bool(suggestion.facility and suggestion.facility.facility_id == facility.pk),
            "vehicle": transfer.vehicle,
            "crew": transfer.crew,
            "deadline": transfer.deadline_at.isoformat(),
            "overdue": at > transfer.deadline_at,
            "rule": suggestion.decision.rule_text,
        },
    )
    return transfer


@transaction.atomic
def transfer_pick_up(*, actor: Any, transfer: Transfer, at: dt.datetime | None = None) -> Transfer:
    """接到患者: the crew has the patient on board."""
    require(actor, CasesCap.DISPATCH)
    at = at or now()
    case, transfer = _lock(transfer)
    ensure_case_visible(actor, case)
    _check_case_in_care(case, _("登记接运"))
    _check_transfer(transfer, TransferStatus.PICKED_UP, _("登记接到患者"))
    not_in_future(at, field="at", label=_("接到时间"))
    not_before(at, transfer.dispatched_at, field="at", label=_("接到时间"), earlier_label=_("派车时间"))
    transfer.status = TransferStatus.PICKED_UP
    transfer.picked_up_at = at
    transfer.picked_up_by = actor
    transfer.save(update_fields=["status", "picked_up_at", "picked_up_by", "updated_at"])
    audit_record(
        actor=actor,
        event_type=events.TRANSFER_PICKED_UP,
        obj=transfer,
        before={"status": TransferStatus.DISPATCHED},
        after={"status": transfer.status, "case": case.pk, "at": at.isoformat()},
    )
    return transfer


def _own_facility(actor: Any) -> TreatmentFacility | None:
    ids = jurisdiction_of(actor).covered.get(TREATMENT_GRANT) or ()
    return TreatmentFacility.objects.filter(pk=next(iter(ids))).first() if len(ids) == 1 else None


@transaction.atomic
def transfer_admit(
    *,
    actor: Any,
    transfer: Transfer,
    at: dt.datetime | None = None,
    facility: TreatmentFacility | None = None,
    bed_type: str = "",
) -> Transfer:
    """入院收治: the facility takes one bed of the type (atomically) and the case is under treatment.

    From `picked_up` (the usual way) at the assigned facility; from `awaiting` when the person is
    already at the facility (就地收治: a hospital's own report, or a move to its ICU), naming it."""
    require(actor, CasesCap.TREAT)
    at = at or now()
    case, transfer = _lock(transfer)
    ensure_case_visible(actor, case)
    _check_case_in_care(case, _("收治"))
    _check_transfer(transfer, TransferStatus.ADMITTED, _("收治"))
    if transfer.status == TransferStatus.AWAITING:
        facility = facility or _own_facility(actor)
        if facility is None:
            raise DomainError(_("就地收治须指明收治机构"), field="facility")
        earliest, earliest_label = transfer.queued_at, _("待转运时间")
    else:
        if facility is not None and facility.pk != transfer.assigned_facility_id:
            raise DomainError(
                _("该患者派往“%(f)s”，不能由其他机构收治；请先登记拒收") % {"f": transfer.assigned_facility.name},
                rule="cases.transfer_assigned_facility",
                field="facility",
            )
        facility = transfer.assigned_facility
        earliest, earliest_label = transfer.picked_up_at, _("接到时间")
    ensure_facility_covered(actor, facility)
    bed_type = bed_type or transfer.assigned_bed_type or transfer.triage_bed_type
    if bed_type not in BedType.values:
        raise DomainError(_("未知的床位类型"), field="bed_type")
    not_in_future(at, field="at", label=_("收治时间"))
    not_before(at, earliest, field="at", label=_("收治时间"), earlier_label=earliest_label)
    not_before(at, case.confirmed_at, field="at", label=_("收治时间"), earlier_label=_("确诊时间"))
    facility = TreatmentFacility.objects.get(pk=facility.pk)
    _check_admits(case, facility, bed_type, at)
    # The first write: one conditional UPDATE takes the bed, or refuses with nothing written.
    beds_take(facility, bed_type)
    moved_from = None
    if case.status == CaseStatus.ADMITTED:  # a move between facilities or bed types
        moved_from = (case.facility_id, case.bed_type)
        beds_release(case.facility_id, case.bed_type)
    before = {"status": transfer.status}
    transfer.status = TransferStatus.ADMITTED
    transfer.assigned_facility = facility
    transfer.assigned_bed_type = bed_type
    transfer.admitted_at = at
    transfer.admitted_by = actor
    transfer.save(update_fields=["status", "assigned_facility", "assigned_bed_type", "admitted_at", "admitted_by", "updated_at"])
    case.status = CaseStatus.ADMITTED
    case.facility = facility
    case.bed_type = bed_type
    case.admitted_at = at
    case.first_admitted_at = case.first_admitted_at or at
    case.save(update_fields=["status", "facility", "bed_type", "admitted_at", "first_admitted_at", "updated_at"])
    audit_record(
        actor=actor,
        event_type=events.TRANSFER_ADMITTED,
        obj=transfer,
        before=before,
        after={
            "status": transfer.status,
            "case": case.pk,
            "facility": facility.name,
            "bed_type": bed_type,
            "moved_from": moved_from,
            "within_deadline": at <= transfer.deadline_at,
            "at": at.isoformat(),
        },
    )
    return transfer


@transaction.atomic
def transfer_refuse(*, actor: Any, transfer: Transfer, reason: str, at: dt.datetime | None = None) -> Transfer:
    """拒收: the facility turned the patient away. The attempt ends (kept, with its reason) and a new
    awaiting transfer with the same deadline goes back on the board. Returns the new transfer."""
    require_any(actor, (CasesCap.DISPATCH, CasesCap.TREAT))
    at = at or now()
    case, transfer = _lock(transfer)
    ensure_case_visible(actor, case)
    if not user_can(actor, CasesCap.DISPATCH) and not covers_facility(actor, transfer.assigned_facility_id):
        raise PermissionRefused(_("只有调度人员或收治机构可以登记拒收"), rule="cases.facility_scope")
    _check_case_in_care(case, _("登记拒收"))
    _check_transfer(transfer, TransferStatus.REFUSED, _("登记拒收"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写拒收原因"), field="reason")
    not_in_future(at, field="at", label=_("拒收时间"))
    not_before(at, transfer.picked_up_at or transfer.dispatched_at, field="at", label=_("拒收时间"), earlier_label=_("派车或接到时间"))
    before = {"status": transfer.status}
    transfer.status = TransferStatus.REFUSED
    transfer.refused_at = at
    transfer.refused_by = actor
    transfer.refused_reason = reason[:300]
    transfer.save(update_fields=["status", "refused_at", "refused_by", "refused_reason", "updated_at"])
    again = transfer_open(
        case=case,
        actor=actor,
        at=at,
        reason=TransferReason.AFTER_REFUSAL,
        deadline=(transfer.deadline_at, transfer.deadline_rule),
        previous=transfer,
        from_facility_id=transfer.from_facility_id,
        from_bed_type=transfer.from_bed_type,
    )
    audit_record(
        actor=actor,
        event_type=events.TRANSFER_REFUSED,
        obj=transfer,
        before=before,
        after={
            "status": transfer.status,
            "case": case.pk,
            "facility": transfer.assigned_facility.name if transfer.assigned_facility else None,
            "reason": reason,
            "back_on_board_as": again.pk,
            "deadline": local(again.deadline_at),
        },
        reason=reason,
    )
    return again
