"""The day's figures of 快转 (the press brief's and the daily report's source)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Count, DurationField, ExpressionWrapper, F, Q, QuerySet

from fangkong.geo.models import District
from fangkong.policy.regimen import local_midnight
from fangkong.zoning.choices import FOUND_UNDER_CONTROL, FoundIn

from ..choices import CONFIRMED_CLASSES, CaseStatus
from ..models import Case, CaseClassification, Discharge, HealthMonitoring


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
