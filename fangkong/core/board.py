"""The 三快一严 board's seam (fangkong.reports draws it): each module declares its row — a BoardStep
— in its registry.py, and its figures in its own selectors, so that a later module (民生) adds its
row without editing the board.

A figure is either a `Figure` — a count of rows that lie in places (the rows a selector of the
module returns, scoped to the user), drilled down city → district → street → community → the list
of the rows, each described as an `Item` with its owner — or a `Stat`, a number the module's own
page explains (free beds, rounds in progress). A late figure (`late=True`) names the rows' deadline
field: the board ranks the owners of late rows by count and age and escalates the oldest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from .clock import now
from .scoping import CITY_WIDE

# The board's levels, from the city down; a row's owner is its lowest place.
BOARD_LEVELS = ("city", "district", "street", "community")
PLACE_LEVELS = BOARD_LEVELS[1:]


@dataclass(frozen=True)
class Item:
    """One row of a figure as the list shows it: what it is (no personal details), where it lies,
    its deadline, and who answers for it — the unit (the place, or the facility that holds it) and,
    where one is assigned, the person."""

    pk: int
    title: str
    url: str
    deadline: dt.datetime | None
    places: Mapping[str, int | None]  # district / street / community → id
    unit: str = ""  # the facility or unit holding it, when not the place itself (a laboratory)
    person: str = ""  # the named person responsible, where assigned
    detail: str = ""


@dataclass(frozen=True)
class Figure:
    """A count of rows in places. `rows(user, now)` is the module's selector (already scoped to the
    user); `places` maps each level to the rows' place id path; `describe(rows, now)` turns a page of
    rows into Items; `deadline` is the rows' deadline path for a late figure; `url` the module's page."""

    key: str
    label: Any
    rows: Callable[[Any, dt.datetime], QuerySet]
    places: Mapping[str, str]
    describe: Callable[[Sequence[Any], dt.datetime], list[Item]]
    late: bool = False
    deadline: str = ""
    url: str = ""
    # A late figure whose deadline is computed, not stored (严管's overdue areas): (user, now) ->
    # [(pk, district, street, community, deadline)] of its rows.
    deadlines: Callable[[Any, dt.datetime], list[tuple]] | None = None
    # The rows an office with place grants sees are exactly those whose `places` lie in its grants
    # (the model's scope paths are `places`; no capability, no "my own" rows): the board may then count
    # and list them from its snapshot (fangkong.reports.snapshot), filtered by the office's grants.
    snapshot: bool = False

    def late_rows(self, user: Any, now: dt.datetime) -> list[tuple]:
        """(pk, district, street, community, deadline) of each row: for the owners' table and escalation."""
        return self.place_rows(user, now)

    def place_rows(self, user: Any, now: dt.datetime) -> list[tuple]:
        """(pk, district, street, community, deadline or None) of each row (the board's snapshot keeps them)."""
        if self.deadlines is not None:
            return self.deadlines(user, now)
        paths = [self.places.get(level) for level in PLACE_LEVELS]
        fields = [p for p in paths if p]
        rows = self.rows(user, now).order_by().values_list("pk", *fields, *([self.deadline] if self.deadline else []))
        out = []
        for row in rows:
            values = iter(row[1 : 1 + len(fields)])
            out.append((row[0], *(next(values) if p else None for p in paths), row[-1] if self.deadline else None))
        return out


@dataclass(frozen=True)
class Stat:
    """A number that is not a count of rows in places; `value(user, now)`, explained on `url`."""

    key: str
    label: Any
    value: Callable[[Any, dt.datetime], int | str]
    url: str = ""
    # How the board's snapshot may keep it (fangkong.reports.snapshot); without either, only the
    # command centre's city-wide value is kept. `shared`: the same value for every user with a grant
    # (city resources: treatment beds, rounds). `by_place(now)`: the city's rows (district, street,
    # community, a, b) whose sums over an office's grants give its value through `combine((a, b))`
    # (default: a) — the same grouping on the same place ids as the live value's scope; each row
    # starts with a `part` name: parts are combined apart, then added (each round's coverage).
    shared: bool = False
    by_place: Callable[[dt.datetime], Iterable[tuple]] | None = None
    combine: Callable[[tuple[int, int]], int] | None = None


@dataclass
class Trend:
    """A step's figures over the last days: local dates and named series (one value per day)."""

    days: list[dt.date]
    series: list[tuple[str, list[int]]] = field(default_factory=list)


@dataclass(frozen=True)
class BoardStep:
    """One row of the board: a step of the loop (快检, 快转, 快隔, 严管 …). `figures` is the dotted path
    of a function () -> list[Figure | Stat]; `trend` of a function (user, today, days=None) -> Trend
    (`days`: only those local dates, else the 14 ending today); both imported when the board is drawn
    (registry.py stays light). `closed_days`: a past day's trend values never change and depend only
    on the user's place grants (not a capability, not "my own" rows), so the board keeps them once
    the day is over (fangkong.reports.snapshot) and computes only today live."""

    key: str
    label: Any
    icon: str
    figures: str
    trend: str
    order: int = 100
    closed_days: bool = False
    # The dotted path of a function (now) -> [(district, street, community, v1, v2)]: today's values
    # of the trend's two series for the whole city by place (the rows' own place ids, their scope
    # paths), kept in the board's snapshot each minute; without it today is counted live.
    today_by_place: str = ""


def per_drawing(fn: Callable[[Any, dt.datetime], Any]) -> Callable[[Any, dt.datetime], Any]:
    """Memoise `fn(user, now)` for one drawing of the board — the same user object at the same
    moment — so that figures sharing a computation (the day's 快隔 figures, the lifting clocks) make
    it once. One entry: the next drawing (another request's user object, another moment) recomputes."""
    last: dict[tuple[int, Any, dt.datetime], Any] = {}

    @wraps(fn)
    def once(user: Any, now: dt.datetime) -> Any:
        key = (id(user), getattr(user, "pk", None), now)
        if key not in last:
            last.clear()
            last[key] = fn(user, now)
        return last[key]

    return once


def trend_days(today: dt.date, days: int = 14) -> list[dt.date]:
    """The last `days` local dates, oldest first, ending today."""
    return [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]


def counts_by_local_day(qs: QuerySet, path: str, days: Sequence[dt.date], **counts: Any) -> dict[str, list[int]]:
    """For rows whose `path` (a datetime) falls on one of `days` (Beijing dates): each named count
    (`due=Count("id")`, `late=Count("id", filter=…)`) per day, in the days' order, in one grouped query."""
    local = timezone.get_default_timezone()  # Asia/Shanghai: the days are Beijing days
    start = dt.datetime.combine(days[0], dt.time.min, tzinfo=local)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time.min, tzinfo=local)
    rows = (
        qs.filter(**{f"{path}__gte": start, f"{path}__lt": end})
        .annotate(board_day=TruncDate(path, tzinfo=local))
        .values("board_day")
        .annotate(**counts)
        .order_by()
    )
    by_day = {r["board_day"]: r for r in rows}
    return {name: [int((by_day.get(d) or {}).get(name) or 0) for d in days] for name in counts}


def counts_by_place_on_day(qs: QuerySet, path: str, day: dt.date, **counts: Any) -> list[tuple]:
    """For rows whose `path` falls on the Beijing date `day`: (district, street, community, *counts)
    per place (the rows' own district_id, street_id, community_id), in one grouped query — a trend's
    today by place, summed over an office's grants by the board's snapshot."""
    local = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=local)
    rows = (
        qs.filter(**{f"{path}__gte": start, f"{path}__lt": start + dt.timedelta(days=1)})
        .values_list("district_id", "street_id", "community_id")
        .annotate(**counts)
        .order_by()
    )
    return [tuple(r) for r in rows]


@dataclass(frozen=True)
class DeadlineTrend:
    """A step's trend of work due by a deadline: the rows due each Beijing day (by `deadline`) and how
    many were done after it (`done` later than `deadline`) or are not done and past it. `rows(user)`
    gives the rows a user's board counts. One rule for every module whose trend is "due / late"."""

    rows: Callable[[Any], QuerySet]
    deadline: str
    done: str
    due_label: Any
    late_label: Any

    def counts(self, now: dt.datetime) -> dict[str, Any]:
        late = Q(**{f"{self.done}__gt": F(self.deadline)}) | Q(**{f"{self.done}__isnull": True, f"{self.deadline}__lt": now})
        return {"due": Count("id"), "late": Count("id", filter=late)}

    def today_by_place(self, now: dt.datetime) -> list[tuple]:
        """BoardStep.today_by_place: today's two counts for the whole city by the rows' places."""
        return counts_by_place_on_day(self.rows(CITY_WIDE), self.deadline, timezone.localtime(now).date(), **self.counts(now))

    def trend(self, user: Any, today: dt.date, days: Sequence[dt.date] | None = None) -> Trend:
        days = list(days) if days else trend_days(today)
        counts = counts_by_local_day(self.rows(user), self.deadline, days, **self.counts(now()))
        return Trend(days, [(str(self.due_label), counts["due"]), (str(self.late_label), counts["late"])])


def user_name(user: Any) -> str:
    """A staff member's name as an owner (never a resident's)."""
    if user is None:
        return ""
    return getattr(user, "full_name", "") or getattr(user, "username", "")
