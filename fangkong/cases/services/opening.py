"""Opening cases: from the testing queue, by hand, from 快隔 (a positive during isolation).

Where a case was found is derived, never typed, by one rule (fangkong.zoning.found_in): the person's
state and places when the positive sample was taken — in central isolation, isolated at home or
under in-place control, living in an area under control (封控区 / 管控区), else 社会面. From the queue
the confirmed positive carries what the testing app decided at the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import not_before, not_in_future, now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.geo.models import Person
from fangkong.policy.models import RuleCitation
from fangkong.results.choices import Result
from fangkong.testing import selectors as testing_selectors
from fangkong.testing.choices import PositiveStatus
from fangkong.testing.services import positives_hand_over
from fangkong.zoning.found_in import FoundInDecision, found_in_for

from .. import events
from ..choices import CASE_ACTIVE, HAND_SOURCES, CarePhase, CaseSource, CaseStatus, Classification, MonitoringStatus

if TYPE_CHECKING:  # 快检's model names the type; the queue is read through testing.selectors
    from fangkong.testing.models import ConfirmedPositive

from ..models import Case, CaseClassification, CaseTest, HealthMonitoring, Transfer, TreatmentFacility
from ..permissions import CasesCap
from .classification import check_classification, clean_risk_factors
from .common import local
from .monitoring import reopen_care
from .policy import transfer_deadline, triage_policy
from .transfers import PLACES, case_triage, transfer_build, transfer_open

QUEUE_NOTE = "筛查阳性，待医疗救治组临床研判（暂按无症状感染者）"


def _found_in_from_positive(positive: ConfirmedPositive) -> FoundInDecision:
    """The testing app decided it at the result, by the one rule (fangkong.zoning.found_in)."""
    basis = positive.found_in_basis or _("筛查阳性 #%(id)s（第 %(n)s 轮）") % {"id": positive.pk, "n": positive.round.number}
    return FoundInDecision(positive.found_in, basis)


def _refuse_second_case(person: Person, existing: Case) -> DomainError:
    return DomainError(
        _("%(p)s 已有在管病例 #%(n)s（%(s)s），一人同时只能有一个在管病例")
        % {"p": person.name, "n": existing.pk, "s": existing.get_status_display()},
        rule="cases.one_active_case",
        field="person",
    )


def _new_case(
    *,
    person: Person,
    places: dict[str, int | None],
    classification: str,
    risk_factors: list[str],
    onset_at: dt.datetime | None,
    positive_at: dt.datetime,
    confirmed_at: dt.datetime,
    found: FoundInDecision,
    source: str,
    source_note: str,
    origin: ConfirmedPositive | None,
    is_imported: bool,
    actor: Any,
    at: dt.datetime,
    reporting_facility: TreatmentFacility | None = None,
) -> Case:
    return Case(
        person=person,
        classification=classification,
        initial_classification=classification,
        peak_classification=classification,
        risk_factors=risk_factors,
        is_imported=is_imported,
        onset_at=onset_at,
        positive_at=positive_at,
        confirmed_at=confirmed_at,
        found_in=found.value,
        found_in_basis=found.basis[:300],
        source=source,
        source_note=source_note[:300],
        origin_positive=origin,
        reporting_facility=reporting_facility,
        opened_at=at,
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
        **places,
    )


def _person_places(person: Person) -> dict[str, int | None]:
    return {
        "district_id": person.district_id,
        "street_id": person.street_id,
        "community_id": person.community_id,
        "grid_id": person.grid_id,
        "household_id": person.household_id,
    }


# ---- from the testing queue ----


@dataclass
class QueueReport:
    opened: int = 0
    attached: int = 0  # a later positive of a person already under care: recorded as a test
    reopened: int = 0  # …of a person under home monitoring: care reopened
    case_ids: list[int] = field(default_factory=list)


def _attach_positive(*, case: Case, positive: ConfirmedPositive, actor: Any, at: dt.datetime, report: QueueReport) -> None:
    """A positive of someone who already has an active case: a test of that case; in monitoring, care reopens."""
    monitoring = None
    if case.status == CaseStatus.DISCHARGED:
        monitoring = HealthMonitoring.objects.filter(case=case, status=MonitoringStatus.ACTIVE).order_by("-starts_at").first()
    CaseTest.objects.create(
        case=case,
        phase=CarePhase.MONITORING if monitoring else CarePhase.TREATMENT,
        monitoring=monitoring,
        result=Result.POSITIVE,
        ct_orf1ab=positive.ct_orf1ab,
        ct_n=positive.ct_n,
        sampled_at=positive.tube.sampled_at or positive.detected_at,
        reported_at=positive.detected_at,
        decision_citation_id=positive.decision_citation_id,  # the positive's own citation (the same text)
        positive=positive,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    report.attached += 1
    if monitoring is not None:
        reopen_care(
            actor=actor,
            case=case,
            monitoring=monitoring,
            reason=_("居家健康监测期间筛查阳性（阳性 #%(id)s）") % {"id": positive.pk},
            at=positive.detected_at,
        )
        report.reopened += 1


def _consume(
    positives: Sequence[ConfirmedPositive],
    *,
    actor: Any,
    at: dt.datetime,
    classification: str = Classification.ASYMPTOMATIC,
    onset_at: dt.datetime | None = None,
    risk_factors: list[str] | None = None,
    note: str = QUEUE_NOTE,
) -> QueueReport:
    report = QueueReport()
    if not positives:
        return report
    persons = {p.person_id for p in positives}
    active = {c.person_id: c for c in Case.objects.select_for_update().filter(person_id__in=persons, status__in=CASE_ACTIVE)}
    new_cases: list[Case] = []
    later: list[ConfirmedPositive] = []
    opening: set[int] = set()
    for p in positives:
        if p.person_id in active or p.person_id in opening:
            later.append(p)  # someone already under care, or a second positive of this batch's person
            continue
        opening.add(p.person_id)
        places = {k: getattr(p, k) for k in PLACES}
        new_cases.append(
            _new_case(
                person=p.person,
                places=places,
                classification=classification,
                risk_factors=risk_factors or [],
                onset_at=onset_at,
                positive_at=p.detected_at,
                confirmed_at=p.detected_at,
                found=_found_in_from_positive(p),
                source=CaseSource.QUEUE,
                source_note=note,
                origin=p,
                is_imported=False,
                actor=actor,
                at=at,
            )
        )
    Case.objects.bulk_create(new_cases)
    user = actor if getattr(actor, "is_authenticated", False) else None
    CaseClassification.objects.bulk_create(
        CaseClassification(
            case=c,
            classification=c.classification,
            risk_factors=c.risk_factors,
            classified_at=c.confirmed_at,
            classified_by=user,
            note=note[:300],
        )
        for c in new_cases
    )
    policy = triage_policy()
    decisions = [(c, case_triage(c, at=c.confirmed_at, policy=policy), transfer_deadline(c.confirmed_at)) for c in new_cases]
    # The batch's rules (a handful of texts) resolved to their citations at once, not per transfer.
    citations = RuleCitation.stored({text for _c, d, (_at, rule) in decisions for text in (d.rule_text, rule)})
    Transfer.objects.bulk_create(
        transfer_build(case=c, actor=actor, at=c.confirmed_at, decision=d, deadline=deadline, citations=citations)
        for c, d, deadline in decisions
    )
    report.opened = len(new_cases)
    report.case_ids = [c.pk for c in new_cases]
    by_person = {**active, **{c.person_id: c for c in new_cases}}
    for p in later:
        _attach_positive(case=by_person[p.person_id], positive=p, actor=actor, at=at, report=report)
    # 快检 marks its positives handed over, naming the case that took each (its own audited service).
    positives_hand_over(actor=actor, cases={p.pk: by_person[p.person_id].pk for p in positives}, at=at)
    return report


@transaction.atomic
def cases_open_from_queue(*, actor: Any = None, at: dt.datetime | None = None, limit: int | None = None) -> QueueReport:
    """Every confirmed positive awaiting case handling becomes a case (or, for someone already under
    care, a test of their case; in home monitoring, care reopens). The positives are marked handed
    over. Run every minute by the Huey task and by `manage.py open_cases`; `actor` None is the
    system. One audit event for the batch, with its counts."""
    if actor is not None:
        require(actor, CasesCap.OPEN)
    at = at or now()
    positives = testing_selectors.positives_awaiting_case(user=actor, limit=limit)
    report = _consume(positives, actor=actor, at=at)
    if positives:
        audit_record(
            actor=actor,
            event_type=events.OPENED_FROM_QUEUE,
            object_type="cases.case",
            count=report.opened,
            after={
                "positives": len(positives),
                "opened": report.opened,
                "attached": report.attached,
                "reopened": report.reopened,
                "cases": report.case_ids[:200],
                "positive_ids": [p.pk for p in positives][:200],
            },
        )
    return report


@transaction.atomic
def case_open_from_positive(
    *,
    actor: Any,
    positive: ConfirmedPositive,
    classification: str = Classification.ASYMPTOMATIC,
    onset_at: dt.datetime | None = None,
    risk_factors: Iterable[str] = (),
    note: str = "",
    at: dt.datetime | None = None,
) -> Case:
    """One positive from the queue, with the medical team's first assessment. Returns the case
    opened — or, for someone already under care, their case with the positive recorded as a test."""
    require(actor, CasesCap.OPEN)
    at = at or now()
    check_classification(classification)
    factors = clean_risk_factors(risk_factors)
    positive = testing_selectors.positive_for_case(user=actor, pk=positive.pk)
    if positive is None:
        raise PermissionRefused(_("该阳性人员不在您的管辖范围内"), rule="cases.case_scope")
    if positive.status != PositiveStatus.AWAITING_CASE:
        raise DomainError(
            _("该阳性记录状态为“%(s)s”，不在待处置队列中") % {"s": positive.get_status_display()}, rule="cases.positive_not_awaiting"
        )
    not_in_future(onset_at, field="onset_at", label=_("发病时间"))
    not_before(positive.detected_at, onset_at, field="onset_at", label=_("阳性结果时间"), earlier_label=_("发病时间"))
    report = _consume(
        [positive],
        actor=actor,
        at=at,
        classification=classification,
        onset_at=onset_at,
        risk_factors=factors,
        note=note.strip() or _("医疗救治组研判"),
    )
    case = Case.objects.get(pk=report.case_ids[0]) if report.case_ids else Case.objects.get(person=positive.person, status__in=CASE_ACTIVE)
    audit_record(
        actor=actor,
        event_type=events.OPENED,
        obj=case,
        after={
            "source": CaseSource.QUEUE,
            "positive": positive.pk,
            "opened": bool(report.opened),
            "classification": case.classification,
            "found_in": case.found_in,
            "found_in_basis": case.found_in_basis,
        },
    )
    return case


# ---- by hand ----


@transaction.atomic
def case_open_by_hand(
    *,
    actor: Any,
    person: Person,
    classification: str,
    confirmed_at: dt.datetime,
    source: str,
    source_note: str,
    onset_at: dt.datetime | None = None,
    positive_at: dt.datetime | None = None,
    risk_factors: Iterable[str] = (),
    is_imported: bool = False,
    reporting_facility: TreatmentFacility | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """A case reported by a hospital or notified by another city. Refused if the person already has
    an active case; where it was found is derived from the person's state at `confirmed_at`. A
    reporting facility (a designated hospital's own report) sees the case and may admit it on the spot."""
    require(actor, CasesCap.OPEN)
    at = at or now()
    if not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        raise PermissionRefused(_("该人员不在您的管辖范围内"), rule="cases.case_scope")
    if source not in HAND_SOURCES:
        raise DomainError(_("请选择病例来源（医疗机构报告、外地协查通报或其他）"), field="source")
    source_note = (source_note or "").strip()
    if not source_note:
        raise DomainError(_("请注明报告机构或通报来源"), field="source_note")
    check_classification(classification)
    factors = clean_risk_factors(risk_factors)
    positive_at = positive_at or confirmed_at
    not_in_future(confirmed_at, field="confirmed_at", label=_("确诊时间"))
    not_in_future(positive_at, field="positive_at", label=_("阳性结果时间"))
    not_in_future(onset_at, field="onset_at", label=_("发病时间"))
    not_before(confirmed_at, positive_at, field="confirmed_at", label=_("确诊时间"), earlier_label=_("阳性结果时间"))
    not_before(confirmed_at, onset_at, field="onset_at", label=_("确诊时间"), earlier_label=_("发病时间"))
    existing = Case.objects.select_for_update().filter(person=person, status__in=CASE_ACTIVE).first()
    if existing is not None:
        raise _refuse_second_case(person, existing)
    case = _new_case(
        person=person,
        places=_person_places(person),
        classification=classification,
        risk_factors=factors,
        onset_at=onset_at,
        positive_at=positive_at,
        confirmed_at=confirmed_at,
        found=found_in_for(person, positive_at),
        source=source,
        source_note=source_note,
        origin=None,
        is_imported=is_imported,
        actor=actor,
        at=at,
        reporting_facility=reporting_facility,
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:  # another desk opened one for the same person a moment ago
        raise _refuse_second_case(person, Case.objects.filter(person=person, status__in=CASE_ACTIVE).first() or case) from exc
    CaseClassification.objects.create(
        case=case,
        classification=classification,
        risk_factors=factors,
        classified_at=confirmed_at,
        classified_by=actor,
        note=source_note[:300],
    )
    transfer = transfer_open(case=case, actor=actor, at=confirmed_at)
    audit_record(
        actor=actor,
        event_type=events.OPENED,
        obj=case,
        after={
            "source": source,
            "source_note": source_note,
            "classification": classification,
            "confirmed_at": confirmed_at.isoformat(),
            "found_in": case.found_in,
            "found_in_basis": case.found_in_basis,
            "transfer": transfer.pk,
            "triage": transfer.triage_rule,
        },
    )
    return case


# ---- from 快隔: a positive during isolation ----


@transaction.atomic
def case_open_from_isolation(
    *,
    person: Person,
    positive_at: dt.datetime,
    reference: str,
    ct_orf1ab: float | None = None,
    ct_n: float | None = None,
    sampled_at: dt.datetime | None = None,
    actor: Any = None,
) -> Case:
    """A person under isolation tested positive (the isolation app calls this in the transaction
    that ends the episode; `actor` None is the system). Found in: by the one rule, at the sampling
    time — the isolation site during the central phase, a controlled place during home isolation.
    Someone already under care: the positive is a test of their case (in home monitoring, care
    reopens). Returns the case."""
    if actor is not None:
        require(actor, CasesCap.OPEN)
    not_in_future(positive_at, field="positive_at", label=_("阳性结果时间"))
    not_before(positive_at, sampled_at, field="positive_at", label=_("阳性结果时间"), earlier_label=_("采样时间"))
    note = (reference or "").strip()[:300] or _("隔离期间核酸阳性")
    existing = Case.objects.select_for_update().filter(person=person, status__in=CASE_ACTIVE).first()
    if existing is not None:
        monitoring = None
        if existing.status == CaseStatus.DISCHARGED:
            monitoring = HealthMonitoring.objects.filter(case=existing, status=MonitoringStatus.ACTIVE).first()
        CaseTest.objects.create(
            case=existing,
            phase=CarePhase.MONITORING if monitoring else CarePhase.TREATMENT,
            monitoring=monitoring,
            result=Result.POSITIVE,
            ct_orf1ab=ct_orf1ab,
            ct_n=ct_n,
            sampled_at=sampled_at or positive_at,
            reported_at=positive_at,
            decided_by=note,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if monitoring is not None:
            reopen_care(actor=actor, case=existing, monitoring=monitoring, reason=note, at=positive_at)
        return existing
    found = found_in_for(person, sampled_at or positive_at)
    case = _new_case(
        person=person,
        places=_person_places(person),
        classification=Classification.ASYMPTOMATIC,
        risk_factors=[],
        onset_at=None,
        positive_at=positive_at,
        confirmed_at=positive_at,
        found=found,
        source=CaseSource.ISOLATION,
        source_note=note,
        origin=None,
        is_imported=False,
        actor=actor,
        at=now(),
    )
    case.save()
    CaseClassification.objects.create(
        case=case,
        classification=case.classification,
        classified_at=positive_at,
        note=_("隔离期间检出，待医疗救治组临床研判（暂按无症状感染者）"),
    )
    transfer = transfer_open(case=case, actor=actor, at=positive_at)
    audit_record(
        actor=actor,
        event_type=events.OPENED,
        obj=case,
        after={
            "source": CaseSource.ISOLATION,
            "reference": note,
            "found_in": case.found_in,
            "found_in_basis": case.found_in_basis,
            "transfer": transfer.pk,
            "deadline": local(transfer.deadline_at),
        },
    )
    return case
