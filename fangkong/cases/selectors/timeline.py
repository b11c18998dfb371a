"""A person's 快转 timeline: positive, case, transfers, care."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.geo.models import Person
from fangkong.policy.display import citation
from fangkong.testing import selectors as testing_selectors

from ..choices import CaseStatus, Classification, TransferStatus
from ..models import Case, CaseClassification, CaseTest, Discharge, HealthMonitoring, Transfer


@dataclass(frozen=True)
class TimelineStep:
    at: dt.datetime
    kind: str  # result, case_opened, classified, triage, dispatched, picked_up, admitted, refused, cancelled, test, discharged,
    #            monitoring_started, monitoring_completed, reopened, withdrawn, closed
    label: str
    actor: str
    detail: str
    case_id: int | None = None
    order: int = 0  # ties at the same minute keep the loop's order
    basis: str = ""  # the rule behind the step, shown folded as its 依据 (never inline)


def _name(user: Any) -> str:
    return (getattr(user, "full_name", "") or getattr(user, "username", "")) if user else _("系统")


def case_timeline(*, user: Any, person: Person) -> list[TimelineStep]:
    """Every step of a person's cases with time and actor: the positive result, the case opened,
    each classification and triage, dispatch, pick-up, admission or refusal, tests, discharge,
    home monitoring and its end or reopening. 404 if the user sees none of the person's cases."""
    steps = case_steps(user=user, person=person)
    if steps is None:
        raise Http404
    return steps


def case_steps(*, user: Any, person: Person, tests: bool = True) -> list[TimelineStep] | None:
    """case_timeline's steps (None if the user sees none of the person's cases); without the tests
    and the positive samples if not `tests` (a person's record shows every test in its own section)."""
    cases = list(
        Case.objects.visible_to(user).filter(person=person).select_related("opened_by", "origin_positive", "origin_positive__tube")
    )
    if not cases:
        return None
    ids = [c.pk for c in cases]
    steps = _Steps()
    if tests:
        _positive_steps(steps, cases, ids)
    _case_steps(steps, cases, ids)
    _transfer_steps(steps, ids)
    _care_steps(steps, ids, tests=tests)
    return sorted(steps.items, key=lambda s: (s.at, s.order))


class _Steps:
    """The timeline being collected: a step without a time is left out."""

    def __init__(self) -> None:
        self.items: list[TimelineStep] = []

    def add(
        self,
        at: dt.datetime | None,
        kind: str,
        label: str,
        actor: Any,
        detail: str = "",
        case_id: int | None = None,
        order: int = 0,
        basis: str = "",
    ) -> None:
        if at is not None:
            name = actor if isinstance(actor, str) else _name(actor)
            self.items.append(TimelineStep(at, kind, label, name, detail, case_id, order, basis))


def _cts(ct_orf1ab: float | None, ct_n: float | None) -> str:
    return "，".join(f"{n} {v:g}" for n, v in (("ORF1ab", ct_orf1ab), ("N", ct_n)) if v is not None)


def _positive_detail(positive: Any) -> str:
    """The Ct values and, readable, the rule that judged them (its code and source go to 依据)."""
    cts = f"Ct {_cts(positive.ct_orf1ab, positive.ct_n)}"
    rule = citation(positive.decided_by).text if positive.decided_by else ""
    return f"{cts}；{rule}" if rule else cts


def _positive_steps(steps: _Steps, cases: list[Case], ids: list[int]) -> None:
    """The positive samples behind the cases: sampled, and the result with its Ct values and rule."""
    positives = {c.origin_positive_id for c in cases if c.origin_positive_id}
    positives |= set(CaseTest.objects.filter(case_id__in=ids, positive__isnull=False).values_list("positive_id", flat=True))
    for p in testing_selectors.positives_by_id(positives):
        where = _("第 %(n)s 轮，试管 %(b)s") % {"n": p.round.number, "b": p.tube.barcode}
        steps.add(p.tube.sampled_at, "sampled", _("核酸采样"), "", where, order=0)
        steps.add(p.detected_at, "result", _("核酸阳性"), _("检测机构"), _positive_detail(p), order=1, basis=p.decided_by)


def _case_steps(steps: _Steps, cases: list[Case], ids: list[int]) -> None:
    """Each case opened (source, where found), its onset, withdrawal and every classification."""
    for c in cases:
        detail = _("%(source)s：%(note)s；发现场所：%(found)s（%(basis)s）") % {
            "source": c.get_source_display(),
            "note": c.source_note,
            "found": c.get_found_in_display(),
            "basis": c.found_in_basis,
        }
        steps.add(c.opened_at, "case_opened", _("登记病例"), c.opened_by, detail, c.pk, 2)
        if c.onset_at:
            steps.add(c.onset_at, "onset", _("发病"), "", "", c.pk, 0)
        if c.status == CaseStatus.WITHDRAWN:
            steps.add(c.closed_at, "withdrawn", _("撤销病例"), "", c.withdrawn_reason, c.pk, 9)
    for k in CaseClassification.objects.filter(case_id__in=ids).select_related("classified_by"):
        was = f"{Classification(k.previous).label} → " if k.previous else ""
        detail = f"{was}{k.get_classification_display()} {k.note}".strip()
        steps.add(k.classified_at, "classified", _("临床分型"), k.classified_by, detail, k.case_id, 3)


def _transfer_steps(steps: _Steps, ids: list[int]) -> None:
    """Each transfer: triage, dispatch, pick-up, admission or refusal, cancellation."""
    users = ("created_by", "dispatched_by", "picked_up_by", "admitted_by", "refused_by")
    for t in Transfer.objects.filter(case_id__in=ids).select_related("assigned_facility", "triage_citation", *users):
        triage = _("%(reason)s；去向：%(to)s；时限 %(due)s") % {
            "reason": t.get_reason_display(),
            "to": f"{t.get_triage_kind_display()}{t.get_triage_bed_type_display()}",
            "due": f"{timezone.localtime(t.deadline_at):%Y-%m-%d %H:%M}",
        }
        steps.add(t.queued_at, "triage", _("分诊待转运"), t.created_by, triage, t.case_id, 4, basis=t.triage_rule)
        place = t.assigned_facility.name if t.assigned_facility else ""
        dispatched = _("%(place)s；车辆 %(vehicle)s；随车 %(crew)s") % {"place": place, "vehicle": t.vehicle, "crew": t.crew}
        steps.add(t.dispatched_at, "dispatched", _("派车转运"), t.dispatched_by, dispatched, t.case_id, 5)
        steps.add(t.picked_up_at, "picked_up", _("接到患者"), t.picked_up_by, place, t.case_id, 6)
        admitted = f"{place} {t.get_assigned_bed_type_display()}"
        steps.add(t.admitted_at, "admitted", _("入院收治"), t.admitted_by, admitted, t.case_id, 7)
        steps.add(t.refused_at, "refused", _("拒收"), t.refused_by, f"{place}：{t.refused_reason}", t.case_id, 7)
        if t.status == TransferStatus.CANCELLED:
            steps.add(t.cancelled_at, "cancelled", _("取消转运"), "", t.cancelled_reason, t.case_id, 8)


def _care_steps(steps: _Steps, ids: list[int], *, tests: bool = True) -> None:
    """In care and after: tests, discharge, home health monitoring and its end or reopening."""
    for test in CaseTest.objects.filter(case_id__in=ids).select_related("recorded_by") if tests else ():
        cts = _cts(test.ct_orf1ab, test.ct_n)
        label = _("核酸检测（%(phase)s）") % {"phase": test.get_phase_display()}
        result = f"{test.get_result_display()}" + (f"（Ct {cts}）" if cts else "")
        steps.add(test.sampled_at, "test", label, test.recorded_by or _("检测机构"), result, test.case_id, 2)
    for d in Discharge.objects.filter(case_id__in=ids).select_related("facility", "discharged_by"):
        detail = f"{d.facility.name}；" + "；".join(c["label"] for c in d.criteria)
        steps.add(d.discharged_at, "discharged", _("出院"), d.discharged_by, detail, d.case_id, 8)
    for m in HealthMonitoring.objects.filter(case_id__in=ids).select_related("completed_by", "reopened_by", "community"):
        where = m.community.name if m.community else ""
        until = _("%(where)s，%(days)s 天，至 %(until)s") % {
            "where": where,
            "days": m.days,
            "until": f"{timezone.localtime(m.ends_at):%Y-%m-%d %H:%M}",
        }
        steps.add(m.starts_at, "monitoring_started", _("居家健康监测"), "", until, m.case_id, 9)
        steps.add(m.completed_at, "monitoring_completed", _("解除健康监测，结案"), m.completed_by, where, m.case_id, 10)
        steps.add(m.reopened_at, "reopened", _("复阳再收治"), m.reopened_by, m.reopened_reason, m.case_id, 10)
