"""跟踪问效 per unit: the figures of the three existing selectors — fangkong.supervision's
`accountability`, fangkong.flags' `flags_by_unit`, the daily reports' `reports_on_time` — re-grouped
by the unit one level below the user's place (districts for the city, streets for a district,
communities for a street; a community sees itself). Items that lie in the place but in no unit below
(a district-wide flag seen by the district) are the place's own row (本级). Nothing is counted here
that those selectors do not count; every figure keeps the ids of its items for the drill-down."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fangkong.core.permissions import user_can
from fangkong.flags.models import Flag
from fangkong.flags.selectors import flag_states, flags_by_unit
from fangkong.policy.regimen import local_midnight
from fangkong.supervision import selectors as supervision
from fangkong.supervision.permissions import SupervisionCap

from ..daily.choices import CHILD, ReportLevel
from ..daily.places import Place, filing_places, units_of
from ..daily.selectors import reports_on_time

SUPERVISION = ("findings", "on_time", "late", "open")  # the names of fangkong.supervision.selectors.FIGURES
FLAGS = ("flags_raised", "flags_cleared", "flags_open")
REPORTS = ("reports_on_time", "reports_late", "reports_missing")
FIGURES = (*SUPERVISION, *FLAGS, *REPORTS)
OWN = "own"  # the key of the place's own row (本级)


@dataclass
class UnitRow:
    key: str  # the unit's id, or OWN
    name: str
    items: dict[str, list[Any]] = field(default_factory=lambda: {f: [] for f in FIGURES})
    reports_due: int = 0

    def count(self, figure: str) -> int:
        return len(self.items[figure])

    @property
    def counts(self) -> dict[str, int]:
        return {f: len(v) for f, v in self.items.items()}

    @property
    def empty(self) -> bool:
        return not any(self.items.values())


@dataclass
class Accountability:
    place: Place | None
    level: str  # the units' level
    start: dt.date
    end: dt.date
    rows: list[UnitRow]
    shows_supervision: bool

    def total(self, figure: str) -> int:
        return sum(r.count(figure) for r in self.rows)

    @property
    def empty(self) -> bool:
        return all(r.empty for r in self.rows)

    def row(self, key: str) -> UnitRow | None:
        return next((r for r in self.rows if r.key == key), None)


def home_place(user: Any, key: str = "") -> Place | None:
    """The user's place asked for by its key, else the first (highest) the user holds a grant on."""
    places = filing_places(user)
    return next((p for p in places if p.key == key), places[0] if places else None)


def _units(place: Place) -> tuple[str, list[Place]]:
    child = CHILD.get(place.level)  # type: ignore[call-overload]
    if child is None:  # a community: itself
        return place.level, [place]
    return child, units_of(place)


def _bucket(level: str, place: Place, ids: dict[str, int | None], keys: set[str]) -> str | None:
    """The row an item at `ids` belongs to: its unit, the place's own row, or none (outside the place)."""
    if place.level != ReportLevel.CITY and ids.get(f"{place.level}_id") != place.pk:
        return None
    unit = ids.get(f"{level}_id")
    if unit is not None and str(unit) in keys:
        return str(unit)
    return None if unit is not None else OWN


def accountability_by_unit(*, user: Any, start: dt.date, end: dt.date, place: Place | None) -> Accountability:
    """The figures per unit of `place` from `start` to `end` (Beijing dates, inclusive)."""
    shows = user_can(user, SupervisionCap.VIEW)
    if place is None:
        return Accountability(None, "", start, end, [], shows)
    level, units = _units(place)
    rows = {str(u.pk): UnitRow(str(u.pk), u.name) for u in units}
    keys = set(rows)
    own = UnitRow(OWN, place.name)

    def row_for(ids: dict[str, int | None]) -> UnitRow | None:
        key = _bucket(level, place, ids, keys)
        return None if key is None else own if key == OWN else rows[key]

    if shows:
        sup_rows = supervision.accountability(user=user, start=start, end=end)
        wanted = {pk for r in sup_rows for ids in r.items.values() for pk in ids}
        where = {
            pk: {"district_id": d, "street_id": s, "community_id": c}
            for pk, d, s, c in supervision.rectification_list(user=user)
            .filter(pk__in=wanted)
            .values_list("pk", "district_id", "street_id", "community_id")
        }
        for r in sup_rows:
            for figure, ids in r.items.items():
                for pk in ids:
                    target = row_for(where[pk]) if pk in where else None
                    if target is not None:
                        target.items[figure].append(pk)

    since, until = local_midnight(start), local_midnight(end + dt.timedelta(days=1))
    for unit in flags_by_unit(user=user, since=since, until=until):
        target = row_for({"district_id": unit.district_id, "street_id": unit.street_id, "community_id": unit.community_id})
        if target is None:
            continue
        for flag in unit.flags:
            for figure in flag_figures(flag, since, until):
                target.items[figure].append(flag.pk)

    if level != ReportLevel.CITY:
        for on_time in reports_on_time(user=user, level=level, start=start, end=end, place_ids=[int(k) for k in keys]):
            target = rows.get(str(on_time.place_id))
            if target is None:
                continue
            target.reports_due = on_time.days
            late = set(_late_ids(on_time.report_ids))
            target.items["reports_on_time"] = [pk for pk in on_time.report_ids if pk not in late]
            target.items["reports_late"] = [pk for pk in on_time.report_ids if pk in late]
            target.items["reports_missing"] = missing_days(start, on_time.days, on_time.report_ids)[: on_time.missing]
    out = [rows[str(u.pk)] for u in units]
    if not own.empty:
        out.append(own)
    return Accountability(place, level, start, end, out, shows)


def flag_figures(flag: Flag, since: dt.datetime, until: dt.datetime) -> list[str]:
    """Which of raised / cleared / open a flag counts for in [since, until) (fangkong.flags' rule)."""
    return [f"flags_{state}" for state in flag_states(flag, since, until)]


def _late_ids(report_ids: tuple[int, ...]) -> list[int]:
    from ..daily.models import DailyReport

    return list(DailyReport.objects.filter(pk__in=report_ids, late=True).values_list("pk", flat=True))


def missing_days(start: dt.date, days: int, report_ids: tuple[int, ...]) -> list[dt.date]:
    """The due days without a submitted report (the items of “missing”)."""
    from ..daily.models import DailyReport

    filed = set(DailyReport.objects.filter(pk__in=report_ids).values_list("date", flat=True))
    return [d for d in (start + dt.timedelta(days=k) for k in range(days)) if d not in filed]
