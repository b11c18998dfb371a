"""The 三快一严 board's reads (read-only over the modules' selectors, fangkong.core.board): one row
per step of the loop that a module registered (快检, 快转, 快隔, 严管 …) with today's figures and what is
late; the drill-down of each figure city → district → street → community → the list of its rows; the
owners of the late items, ranked; and escalation.

Every count is a count of the module's own rows (its selector, scoped to the user), grouped by the
rows' place ids — the figure, each level's breakdown and the list at the bottom are the same rows,
so they always agree (tests/reports/test_board.py walks every level).

Owners (守土担责): a late item's owner is its lowest place (the community, else the street, else the
district) — the unit answerable by jurisdiction — and, where the module knows one, a named person
(the dispatcher of a transfer, the approver of an area). Escalation is computed, never stored: an
item late more than policy command.escalation_hours past its deadline is raised one level above its
owner for each full period beyond the first (community → street → district → command), and shows
on the boards of the levels it has reached.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fangkong.core.board import BOARD_LEVELS, PLACE_LEVELS, BoardStep, Figure, Item, Stat, Trend, trend_days
from fangkong.core.modules import registry
from fangkong.core.scoping import EMPTY, CityWide
from fangkong.geo import selectors as geo
from fangkong.policy.regimen import local_date
from fangkong.policy.rules import PolicyNotConfigured, Rule, rule

from .selectors import overview_root
from .snapshot import selectors as snapshot
from .snapshot.models import SnapshotRow
from .snapshot.selectors import SnapshotView

ESCALATION_RULE = "command.escalation_hours"
DEFAULT_ESCALATION_HOURS = 6  # when no profile sets it (never in a migrated database)
ESCALATED_SHOWN = 50


# ---- the steps and their figures ----


# The steps' figures of one drawing of the board (`steps_read_once`): a module's figures may read the
# database (the newest round's page for a link), and one drawing asks for them several times.
_drawing: ContextVar[list[tuple[BoardStep, list[Figure | Stat]]] | None] = ContextVar("board_steps", default=None)


@contextmanager
def steps_read_once() -> Iterator[None]:
    """Inside this block `steps()` builds the figures once (one drawing of the board)."""
    token = _drawing.set(_build_steps())
    try:
        yield
    finally:
        _drawing.reset(token)


def _build_steps() -> list[tuple[BoardStep, list[Figure | Stat]]]:
    return [(s, import_string(s.figures)()) for s in registry.board_steps()]


def steps() -> list[tuple[BoardStep, list[Figure | Stat]]]:
    """Each registered step with its figures, in the modules' order."""
    drawn = _drawing.get()
    return drawn if drawn is not None else _build_steps()


def figure_get(key: str) -> tuple[BoardStep, Figure] | None:
    """A drillable figure by its key ("cases.transfers_overdue"), or None."""
    step_key, _dot, fig_key = key.partition(".")
    for step, figures in steps():
        if step.key == step_key:
            for f in figures:
                if isinstance(f, Figure) and f.key == fig_key:
                    return step, f
    return None


def _within(figure: Figure, user: Any, now: dt.datetime, level: str, place_id: int | None):
    qs = figure.rows(user, now)
    if level == "city":
        return qs
    return qs.filter(**{figure.places[level]: place_id})


@dataclass(frozen=True)
class Source:
    """Where a figure's rows are read: live (the module's selector for the user) or the board's
    snapshot for the user (`view` kept it) — the count, each level's breakdown and the list all read
    the same one, so they agree."""

    figure: Figure
    key: str = ""
    view: SnapshotView | None = None

    @property
    def kept(self) -> bool:
        return self.view is not None and self.view.keeps(self.key)

    def path(self, level: str) -> str:
        return f"{level}_id" if self.kept else self.figure.places[level]

    def within(self, user: Any, now: dt.datetime, level: str, place_id: int | None):
        if not self.kept:
            return _within(self.figure, user, now, level, place_id)
        qs = self.view.rows(self.key)
        return qs if level == "city" else qs.filter(**{f"{level}_id": place_id})

    def ordered(self, qs):
        if self.kept:
            return qs.order_by(F("deadline").asc(nulls_last=True), "item_id")
        return qs.order_by(self.figure.deadline, "pk") if self.figure.deadline else qs.order_by("pk")

    def describe(self, page: Sequence[Any], now: dt.datetime) -> list[Item]:
        """A page of rows as Items; from the snapshot, rows changed or deleted since it was taken
        are still listed (as themselves, with their kept places), so the list keeps its length."""
        if not self.kept:
            return self.figure.describe(page, now)
        model = self.view.model(self.key)
        items = {i.pk: i for i in self.figure.describe([model(pk=r.item_id) for r in page], now)}
        gone = str(_("（截至后已变更）"))
        return [
            items.get(r.item_id)
            or Item(
                r.item_id,
                f"#{r.item_id} {gone}",
                "",
                r.deadline,
                {"district": r.district_id, "street": r.street_id, "community": r.community_id},
            )
            for r in page
        ]


def source(figure: Figure, key: str = "", view: SnapshotView | None = None) -> Source:
    return Source(figure, key, view)


def figure_count(
    figure: Figure, *, user: Any, now: dt.datetime, level: str = "city", place_id: int | None = None, src: Source | None = None
) -> int:
    src = src or Source(figure)
    return src.within(user, now, level, place_id).order_by().count()


# ---- drilling down ----


@dataclass(frozen=True)
class ChildCount:
    level: str
    place_id: int
    name: str
    count: int


@dataclass
class Drill:
    level: str
    place: Any | None
    child_level: str | None  # None at a community: the list
    total: int
    children: list[ChildCount] = field(default_factory=list)
    direct: int = 0  # rows of this place with no place one level down (an area declared for a whole street)


def child_level(level: str) -> str | None:
    i = BOARD_LEVELS.index(level)
    return BOARD_LEVELS[i + 1] if i + 1 < len(BOARD_LEVELS) else None


def drill(figure: Figure, *, user: Any, now: dt.datetime, level: str, place: Any | None, src: Source | None = None) -> Drill:
    """The figure for a place and for each place one level down (largest first), plus its rows that
    lie in no place one level down."""
    src = src or Source(figure)
    place_id = place.pk if place is not None else None
    qs = src.within(user, now, level, place_id).order_by()
    child = child_level(level)
    if child is None:
        return Drill(level, place, None, qs.count())
    counts = dict(qs.values_list(src.path(child)).annotate(n=Count("pk")))
    names = dict(geo.LEVELS[child]["model"].objects.filter(pk__in=[k for k in counts if k is not None]).values_list("pk", "name"))
    children = [ChildCount(child, pk, names.get(pk, "—"), n) for pk, n in counts.items() if pk is not None]
    children.sort(key=lambda c: (-c.count, c.name))
    return Drill(level, place, child, sum(counts.values()), children, counts.get(None, 0))


def figure_items(
    figure: Figure,
    *,
    user: Any,
    now: dt.datetime,
    level: str,
    place_id: int | None,
    direct: bool = False,
    offset: int = 0,
    limit: int | None = None,
    src: Source | None = None,
) -> tuple[int, list[Item]]:
    """The figure's rows in a place (`direct`: only those in no place one level down), the longest
    late first, described with their owners: (how many, one page of them)."""
    src = src or Source(figure)
    qs = src.within(user, now, level, place_id)
    child = child_level(level)
    if direct and child is not None:
        qs = qs.filter(**{f"{src.path(child)}__isnull": True})
    qs = src.ordered(qs)
    total = qs.count()
    page = list(qs[offset : offset + limit] if limit is not None else qs[offset:])
    items = src.describe(page, now)
    if not figure.deadline and not src.kept:
        items.sort(key=lambda i: (i.deadline is None, i.deadline or now, i.pk))
    return total, items


# ---- the board ----


@dataclass(frozen=True)
class Cell:
    key: str  # "cases.transfers_overdue"
    label: str
    value: int | str
    late: bool
    drillable: bool
    url: str  # the module's page for it


@dataclass
class StepRow:
    step: BoardStep
    cells: list[Cell]
    links: list[tuple[Cell, str]] = field(default_factory=list)  # each cell with where it leads (set by the page)

    @property
    def late(self) -> int:
        return sum(int(c.value) for c in self.cells if c.late)


def step_rows(*, user: Any, now: dt.datetime, view: SnapshotView | None = None) -> list[StepRow]:
    """Every step's figures: from the snapshot where it kept them for the user (all counts in one
    read), the others live."""
    counts = view.counts() if view is not None else {}
    rows = []
    for step, figures in steps():
        cells = []
        for f in figures:
            key = f"{step.key}.{f.key}"
            if isinstance(f, Figure):
                value = counts.get(key, 0) if view is not None and view.keeps(key) else figure_count(f, user=user, now=now)
                cells.append(Cell(key, str(f.label), value, f.late, True, f.url))
            else:
                kept = view.stat(key, f) if view is not None else None
                cells.append(Cell(key, str(f.label), f.value(user, now) if kept is None else kept, False, False, f.url))
        rows.append(StepRow(step, cells))
    return rows


NO_GRANT = CityWide(jurisdiction=EMPTY)  # a reader that sees no row: a trend's names without a query


def step_series_names(step: BoardStep, today: dt.date) -> list[str]:
    """The names of a step's trend series (in the user's language): its trend over no rows. The
    names are the trend's labels, the same whatever the rows, so each step's are built once per
    language and day in a process (building the trend over no rows costs the ORM a few ms)."""
    return list(_series_names(step.trend, get_language() or "", today))


@functools.lru_cache(maxsize=256)
def _series_names(trend_path: str, _language: str, today: dt.date) -> tuple[str, ...]:
    return tuple(name for name, _values in import_string(trend_path)(NO_GRANT, today, days=[today]).series)


def trend(
    step: BoardStep, *, user: Any, now: dt.datetime, view: SnapshotView | None = None, kept_days: dict[str, Any] | None = None
) -> Trend:
    """A step's trend over the last 14 days: the closed days kept for the user's jurisdiction (when the
    step's past days are closed and all 13 are kept) and today from the user's snapshot, else today
    live; else all 14 live. `kept_days`: the kept days of the steps, read once for all of them
    (snapshot.kept_trends), else read here."""
    today = local_date(now)
    fn = import_string(step.trend)
    j = snapshot.place_grants(user) if step.closed_days else None
    if j is not None:
        days = trend_days(today)
        kept = kept_days.get(step.key) if kept_days is not None else snapshot.kept_trend_days(j, step.key, days[:-1])
        now_values = view.trend_today(step.key) if view is not None else None
        if kept is not None and now_values is not None:
            names = step_series_names(step, today)
            return Trend(days, [(name, [*(kept[d][i] for d in days[:-1]), now_values[i]]) for i, name in enumerate(names)])
        if kept is not None:
            live = fn(user, today, days=[today])
            series = [(name, [*(kept[d][i] for d in days[:-1]), values[-1]]) for i, (name, values) in enumerate(live.series)]
            return Trend(days, series)
    return fn(user, today)


def trends(*, user: Any, now: dt.datetime, view: SnapshotView | None = None) -> dict[str, dict[str, Any]]:
    """Each step's trend over the last 14 days, as the chart reads it (the kept days of every step in
    one read)."""
    all_steps = registry.board_steps()
    j = snapshot.place_grants(user)
    closed = [s.key for s in all_steps if s.closed_days]
    kept_days = snapshot.kept_trends(j, closed, trend_days(local_date(now))[:-1]) if j is not None and closed else {}
    out = {}
    for step in all_steps:
        t = trend(step, user=user, now=now, view=view, kept_days=kept_days)
        out[step.key] = {
            "days": [d.strftime("%m-%d") for d in t.days],
            "series": [{"name": name, "data": values} for name, values in t.series],
        }
    return out


# ---- owners and escalation ----


def escalation_rule() -> Rule | None:
    try:
        return rule(ESCALATION_RULE)
    except PolicyNotConfigured:
        return None


def escalation_hours() -> float:
    r = escalation_rule()
    return float(r.value) if r is not None else float(DEFAULT_ESCALATION_HOURS)


def levels_up(deadline: dt.datetime | None, now: dt.datetime, hours: float) -> int:
    """How many levels above its owner a late item has been raised: none until it is `hours` past
    its deadline, then one more for each further period (a 6 h threshold: 6 h 1 min late → 1)."""
    if deadline is None or hours <= 0:
        return 0
    late = (now - deadline).total_seconds() / 3600
    return max(0, math.ceil(late / hours) - 1) if late > 0 else 0


@dataclass(frozen=True)
class LateRow:
    step: str
    figure: str
    pk: int
    places: dict[str, int | None]
    deadline: dt.datetime | None

    @property
    def owner(self) -> tuple[str, int | None]:
        """The lowest place the item lies in: the unit answerable for it by jurisdiction."""
        for level in reversed(PLACE_LEVELS):
            if self.places.get(level) is not None:
                return level, self.places[level]
        return "city", None


def late_keys(view: SnapshotView | None) -> list[str]:
    """The late figures the snapshot kept for the user (their owners and escalation are read grouped)."""
    if view is None:
        return []
    if "late_figures" in view.snapshot.stats:  # kept with the snapshot: no need to list the modules' figures again
        return list(view.snapshot.stats["late_figures"])
    return [f"{s.key}.{f.key}" for s, fs in steps() for f in fs if isinstance(f, Figure) and f.late and view.keeps(f"{s.key}.{f.key}")]


def late_rows(*, user: Any, now: dt.datetime, view: SnapshotView | None = None, skip_kept: bool = False) -> list[LateRow]:
    """Every late item the user sees, with its places and deadline (one grouped read per figure; from
    the snapshot for the figures it kept, or without them: `skip_kept`)."""
    out = []
    for step, figures in steps():
        for f in figures:
            if isinstance(f, Figure) and f.late:
                key = f"{step.key}.{f.key}"
                if skip_kept and view is not None and view.keeps(key):
                    continue
                if view is not None and view.keeps(key):
                    found = view.rows(key).order_by().values_list("item_id", "district_id", "street_id", "community_id", "deadline")
                else:
                    found = f.late_rows(user, now)
                for pk, district, street, community, deadline in found:
                    places = {"district": district, "street": street, "community": community}
                    out.append(LateRow(step.key, f.key, pk, places, deadline))
    return out


@dataclass
class OwnerRow:
    level: str
    place_id: int | None
    name: str
    count: int = 0
    oldest: dt.datetime | None = None
    escalated: int = 0
    by_step: dict[str, int] = field(default_factory=dict)
    hours: float = 0.0  # how late the oldest is


def late_by_owner(
    *, user: Any, now: dt.datetime, rows: Sequence[LateRow] | None = None, view: SnapshotView | None = None
) -> list[OwnerRow]:
    """The units answerable for late items, the most first, then the longest late. With a snapshot,
    `rows` are the live figures' only (late_rows(skip_kept=True)); the kept ones are read grouped."""
    rows = late_rows(user=user, now=now, view=view, skip_kept=True) if rows is None else rows
    hours = escalation_hours()
    owners: dict[tuple[str, int | None], OwnerRow] = {}
    if view is not None:
        for level, pk, key, n, oldest, escalated in view.late_by_owner(late_keys(view), now, hours):
            o = owners.setdefault((level, pk), OwnerRow(level, pk, ""))
            o.count += n
            step = key.partition(".")[0]
            o.by_step[step] = o.by_step.get(step, 0) + n
            if oldest is not None and (o.oldest is None or oldest < o.oldest):
                o.oldest = oldest
            o.escalated += escalated
    for r in rows:
        level, pk = r.owner
        o = owners.setdefault((level, pk), OwnerRow(level, pk, ""))
        o.count += 1
        o.by_step[r.step] = o.by_step.get(r.step, 0) + 1
        if r.deadline is not None and (o.oldest is None or r.deadline < o.oldest):
            o.oldest = r.deadline
        if levels_up(r.deadline, now, hours):
            o.escalated += 1
    by_level: dict[str, list[int]] = defaultdict(list)
    for level, pk in owners:
        if pk is not None:
            by_level[level].append(pk)
    for level, ids in by_level.items():
        names = dict(geo.LEVELS[level]["model"].objects.filter(pk__in=ids).values_list("pk", "name"))
        for pk in ids:
            owners[(level, pk)].name = names.get(pk, "—")
    out = list(owners.values())
    for o in out:
        o.hours = round((now - o.oldest).total_seconds() / 3600, 1) if o.oldest else 0.0
    out.sort(key=lambda o: (-o.count, o.oldest or now, o.name))
    return out


@dataclass(frozen=True)
class Escalated:
    item: Item
    step: str
    figure: str
    owner_level: str
    owner_name: str
    reached: str  # the level it has been raised to
    hours_late: float


def viewer_level(user: Any) -> tuple[str, Any | None]:
    """The level whose board the user sees: the place their grants open on (the city for the command)."""
    level, place = overview_root(user=user)
    return (level, place) if level in BOARD_LEVELS else ("community", place)


def escalated_to(
    *,
    user: Any,
    now: dt.datetime,
    rows: Sequence[LateRow] | None = None,
    limit: int = ESCALATED_SHOWN,
    view: SnapshotView | None = None,
    viewer: tuple[str, Any | None] | None = None,
) -> list[Escalated]:
    """The late items raised to the user's level (or past it) from a unit below it, the longest late
    first: described by their modules. With a snapshot, `rows` are the live figures' only; the kept
    ones are picked in one read. `viewer`: the user's viewer_level, when the caller has it."""
    rows = late_rows(user=user, now=now, view=view, skip_kept=True) if rows is None else rows
    hours = escalation_hours()
    level, _place = viewer or viewer_level(user)
    mine = BOARD_LEVELS.index(level)
    if view is not None:
        kept = view.escalated_rows(late_keys(view), now, hours, mine, limit)
        rows = [*rows, *(LateRow(*k.split(".", 1), pk, {"district": d, "street": s, "community": c}, dl) for k, pk, d, s, c, dl in kept)]
    picked: list[tuple[LateRow, str]] = []
    for r in rows:
        up = levels_up(r.deadline, now, hours)
        owner_level = r.owner[0]
        owner = BOARD_LEVELS.index(owner_level)
        reached = max(0, owner - up)
        if up and mine < owner and reached <= mine:
            picked.append((r, BOARD_LEVELS[reached]))
    picked.sort(key=lambda p: (p[0].deadline or now, p[0].pk))
    picked = picked[:limit]
    figures = {(s.key, f.key): f for s, fs in steps() for f in fs if isinstance(f, Figure)}
    described: dict[tuple[str, str, int], Item] = {}
    by_figure: dict[tuple[str, str], list[int]] = defaultdict(list)
    for r, _reached in picked:
        by_figure[(r.step, r.figure)].append(r.pk)
    picked_rows = {(r.step, r.figure, r.pk): r for r, _reached in picked}
    for key, pks in by_figure.items():
        f = figures[key]
        if view is not None and view.keeps(".".join(key)):  # the rows the user's snapshot holds, as picked
            kept = [_kept_row(picked_rows[(*key, pk)]) for pk in pks]
            found = Source(f, ".".join(key), view).describe(kept, now)
        else:
            found = f.describe(list(f.rows(user, now).filter(pk__in=pks)), now)
        for item in found:
            described[(*key, item.pk)] = item
    names = _owner_names([r for r, _x in picked])
    out = []
    for r, reached in picked:
        item = described.get((r.step, r.figure, r.pk))
        if item is None:
            continue
        hours_late = round((now - r.deadline).total_seconds() / 3600, 1) if r.deadline else 0.0
        out.append(Escalated(item, r.step, r.figure, r.owner[0], names.get(r.owner, "—"), reached, hours_late))
    return out


def _kept_row(r: LateRow) -> SnapshotRow:
    """A snapshot's row as read already (its item, places and deadline), described without a read."""
    return SnapshotRow(
        figure=f"{r.step}.{r.figure}",
        item_id=r.pk,
        district_id=r.places.get("district"),
        street_id=r.places.get("street"),
        community_id=r.places.get("community"),
        deadline=r.deadline,
    )


def _owner_names(rows: Sequence[LateRow]) -> dict[tuple[str, int | None], str]:
    by_level: dict[str, set[int]] = defaultdict(set)
    for r in rows:
        level, pk = r.owner
        if pk is not None:
            by_level[level].add(pk)
    out: dict[tuple[str, int | None], str] = {}
    for level, ids in by_level.items():
        for pk, name in geo.LEVELS[level]["model"].objects.filter(pk__in=ids).values_list("pk", "name"):
            out[(level, pk)] = name
    return out


def owner_names(items: Sequence[Item]) -> dict[int, str]:
    """The owning unit's name of each listed item (its lowest place), by the item's pk."""
    rows = [LateRow("", "", i.pk, dict(i.places), i.deadline) for i in items]
    names = _owner_names(rows)
    return {r.pk: names.get(r.owner, "—") for r in rows}
