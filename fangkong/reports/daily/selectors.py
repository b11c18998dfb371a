"""Reads of the daily reports, scoped: a community sees its own report, a street its own and its
communities', a district everything in it, the command every report. An invisible report answers
404, as a missing one does.

- `unit_states`: for the level above, each unit's state on a day (on time, late, in draft, missing);
- `reports_on_time`: per unit over a period, the days due, on time, late and missing (跟踪问效)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from .choices import CHILD, ReportLevel, ReportStatus, UnitState
from .deadlines import deadline_for
from .models import DailyReport
from .places import Place, place_of, units_of


def report_list(*, user: Any, date: dt.date | None = None, level: str | None = None) -> QuerySet[DailyReport]:
    qs = DailyReport.objects.visible_to(user)
    if date is not None:
        qs = qs.filter(date=date)
    if level:
        qs = qs.filter(level=level)
    return qs.select_related("compiled_into")


def report_get(*, user: Any, pk: int) -> DailyReport:
    report = report_list(user=user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def report_for(*, user: Any, place: Place, date: dt.date) -> DailyReport | None:
    return report_list(user=user, date=date).filter(place_key=place.key).first()


@dataclass(frozen=True)
class UnitRow:
    place: Place
    report: DailyReport | None
    state: str
    label: str
    overdue: bool  # missing or in draft past the deadline

    @property
    def compiled(self) -> bool:
        return self.report is not None and self.report.compiled_into_id is not None


def _state(report: DailyReport | None) -> str:
    if report is None:
        return UnitState.MISSING
    if report.status != ReportStatus.SUBMITTED:
        return UnitState.DRAFT
    return UnitState.LATE if report.late else UnitState.ON_TIME


def units_on(*, user: Any, place: Place, date: dt.date, now: dt.datetime | None = None) -> list[UnitRow]:
    """Each unit one level down from `place` with its report of `date` and its state (the 未报 list)."""
    child = CHILD.get(place.level)  # type: ignore[call-overload]
    if child is None:
        return []
    now = now or timezone.now()
    units = units_of(place)
    by_key = {r.place_key: r for r in report_list(user=user, date=date).filter(place_key__in=[u.key for u in units])}
    labels = dict(UnitState.choices)
    due = deadline_for(child, date)
    rows = []
    for u in units:
        r = by_key.get(u.key)
        state = _state(r)
        rows.append(UnitRow(u, r, state, str(labels[state]), state in (UnitState.MISSING, UnitState.DRAFT) and now > due))
    return rows


def unit_states(*, user: Any, report: DailyReport, now: dt.datetime | None = None) -> list[UnitRow]:
    """`units_on` for a report's place and day."""
    return units_on(user=user, place=place_of(report.level, report.place_id), date=report.date, now=now)


@dataclass(frozen=True)
class OnTimeRow:
    level: str
    place_id: int
    name: str
    days: int
    on_time: int
    late: int
    missing: int  # not submitted (never opened, or left in draft)
    report_ids: tuple[int, ...]  # the reports behind the figures (drill-down)


def reports_on_time(*, user: Any, level: str, start: dt.date, end: dt.date, place_ids: list[int] | None = None) -> list[OnTimeRow]:
    """Per unit of `level` the user may see, from `start` to `end` (inclusive, Beijing dates): days
    a report was due, submitted on time, late, and not submitted — one query over the reports."""
    if level == ReportLevel.CITY:
        raise ValueError("reports_on_time is per unit: district, street or community")
    from .places import MODELS

    units = MODELS[level].objects.visible_to(user)  # type: ignore[index]
    if place_ids is not None:
        units = units.filter(pk__in=place_ids)
    names = dict(units.values_list("pk", "name"))
    today = timezone.localdate()
    last = min(end, today)
    if last == today and timezone.now() <= deadline_for(level, today):
        last = today - dt.timedelta(days=1)  # today's report is not due yet
    days = max((last - start).days + 1, 0)
    counts: dict[int, list[int]] = {pk: [0, 0] for pk in names}
    ids: dict[int, list[int]] = {pk: [] for pk in names}
    rows = (
        DailyReport.objects.visible_to(user)
        .filter(level=level, date__gte=start, date__lte=last, first_submitted_at__isnull=False, **{f"{level}_id__in": list(names)})
        .values_list("pk", f"{level}_id", "late")
    )
    for pk, place_id, late in rows:
        counts[place_id][1 if late else 0] += 1
        ids[place_id].append(pk)
    out = []
    for pk, name in sorted(names.items(), key=lambda kv: kv[1]):
        on_time, late = counts[pk]
        out.append(OnTimeRow(level, pk, name, days, on_time, late, max(days - on_time - late, 0), tuple(ids[pk])))
    return out
