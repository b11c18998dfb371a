"""Reads with rules for 快转: the transfer board, bed occupancy, the day's figures, a person's timeline.

Every read is limited to the user's jurisdiction (visible_to for lists, covered_by for counts).
Triage suggestions on the board are computed live from the facilities' beds, so they never go
stale, and spread: two cases waiting for a Fangcang bed are not both offered the last one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.geo.birth import SEALED_BIRTH_FIELDS, age_on, birth_date_from, local_day, person_age_at
from fangkong.geo.models import District, Person
from fangkong.policy.display import citation
from fangkong.policy.regimen import local_midnight
from fangkong.testing import selectors as testing_selectors
from fangkong.zoning.choices import FOUND_UNDER_CONTROL, FoundIn

from .choices import CONFIRMED_CLASSES, BedType, CaseStatus, Classification, FacilityKind, MonitoringStatus, TransferStatus
from .models import Case, CaseClassification, CaseTest, Discharge, FacilityBeds, HealthMonitoring, Transfer, TreatmentFacility
from .services.facilities import en_route_counts, facility_options
from .services.policy import discharge_policy, triage_policy
from .services.treatment import DischargeCheck, discharge_check
from .services.triage import FacilityOption, TriageSuggestion, triage_decide, triage_suggest

# ---- cases ----


def case_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Case]:
    filters = filters or {}
    qs = Case.objects.visible_to(user).select_related("person", "facility", "district")
    for key in ("status", "classification", "found_in", "source", "district_id", "community_id", "facility_id"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    return qs.order_by("-confirmed_at", "-id")


def case_get(*, user: Any, pk: int) -> Case:
    return get_object_or_404(Case.objects.visible_to(user).select_related("person", "facility", "origin_positive"), pk=pk)


def cases_with_withdrawn_origin(*, user: Any) -> QuerySet[Case]:
    """Active cases whose screening positive the lab has since corrected: to review (and withdraw)."""
    return Case.objects.visible_to(user).active().filter(origin_positive__status="withdrawn").select_related("person")


def monitoring_list(*, user: Any, active_only: bool = True) -> QuerySet[HealthMonitoring]:
    """居家健康监测 handed to the user's communities, by the day they end."""
    qs = HealthMonitoring.objects.visible_to(user).select_related("person", "case")
    return qs.filter(status=MonitoringStatus.ACTIVE).order_by("ends_at", "id") if active_only else qs.order_by("-starts_at", "-id")


@dataclass
class DischargeReview:
    case: Case
    check: DischargeCheck


# Discharge criteria are checked for the longest-staying patients only (a few queries each).
DISCHARGE_REVIEWED = 20


def in_care_admitted(*, user: Any) -> QuerySet[Case]:
    """Patients admitted (住院治疗) that the user sees, the longest stay first."""
    return (
        Case.objects.visible_to(user).filter(status=CaseStatus.ADMITTED).select_related("person", "facility").order_by("admitted_at", "id")
    )


def discharge_reviews(*, user: Any, limit: int = DISCHARGE_REVIEWED) -> list[DischargeReview]:
    """The longest-staying admitted patients with the discharge criteria checked (nothing written),
    those who meet them first."""
    policy = discharge_policy()
    reviews = [DischargeReview(c, discharge_check(case=c, policy=policy)) for c in in_care_admitted(user=user)[:limit]]
    return sorted(reviews, key=lambda r: not r.check.passed)


# ---- the transfer board ----


@dataclass
class BoardItem:
    transfer: Transfer
    case: Case
    deadline_at: dt.datetime
    overdue: bool
    remaining: dt.timedelta  # negative when overdue
    refusals: int
    suggestion: TriageSuggestion | None  # for transfers still awaiting a vehicle

    @property
    def person(self) -> Person:
        return self.case.person


def _board_queryset(*, user: Any, now: dt.datetime, filters: dict[str, Any]) -> QuerySet[Transfer]:
    qs = Transfer.objects.visible_to(user).in_flight().order_by("deadline_at", "queued_at", "id")
    for key in ("status", "district_id", "community_id", "triage_kind"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    if filters.get("overdue"):
        qs = qs.filter(deadline_at__lt=now)
    return qs


def transfer_board_count(*, user: Any, now: dt.datetime | None = None, filters: dict[str, Any] | None = None) -> int:
    """How many transfers `transfer_board` lists with these filters (for paging)."""
    return _board_queryset(user=user, now=now or timezone.now(), filters=filters or {}).count()


def transfer_board(
    *,
    user: Any,
    now: dt.datetime | None = None,
    filters: dict[str, Any] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[BoardItem]:
    """Positives awaiting transfer or on their way: overdue first (the deadline is data, stored on
    each transfer from policy transfer.deadline), then by deadline. Each awaiting one carries the
    suggested facility (rule + free beds net of patients en route + district). Same deadline (all of
    a day's positives are due at midnight): the longest waiting first.

    `offset` / `limit` give one page of the board: the suggestions on it are the ones the whole
    board would show (the beds suggested to the awaiting transfers before the page are spent first)."""
    now = now or timezone.now()
    qs = _board_queryset(user=user, now=now, filters=filters or {})
    page = qs[offset : offset + limit] if limit is not None else qs[offset:]
    # The page's ids first (a narrow sort), then its rows with what they show (a wide sort is slow).
    ids = list(page.values_list("id", flat=True))
    related = ("case", "case__person", "assigned_facility", "from_facility", "suggested_facility")
    by_id = Transfer.objects.filter(pk__in=ids).select_related(*related).in_bulk()
    transfers = [by_id[pk] for pk in ids]
    if not transfers:
        return []
    refusals = Counter(
        dict(
            Transfer.objects.filter(case_id__in={t.case_id for t in transfers}, status=TransferStatus.REFUSED)
            .values_list("case_id")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    policy = triage_policy()
    # The facilities' beds by the kind and bed type triage asks for; a suggestion spends one bed.
    groups: dict[tuple[str, str], list[FacilityOption]] = defaultdict(list)
    for o in facility_options():
        groups[(o.kind, o.bed_type)].append(o)

    def suggest(classification: str, age: int | None, risk_factors: list[str], district_id: int | None) -> TriageSuggestion:
        decision = triage_decide(classification=classification, age=age, risk_factors=risk_factors or (), policy=policy)
        group = groups[(decision.kind, decision.bed_type)]
        suggestion = triage_suggest(
            classification=classification,
            age=age,
            risk_factors=risk_factors or (),
            district_id=district_id,
            policy=policy,
            facilities=group,
        )
        if suggestion.facility is not None:
            i = group.index(suggestion.facility)
            group[i] = dataclasses.replace(group[i], free=group[i].free - 1)
        return suggestion

    if offset:
        today = local_day(now)
        earlier = qs[:offset].values_list(
            "status",
            "case__classification",
            *(f"case__person__{f}" for f in SEALED_BIRTH_FIELDS),
            "case__risk_factors",
            "case__district_id",
        )
        for status, classification, *sealed, risk_factors, district_id in earlier:
            if status == TransferStatus.AWAITING:
                suggest(classification, age_on(birth_date_from(*sealed), today), risk_factors, district_id)
    items = []
    for t in transfers:
        suggestion = None
        if t.status == TransferStatus.AWAITING:
            suggestion = suggest(t.case.classification, person_age_at(t.case.person, now), t.case.risk_factors, t.case.district_id)
        items.append(
            BoardItem(
                transfer=t,
                case=t.case,
                deadline_at=t.deadline_at,
                overdue=t.deadline_at < now,
                remaining=t.deadline_at - now,
                refusals=refusals.get(t.case_id, 0),
                suggestion=suggestion,
            )
        )
    return items


# ---- beds ----


@dataclass
class BedFigures:
    bed_type: str
    capacity: int
    occupied: int
    en_route: int

    @property
    def free(self) -> int:
        return self.capacity - self.occupied

    @property
    def free_after_arrivals(self) -> int:
        return self.capacity - self.occupied - self.en_route

    @property
    def label(self) -> str:
        return str(BedType(self.bed_type).label)


@dataclass
class FacilityOccupancy:
    facility: TreatmentFacility
    beds: list[BedFigures]

    @property
    def capacity(self) -> int:
        return sum(b.capacity for b in self.beds)

    @property
    def occupied(self) -> int:
        return sum(b.occupied for b in self.beds)

    @property
    def en_route(self) -> int:
        return sum(b.en_route for b in self.beds)

    @property
    def free(self) -> int:
        return sum(b.free for b in self.beds)


@dataclass
class Occupancy:
    facilities: list[FacilityOccupancy]
    by_kind: dict[str, BedFigures]  # kind → totals (bed_type "" = all types)


def bed_figures(*, facility_id: int, bed_type: str) -> BedFigures | None:
    """One facility's beds of one type now, with the patients dispatched there and not yet admitted."""
    counts = FacilityBeds.objects.filter(facility_id=facility_id, bed_type=bed_type).values_list("capacity", "occupied").first()
    if counts is None:
        return None
    en_route = en_route_counts(facility_id=facility_id).get((facility_id, bed_type), 0)
    return BedFigures(bed_type, counts[0], counts[1], en_route)


def arrivals_warning(transfer: Transfer) -> str:
    """For a transfer just dispatched: a warning when the patients on the way to its facility and bed
    type (this one included) outnumber the free beds, else "". The dispatch is allowed while a bed is
    free now; admission is first come, first served."""
    if transfer.assigned_facility_id is None:
        return ""
    beds = bed_figures(facility_id=transfer.assigned_facility_id, bed_type=transfer.assigned_bed_type)
    if beds is None or beds.free_after_arrivals >= 0:
        return ""
    return _("注意：%(f)s%(bed)s在院 %(o)s/%(c)s，连同本车在途 %(r)s 人，全部到达时缺 %(k)s 张床；收治先到先得，未能收治的回到待转运。") % {
        "f": transfer.assigned_facility.name,
        "bed": transfer.get_assigned_bed_type_display(),
        "o": beds.occupied,
        "c": beds.capacity,
        "r": beds.en_route,
        "k": -beds.free_after_arrivals,
    }


def facility_occupancy(*, user: Any) -> Occupancy:
    """Every facility's beds by type: capacity, occupied, patients en route, free; totals by kind."""
    facilities = {f.pk: f for f in TreatmentFacility.objects.visible_to(user).select_related("district")}
    en_route = en_route_counts()
    rows: dict[int, list[BedFigures]] = defaultdict(list)
    for b in FacilityBeds.objects.filter(facility_id__in=list(facilities)).order_by("facility_id", "bed_type"):
        rows[b.facility_id].append(BedFigures(b.bed_type, b.capacity, b.occupied, en_route.get((b.facility_id, b.bed_type), 0)))
    out = [FacilityOccupancy(f, rows.get(pk, [])) for pk, f in facilities.items()]
    out.sort(key=lambda o: (o.facility.kind, o.facility.name))
    by_kind = {k: BedFigures("", 0, 0, 0) for k in FacilityKind.values}
    for o in out:
        total = by_kind[o.facility.kind]
        if o.facility.is_active:
            total.capacity += o.capacity
            total.occupied += o.occupied
            total.en_route += o.en_route
    return Occupancy(facilities=out, by_kind=by_kind)


# ---- the day's figures ----


@dataclass
class AdmissionTimes:
    """Positive result → first admission, for the positives of one day."""

    cohort: int = 0
    admitted: int = 0
    same_day: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None

    @property
    def same_day_share(self) -> float | None:
        return self.same_day / self.cohort if self.cohort else None


@dataclass
class DistrictFigures:
    district_id: int | None
    name: str
    new_confirmed: int = 0
    new_asymptomatic: int = 0
    found_controlled: int = 0
    found_community: int = 0
    discharged: int = 0
    under_treatment: int = 0
    admission: AdmissionTimes = field(default_factory=AdmissionTimes)


@dataclass
class DayFigures:
    date: dt.date
    new_confirmed: int
    new_asymptomatic: int
    converted: int  # asymptomatic infections reclassified as confirmed that day
    new_imported: int
    found_isolation_site: int
    found_controlled: int
    found_community: int
    discharged: int
    cumulative_confirmed: int
    cumulative_asymptomatic: int
    cumulative_discharged: int
    under_treatment_confirmed: int
    under_treatment_asymptomatic: int
    admission: AdmissionTimes
    by_district: list[DistrictFigures]

    @property
    def under_treatment(self) -> int:
        return self.under_treatment_confirmed + self.under_treatment_asymptomatic

    @property
    def found_under_control(self) -> int:
        return self.found_isolation_site + self.found_controlled

    @property
    def zh(self) -> str:
        d = self.date
        text = f"{d.month}月{d.day}日0—24时，新增本土确诊病例{self.new_confirmed}例、无症状感染者{self.new_asymptomatic}例"
        parts = [f"{x.name}{x.new_confirmed + x.new_asymptomatic}例" for x in self.by_district if x.new_confirmed + x.new_asymptomatic]
        if parts:
            text += f"（{'、'.join(parts)}）"
        if self.new_confirmed + self.new_asymptomatic:
            text += f"，其中隔离管控区域{self.found_under_control}例、社会面{self.found_community}例"
        if self.converted:
            text += f"；无症状感染者转为确诊病例{self.converted}例"
        text += f"。新增治愈出院{self.discharged}例。"
        text += f"现有本土确诊病例{self.under_treatment_confirmed}例、无症状感染者{self.under_treatment_asymptomatic}例；"
        text += f"累计报告本土确诊病例{self.cumulative_confirmed}例、无症状感染者{self.cumulative_asymptomatic}例，"
        text += f"累计治愈出院{self.cumulative_discharged}例。"
        a = self.admission
        if a.cohort:
            text += f"当日阳性{a.cohort}例，当日转运收治{a.same_day}例（{a.same_day / a.cohort:.0%}）"
            if a.median_hours is not None:
                text += f"，自阳性结果至入院中位{a.median_hours:.1f}小时、90%在{a.p90_hours:.1f}小时内"
            text += "。"
        return text

    @property
    def en(self) -> str:
        """The same paragraph in English (the press conference's foreign-language release)."""
        text = f"{MONTHS[self.date.month - 1]} {self.date.day}, 0–24 h: {_count(self.new_confirmed, 'new local confirmed case')} and "
        text += _count(self.new_asymptomatic, "new asymptomatic infection")
        parts = [f"{x.name} {x.new_confirmed + x.new_asymptomatic}" for x in self.by_district if x.new_confirmed + x.new_asymptomatic]
        if parts:
            text += f" ({', '.join(parts)})"
        if self.new_confirmed + self.new_asymptomatic:
            text += f", of which {self.found_under_control} in isolation or controlled areas and {self.found_community} in the community"
        if self.converted:
            text += f"; {_count(self.converted, 'asymptomatic infection')} reclassified as confirmed"
        text += f". {self.discharged} discharged as cured. "
        text += f"Under treatment: {_count(self.under_treatment_confirmed, 'confirmed case')} and "
        text += f"{_count(self.under_treatment_asymptomatic, 'asymptomatic infection')}; reported in all: "
        text += f"{_count(self.cumulative_confirmed, 'local confirmed case')} and "
        text += f"{_count(self.cumulative_asymptomatic, 'asymptomatic infection')}, "
        text += f"{self.cumulative_discharged} discharged as cured."
        a = self.admission
        if a.cohort:
            text += f" Of the day's {_count(a.cohort, 'positive')}, {a.same_day} admitted the same day ({a.same_day / a.cohort:.0%})"
            if a.median_hours is not None:
                text += f"; median {a.median_hours:.1f} hours from positive result to admission, 90% within {a.p90_hours:.1f} hours"
            text += "."
        return text


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def _count(n: int, noun: str) -> str:
    """'1 new local confirmed case', '2 new local confirmed cases' (the English release's nouns)."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _admission_times(rows: list[tuple[dt.timedelta | None, bool | None]]) -> AdmissionTimes:
    """From (positive result → first admission, admitted before the day's end) per positive of the day."""
    hours = [waited.total_seconds() / 3600 for waited, _same_day in rows if waited is not None]
    return AdmissionTimes(
        cohort=len(rows),
        admitted=len(hours),
        same_day=sum(1 for _waited, same_day in rows if same_day),
        median_hours=_percentile(hours, 0.5),
        p90_hours=_percentile(hours, 0.9),
    )


def _kind(classification: str) -> str:
    return "confirmed" if classification in CONFIRMED_CLASSES else "asymptomatic"


def day_figures(*, date: dt.date, user: Any) -> DayFigures:
    """The press conference's figures for one local day (0—24 时, Asia/Shanghai), for the cases the
    user covers; withdrawn cases never count.

    - 新增本土确诊病例 / 新增无症状感染者: a local case counts on the local day of its confirmation
      (`confirmed_at`) by its classification at the END of that day — the last `CaseClassification`
      before the next midnight. A case opened from the testing queue (asymptomatic until the medical
      team assesses it) and classified mild the same day is a new confirmed case, not a conversion.
    - 无症状感染者转为确诊: a case confirmed on an earlier day, asymptomatic at the end of the day
      before and confirmed (mild…critical) at the end of this day. A case confirmed at 23:30 and
      classified mild at 00:30 is one new asymptomatic infection, then one conversion the next day.
    - where they were found; discharged; cumulative and currently under treatment as of the day's
      end (by the classification then); time from positive result to admission; each by district.

    Grouped passes: the classification at a day's end is the case's own unless it changed later (a
    semi-join flags those few, looked up row by row); conversions are looked up among the cases
    classified confirmed that day only."""
    start = local_midnight(date)
    end = local_midnight(date + dt.timedelta(days=1))
    cases = Case.objects.covered_by(user).exclude(status=CaseStatus.WITHDRAWN)
    local_cases = cases.filter(is_imported=False)
    in_day = Q(confirmed_at__gte=start, confirmed_at__lt=end)
    changed = Q(pk__in=CaseClassification.objects.filter(classified_at__gte=end).values("case_id"))
    totals, new_by_district = _new_cases(local_cases.filter(in_day).order_by(), changed, end)
    converted = _conversions(local_cases, start, end)
    cumulative, under_treatment = _standing_at_end(local_cases, changed, end)
    discharged_by_district = dict(
        Discharge.objects.filter(case__in=local_cases, discharged_at__gte=start, discharged_at__lt=end)
        .values_list("case__district_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    cohort_rows = _admission_cohort(local_cases, start, end)
    by_district = _by_district(new_by_district, discharged_by_district, under_treatment, cohort_rows)
    return DayFigures(
        date=date,
        new_confirmed=sum(c["confirmed"] for c in new_by_district.values()),
        new_asymptomatic=sum(c["asymptomatic"] for c in new_by_district.values()),
        converted=converted,
        new_imported=cases.filter(in_day, is_imported=True).count(),
        found_isolation_site=totals[FoundIn.ISOLATION_SITE],
        found_controlled=totals[FoundIn.CONTROLLED],
        found_community=totals[FoundIn.COMMUNITY],
        discharged=sum(discharged_by_district.values()),
        cumulative_confirmed=cumulative["confirmed"],
        cumulative_asymptomatic=cumulative["asymptomatic"],
        cumulative_discharged=cumulative["discharged"],
        under_treatment_confirmed=cumulative["care_confirmed"],
        under_treatment_asymptomatic=cumulative["care_asymptomatic"],
        admission=_admission_times([r for rows in cohort_rows.values() for r in rows]),
        by_district=by_district,
    )


def _new_cases(new: QuerySet[Case], changed: Q, end: dt.datetime) -> tuple[Counter, dict[int | None, Counter]]:
    """New local cases of the day by where found, and by district: classification at the day's end
    (the case's own unless it changed after the day) and found under control or in the community."""
    # New cases by district, classification at the day's end and where found, in one grouped pass.
    totals: Counter = Counter()
    new_by_district: dict[int | None, Counter] = defaultdict(Counter)
    for pk, cls, found, was_changed, n in (
        new.annotate(changed=ExpressionWrapper(changed, BooleanField()))
        .values_list("district_id", "classification", "found_in", "changed")
        .annotate(n=Count("id"))
    ):
        place = "controlled" if found in FOUND_UNDER_CONTROL else "community"
        new_by_district[pk][place] += n
        totals[found] += n
        if not was_changed:
            new_by_district[pk][_kind(cls)] += n
    if any(totals.values()):
        later = new.filter(changed)
        at_end = {pk: (district_id, first) for pk, district_id, first in later.values_list("pk", "district_id", "initial_classification")}
        if at_end:
            for case_id, cls in (
                CaseClassification.objects.filter(case__in=later.values("pk"), classified_at__lt=end)
                .order_by("case_id", "classified_at", "id")
                .values_list("case_id", "classification")
            ):
                at_end[case_id] = (at_end[case_id][0], cls)  # the last one before the end wins
            for district_id, cls in at_end.values():
                new_by_district[district_id][_kind(cls)] += 1
    return totals, new_by_district


def _conversions(local_cases: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> int:
    """Cases confirmed before the day, asymptomatic at the previous day's end and confirmed at this day's end."""
    # Conversions: among the cases confirmed before the day and classified confirmed during it, those
    # asymptomatic at the previous day's end and confirmed at this day's end.
    converted_today = CaseClassification.objects.filter(
        case__in=local_cases.filter(confirmed_at__lt=start).order_by().values("pk"),
        classified_at__gte=start,
        classified_at__lt=end,
        classification__in=CONFIRMED_CLASSES,
    ).values("case_id")
    before_day: dict[int, str] = {}
    end_of_day: dict[int, str] = {}
    for case_id, first, classified_at, cls in (
        CaseClassification.objects.filter(case_id__in=converted_today, classified_at__lt=end)
        .order_by("case_id", "classified_at", "id")
        .values_list("case_id", "case__initial_classification", "classified_at", "classification")
    ):
        before_day.setdefault(case_id, first)
        if classified_at < start:
            before_day[case_id] = cls
        end_of_day[case_id] = cls
    return sum(1 for case_id, cls in end_of_day.items() if cls in CONFIRMED_CLASSES and before_day[case_id] not in CONFIRMED_CLASSES)


def _standing_at_end(local_cases: QuerySet[Case], changed: Q, end: dt.datetime) -> tuple[Counter, Counter]:
    """Cumulative figures (confirmed, asymptomatic, discharged, in care of each) as of the day's end,
    and the cases under treatment then by district."""
    # Cumulative and under treatment at the day's end, by district, in one pass: the classification
    # at the day's end is the case's own unless it changed after the day (those few cases are looked
    # up below); who was out of care (in home monitoring) is a semi-join, not a subquery per case.
    out_of_care_ids = (
        HealthMonitoring.objects.filter(starts_at__lt=end).filter(Q(reopened_at__isnull=True) | Q(reopened_at__gte=end)).values("case_id")
    )
    until_end = local_cases.filter(confirmed_at__lt=end).order_by()
    in_care = ~Q(pk__in=out_of_care_ids)
    # Grouped by the two flags (each computed once per case), not counted with a filter per flag.
    discharged_ids = Discharge.objects.filter(discharged_at__lt=end).values("case_id")
    grouped = (
        until_end.annotate(
            changed=ExpressionWrapper(changed, BooleanField()),
            gone=ExpressionWrapper(~in_care, BooleanField()),
            discharged=ExpressionWrapper(Q(pk__in=discharged_ids), BooleanField()),
        )
        .values_list("district_id", "classification", "changed", "gone", "discharged")
        .annotate(n=Count("id"))
    )
    cumulative: Counter = Counter()
    under_treatment: Counter = Counter()
    for pk, cls, was_changed, gone, discharged, n in grouped:
        if discharged:
            cumulative["discharged"] += n
        if not gone:
            under_treatment[pk] += n
        if was_changed:
            cumulative["changed"] += n
            continue
        kind = "confirmed" if cls in CONFIRMED_CLASSES else "asymptomatic"
        cumulative[kind] += n
        if not gone:
            cumulative[f"care_{kind}"] += n
    if cumulative["changed"]:
        reclassified = until_end.filter(changed).values("pk")
        at_end: dict[int, tuple[str, bool]] = {}
        for case_id, cls, gone in (
            CaseClassification.objects.filter(case__in=reclassified, classified_at__lt=end)
            .annotate(gone=ExpressionWrapper(Q(case_id__in=out_of_care_ids), BooleanField()))
            .order_by("case_id", "classified_at", "id")
            .values_list("case_id", "classification", "gone")
        ):
            at_end[case_id] = (cls, gone)  # the last one before the end wins
        for cls, gone in at_end.values():
            kind = "confirmed" if cls in CONFIRMED_CLASSES else "asymptomatic"
            cumulative[kind] += 1
            if not gone:
                cumulative[f"care_{kind}"] += 1
    return cumulative, under_treatment


def _admission_cohort(local_cases: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> dict[int | None, list]:
    """The day's positives by district: (time from positive to admission, admitted the same day)."""
    cohort_rows: dict[int | None, list] = defaultdict(list)
    waited = ExpressionWrapper(F("first_admitted_at") - F("positive_at"), DurationField())
    same_day = ExpressionWrapper(Q(first_admitted_at__lt=end), BooleanField())
    cohort = local_cases.filter(positive_at__gte=start, positive_at__lt=end).order_by()
    for pk, hours, in_day_admitted in cohort.annotate(waited=waited, same_day=same_day).values_list("district_id", "waited", "same_day"):
        cohort_rows[pk].append((hours, in_day_admitted))
    return cohort_rows


def _by_district(
    new_by_district: dict[int | None, Counter],
    discharged_by_district: dict[int | None, int],
    under_treatment: Counter,
    cohort_rows: dict[int | None, list],
) -> list[DistrictFigures]:
    """One row per district with figures, in district-code order."""
    by: dict[int | None, DistrictFigures] = {}

    def district(pk: int | None) -> DistrictFigures:
        if pk not in by:
            by[pk] = DistrictFigures(pk, "")
        return by[pk]

    for pk, counts in new_by_district.items():
        d = district(pk)
        d.new_confirmed, d.new_asymptomatic = counts["confirmed"], counts["asymptomatic"]
        d.found_controlled, d.found_community = counts["controlled"], counts["community"]
    for pk, n in discharged_by_district.items():
        district(pk).discharged = n
    for pk, n in under_treatment.items():
        if n:
            district(pk).under_treatment = n
    for pk, rows in cohort_rows.items():
        district(pk).admission = _admission_times(rows)
    places = {
        pk: (name, code)
        for pk, name, code in District.objects.filter(pk__in=[k for k in by if k is not None]).values_list("pk", "name", "code")
    }
    for pk, d in by.items():
        d.name = places.get(pk, ("（未知）", ""))[0]
    by_district = sorted(by.values(), key=lambda d: places.get(d.district_id, ("", "999999"))[1])
    return by_district


# ---- a person's timeline ----


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
    for t in Transfer.objects.filter(case_id__in=ids).select_related("assigned_facility", *users):
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
