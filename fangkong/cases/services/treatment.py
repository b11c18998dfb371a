"""Treatment: tests during treatment, the discharge check, discharge (frees the bed, starts monitoring).

Discharge criteria (policy discharge.*, 诊疗方案第九版):
- the latest test qualifies: negative, or every reported Ct ≥ discharge.ct_threshold;
- discharge.tests_required consecutive qualifying tests, sampled at least
  discharge.min_hours_between_tests apart (counted back from the latest; a non-qualifying test
  breaks the run; invalid tests are not results and are skipped);
- for cases whose most severe class was in discharge.clinical_classes (moderate and above): every
  clinical condition in discharge.clinical_criteria, affirmed by the clinician.
Only tests of the current episode count (after confirmation, or after care was last reopened).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import not_before, not_in_future, now
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.transitions import check_transition
from fangkong.results.choices import Result
from fangkong.results.rules import decide_or_refuse

from .. import events
from ..choices import CASE_IN_CARE, CASE_TRANSITIONS, CarePhase, CaseStatus, Classification, ClinicalCriterion
from ..models import Case, CaseTest, Discharge, HealthMonitoring
from ..permissions import CasesCap
from .common import beds_release, ensure_case_visible, ensure_facility_covered, local
from .policy import DischargePolicy, discharge_policy, monitoring_end
from .transfers import transfers_cancel


@transaction.atomic
def case_test_record(
    *,
    actor: Any,
    case: Case,
    sampled_at: dt.datetime,
    result: str = "",
    ct_orf1ab: float | None = None,
    ct_n: float | None = None,
    reported_at: dt.datetime | None = None,
) -> CaseTest:
    """A nucleic-acid test during treatment (the result follows from the Ct values when given)."""
    require(actor, CasesCap.TREAT)
    case = Case.objects.select_for_update().get(pk=case.pk)
    ensure_case_visible(actor, case)
    if case.status not in CASE_IN_CARE:
        raise DomainError(
            _("病例 #%(n)s 状态为“%(s)s”，治疗期检测只能在收治前后登记") % {"n": case.pk, "s": case.get_status_display()},
            rule="cases.case_transitions",
        )
    return case_test_write(
        actor=actor, case=case, phase=CarePhase.TREATMENT, result=result, ct_orf1ab=ct_orf1ab, ct_n=ct_n,
        sampled_at=sampled_at, reported_at=reported_at, since=case.positive_at, since_label=_("阳性结果时间"),
    )  # fmt: skip


def case_test_write(
    *,
    actor: Any,
    case: Case,
    phase: str,
    result: str,
    ct_orf1ab: float | None,
    ct_n: float | None,
    sampled_at: dt.datetime,
    reported_at: dt.datetime,
    since: dt.datetime,
    since_label: str,
    monitoring: HealthMonitoring | None = None,
) -> CaseTest:
    """One test of a case (treatment or home monitoring): the result decided by the policy's Ct rule,
    times checked (not in the future, sampled after `since`, reported after sampled), audited."""
    value, threshold = decide_or_refuse(result, ct_orf1ab, ct_n)
    decided_by = threshold.citation if (ct_orf1ab, ct_n) != (None, None) else ""
    not_in_future(sampled_at, field="sampled_at", label=_("采样时间"))
    not_in_future(reported_at, field="reported_at", label=_("报告时间"))
    not_before(sampled_at, since, field="sampled_at", label=_("采样时间"), earlier_label=since_label)
    not_before(reported_at, sampled_at, field="reported_at", label=_("报告时间"), earlier_label=_("采样时间"))
    test = CaseTest.objects.create(
        case=case,
        phase=phase,
        monitoring=monitoring,
        result=value,
        ct_orf1ab=ct_orf1ab,
        ct_n=ct_n,
        sampled_at=sampled_at,
        reported_at=reported_at,
        decided_by=decided_by,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        event_type=events.TEST_RECORDED,
        obj=case,
        after={"phase": phase, "result": value, "ct_orf1ab": ct_orf1ab, "ct_n": ct_n, "sampled_at": sampled_at.isoformat()},
    )
    return test


# ---- the discharge check ----


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    passed: bool
    detail: str
    citation: str


@dataclass
class DischargeCheck:
    criteria: list[Criterion]
    tests_used: list[int] = field(default_factory=list)
    latest_test_at: dt.datetime | None = None

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.criteria)

    @property
    def failed(self) -> list[Criterion]:
        return [c for c in self.criteria if not c.passed]

    def as_rows(self) -> list[dict[str, Any]]:
        return [asdict(c) for c in self.criteria]


def _qualifies(test: CaseTest, threshold: float) -> bool:
    if test.result == Result.NEGATIVE:
        return True
    cts = [v for v in (test.ct_orf1ab, test.ct_n) if v is not None]
    return bool(cts) and min(cts) >= threshold


def _describe(test: CaseTest) -> str:
    cts = [f"{n} {v:g}" for n, v in (("ORF1ab", test.ct_orf1ab), ("N", test.ct_n)) if v is not None]
    return f"{local(test.sampled_at)} {Result(test.result).label}" + (f"（Ct {'，'.join(cts)}）" if cts else "")


def episode_start(case: Case) -> dt.datetime:
    """Tests count from confirmation, or from the last time care was reopened."""
    reopened = (
        HealthMonitoring.objects.filter(case=case, reopened_at__isnull=False)
        .order_by("-reopened_at")
        .values_list("reopened_at", flat=True)
        .first()
    )
    return max(case.positive_at, reopened) if reopened else case.positive_at


def discharge_check(
    *, case: Case, clinical: Iterable[str] = (), at: dt.datetime | None = None, policy: DischargePolicy | None = None
) -> DischargeCheck:
    """Which discharge criteria pass and which fail, each with its policy citation. Writes nothing."""
    policy = policy or discharge_policy()
    threshold = float(policy.ct_threshold.value)
    required = int(policy.tests_required.value)
    min_gap = dt.timedelta(hours=float(policy.min_hours_between_tests.value))
    tests_qs = CaseTest.objects.filter(case=case, phase=CarePhase.TREATMENT, sampled_at__gte=episode_start(case)).exclude(
        result=Result.INVALID
    )
    if at is not None:
        tests_qs = tests_qs.filter(sampled_at__lte=at)
    tests = list(tests_qs.order_by("sampled_at", "id"))
    criteria: list[Criterion] = []

    latest = tests[-1] if tests else None
    if latest is None:
        criteria.append(
            Criterion(policy.ct_threshold.key, _("最近一次检测阴性或 Ct 值达标"), False, _("尚无治疗期检测"), policy.ct_threshold.citation)
        )
    else:
        ok = _qualifies(latest, threshold)
        detail = _("最近一次：%(t)s，%(v)s Ct ≥ %(thr)g 或阴性") % {
            "t": _describe(latest),
            "v": _("符合") if ok else _("不符合"),
            "thr": threshold,
        }
        criteria.append(Criterion(policy.ct_threshold.key, _("最近一次检测阴性或 Ct 值达标"), ok, detail, policy.ct_threshold.citation))

    run: list[CaseTest] = []
    for t in reversed(tests):
        if not _qualifies(t, threshold):
            break
        run.append(t)
    chosen: list[CaseTest] = []
    for t in run:
        if not chosen or chosen[-1].sampled_at - t.sampled_at >= min_gap:
            chosen.append(t)
    chosen = chosen[:required]
    hours = f"{float(policy.min_hours_between_tests.value):g}"
    detail = _("连续合格检测 %(n)s/%(req)s 次（采样间隔 ≥ %(h)s 小时）") % {"n": len(chosen), "req": required, "h": hours}
    if chosen:
        detail += "：" + "；".join(_describe(t) for t in reversed(chosen))
    criteria.append(
        Criterion(
            policy.tests_required.key,
            _("连续 %(req)s 次检测合格，间隔 ≥ %(h)s 小时") % {"req": required, "h": hours},
            len(chosen) >= required,
            detail,
            f"{policy.tests_required.citation}；{policy.min_hours_between_tests.citation}",
        )
    )

    clinical_classes = set(policy.clinical_classes.value or ())
    if case.peak_classification in clinical_classes:
        affirmed = set(clinical)
        for code in policy.clinical_criteria.value or ():
            try:
                label = str(ClinicalCriterion(code).label)
            except ValueError:
                label = code
            ok = code in affirmed
            criteria.append(
                Criterion(
                    f"{policy.clinical_criteria.key}:{code}",
                    label,
                    ok,
                    _("临床医生已确认") if ok else _("未确认"),
                    f"{policy.clinical_criteria.citation}；{policy.clinical_classes.citation}",
                )
            )
    else:
        criteria.append(
            Criterion(
                policy.clinical_classes.key,
                _("临床出院条件"),
                True,
                _("病程中最重分型为“%(c)s”，不需临床出院条件") % {"c": Classification(case.peak_classification).label},
                policy.clinical_classes.citation,
            )
        )
    return DischargeCheck(criteria=criteria, tests_used=[t.pk for t in chosen], latest_test_at=latest.sampled_at if latest else None)


@transaction.atomic
def case_discharge(*, actor: Any, case: Case, clinical: Iterable[str] = (), at: dt.datetime | None = None, note: str = "") -> Discharge:
    """出院: only when discharge_check passes. Frees the bed and starts home health monitoring
    (discharge.home_monitoring_days), handed to the person's community as the registry has it now."""
    require(actor, CasesCap.TREAT)
    at = at or now()
    case = Case.objects.select_for_update(of=("self",)).select_related("person", "facility").get(pk=case.pk)
    ensure_case_visible(actor, case)
    check_transition(
        CASE_TRANSITIONS,
        case.status,
        CaseStatus.DISCHARGED,
        labels=CaseStatus,
        what=_("病例"),
        action=_("出院"),
        rule="cases.case_transitions",
    )
    ensure_facility_covered(actor, case.facility)
    not_in_future(at, field="at", label=_("出院时间"))
    not_before(at, case.admitted_at, field="at", label=_("出院时间"), earlier_label=_("入院时间"))
    policy = discharge_policy()
    clinical = [c for c in clinical if c]
    check = discharge_check(case=case, clinical=clinical, at=at, policy=policy)
    if not check.passed:
        first = check.failed[0]
        raise DomainError(
            _("不符合出院标准：%(why)s") % {"why": "；".join(f"{c.label}（{c.detail}）" for c in check.failed)},
            rule=first.key,
            source=first.citation,
        )
    transfers_cancel(case, at=at, reason=_("已出院"))
    beds_release(case.facility_id, case.bed_type)
    days = int(policy.home_monitoring_days.value)
    person = case.person
    monitoring = HealthMonitoring.objects.create(
        case=case,
        person=person,
        days=days,
        rule=f"{policy.home_monitoring_days.citation}；{policy.day_one.citation}",
        starts_at=at,
        ends_at=monitoring_end(at, days),
        district_id=person.district_id,
        street_id=person.street_id,
        community_id=person.community_id,
        grid_id=person.grid_id,
        household_id=person.household_id,
    )
    discharge = Discharge.objects.create(
        case=case,
        facility=case.facility,
        bed_type=case.bed_type,
        discharged_at=at,
        discharged_by=actor,
        criteria=check.as_rows(),
        clinical_affirmed=clinical,
        monitoring=monitoring,
        note=(note or "").strip()[:300],
    )
    case.status = CaseStatus.DISCHARGED
    case.discharged_at = at
    case.save(update_fields=["status", "discharged_at", "updated_at"])
    audit_record(
        actor=actor,
        event_type=events.DISCHARGED,
        obj=case,
        before={"status": CaseStatus.ADMITTED, "facility": case.facility.name, "bed_type": case.bed_type},
        after={
            "status": case.status,
            "tests": check.tests_used,
            "monitoring_until": local(monitoring.ends_at),
            "community": person.community_id,
            "rules": [c.citation for c in check.criteria],
        },
    )
    return discharge
