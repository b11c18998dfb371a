"""Reading the board's snapshot for one user: which snapshot (complete, at most STALE_AFTER old, not
taken after the time asked), whether the user may read it (an office whose grants are places only, or
the command centre), and its rows limited to the user's grants — the same filter as the modules'
scope on the same place ids (Figure.snapshot). Anything the snapshot cannot answer for the user is
answered live by fangkong.reports.board."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.apps import apps
from django.db.models import Case, Count, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from fangkong.core.board import BOARD_LEVELS, PLACE_LEVELS, Stat
from fangkong.core.roles import Role, roles
from fangkong.core.scoping import Jurisdiction, jurisdiction_of

from .models import BoardSnapshot, SnapshotRow, SnapshotStat, TrendDay

# The worker builds a snapshot each minute; one older than this (two builds missed: the worker is
# stopped or behind) is not read — the board is evaluated live and a build is asked for.
STALE_AFTER = dt.timedelta(minutes=3)
# Whose board may be read from the snapshot (the offices that land on it).
SNAPSHOT_ROLES = roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE, Role.STREET_OFFICE)


# A row's owner: its lowest place (reports.board.LateRow.owner), as SQL.
OWNER_LEVEL = Case(
    When(community_id__isnull=False, then=Value("community")),
    When(street_id__isnull=False, then=Value("street")),
    When(district_id__isnull=False, then=Value("district")),
    default=Value("city"),
)


def place_grants(user: Any) -> Jurisdiction | None:
    """The user's jurisdiction if it is the city or places only (district, street, community), else
    None: a grid, a laboratory or a site reaches rows by other paths than the rows' places."""
    j = jurisdiction_of(user)
    if j.is_empty:
        return None
    if j.city:
        return j
    if any(ids for level, ids in j.covered.items() if level not in PLACE_LEVELS):
        return None
    return Jurisdiction(covered={level: frozenset(j.covered.get(level, ())) for level in PLACE_LEVELS})


def scope_key(j: Jurisdiction) -> str:
    """A jurisdiction's key for the kept trend days: "city", or a digest of its place ids."""
    if j.city:
        return "city"
    text = ";".join(f"{level}:{','.join(str(i) for i in sorted(j.covered.get(level, ())))}" for level in PLACE_LEVELS)
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def places_q(j: Jurisdiction) -> Q | None:
    """The snapshot's rows inside the grants (None: the whole city; nothing for no grant)."""
    if j.city:
        return None
    q = Q(pk__in=[])
    for level in PLACE_LEVELS:
        ids = j.covered.get(level)
        if ids:
            q |= Q(**{f"{level}_id__in": sorted(ids)})
    return q


def latest(now: dt.datetime, pk: int | None = None) -> BoardSnapshot | None:
    """The newest complete snapshot usable at `now` (taken at most STALE_AFTER before it, not after
    it), or snapshot `pk` if it is usable."""
    usable = BoardSnapshot.objects.filter(complete=True, taken_at__lte=now, taken_at__gte=now - STALE_AFTER).order_by("-taken_at", "-id")
    return (pk is not None and usable.filter(pk=pk).first()) or usable.first()


@dataclass(frozen=True)
class SnapshotView:
    """A snapshot as one user may read it."""

    snapshot: BoardSnapshot
    jurisdiction: Jurisdiction
    command: bool  # the command centre with the city: the city-wide stat values are its own

    @property
    def taken_at(self) -> dt.datetime:
        return self.snapshot.taken_at

    def keeps(self, key: str) -> bool:
        return key in self.snapshot.figures

    def model(self, key: str) -> Any:
        return apps.get_model(self.snapshot.figures[key])

    def rows(self, key: str | None = None) -> QuerySet[SnapshotRow]:
        qs = SnapshotRow.objects.filter(snapshot=self.snapshot)
        if key is not None:
            qs = qs.filter(figure=key)
        q = places_q(self.jurisdiction)
        return qs if q is None else qs.filter(q)

    @cached_property
    def sums(self) -> dict[str, list[tuple[str, int, int]]]:
        """Every stat's parts summed over the user's grants, by stat: {stat: [(part, a, b)…]} — the
        kept figures' counts ("count:<figure>"), the stats' per-place parts, today's trend values
        ("trend:<step>") — in one grouped read, kept with this view (one drawing of the board)."""
        parts = SnapshotStat.objects.filter(snapshot=self.snapshot)
        q = places_q(self.jurisdiction)
        if q is not None:
            parts = parts.filter(q)
        out: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
        for stat, part, a, b in parts.order_by().values_list("stat", "part").annotate(Sum("a"), Sum("b")).order_by("stat", "part"):
            out[stat].append((part, int(a or 0), int(b or 0)))
        return dict(out)

    def counts(self) -> dict[str, int]:
        """Every kept figure's count for the user: the city's as kept, an office's the sum of the
        counts by place of the same rows inside its grants."""
        if self.jurisdiction.city:
            return {key.removeprefix("count:"): n for key, n in self.snapshot.stats.items() if key.startswith("count:")}
        sums = self.sums.items()
        return {key.removeprefix("count:"): sum(a for _part, a, _b in parts) for key, parts in sums if key.startswith("count:")}

    def stat(self, key: str, stat: Stat) -> int | str | None:
        """The stat's value for the user from the snapshot, or None (then it is evaluated live)."""
        if key not in self.snapshot.stats:
            return None
        if self.command or stat.shared:
            return self.snapshot.stats[key]
        if stat.by_place is None:
            return None
        combine = stat.combine or (lambda ab: ab[0])
        return sum(combine((a, b)) for _part, a, b in _sums(self, key))

    def late_by_owner(self, keys: list[str], now: dt.datetime, hours: float) -> list[tuple]:
        """The kept late figures' rows grouped by owner (the lowest place) and figure: (level, place
        id, figure, count, oldest deadline, escalated: more than `hours` past the deadline)."""
        escalated = Count("pk", filter=Q(deadline__lt=now - dt.timedelta(hours=hours))) if hours > 0 else Value(0)
        return list(
            self.rows()
            .filter(figure__in=keys)
            .annotate(owner_level=OWNER_LEVEL, owner_id=Coalesce("community_id", "street_id", "district_id"))
            .order_by()
            .values_list("owner_level", "owner_id", "figure")
            .annotate(n=Count("pk"), oldest=Min("deadline"), escalated=escalated)
        )

    def escalated_rows(self, keys: list[str], now: dt.datetime, hours: float, mine: int, limit: int) -> list[tuple]:
        """The kept late rows raised to the viewer's level (index `mine` in BOARD_LEVELS) or past it,
        the longest late first: an owner k levels below is reached after k periods of `hours` past
        the deadline (reports.board.levels_up). (figure, item id, district, street, community, deadline)."""
        if hours <= 0:
            return []
        q = Q(pk__in=[])
        for k in range(mine + 1, len(BOARD_LEVELS)):
            q |= Q(owner_level=BOARD_LEVELS[k], deadline__lt=now - dt.timedelta(hours=hours * (k - mine)))
        rows = self.rows().filter(figure__in=keys).annotate(owner_level=OWNER_LEVEL).filter(q).order_by("deadline", "item_id")
        return list(rows.values_list("figure", "item_id", "district_id", "street_id", "community_id", "deadline")[:limit])

    def trend_today(self, step: str) -> tuple[int, int] | None:
        """A step's two trend values for today as at the snapshot, for the user, or None (live)."""
        key = f"trend:{step}"
        if key not in self.snapshot.stats:
            return None
        if self.jurisdiction.city:
            a, b = self.snapshot.stats[key]
            return a, b
        sums = _sums(self, key)
        return (sums[0][1], sums[0][2]) if sums else (0, 0)


def _sums(view: SnapshotView, key: str) -> list[tuple[str, int, int]]:
    return view.sums.get(key, [])


def snapshot_for(user: Any, now: dt.datetime, pk: int | None = None) -> SnapshotView | None:
    """The snapshot the user's board reads at `now`, or None: live."""
    if getattr(user, "role", "") not in SNAPSHOT_ROLES:
        return None
    j = place_grants(user)
    if j is None:
        return None
    snap = latest(now, pk)
    if snap is None:
        return None
    return SnapshotView(snap, j, command=j.city and user.role == Role.COMMAND_CENTRE)


def kept_trend_days(j: Jurisdiction, step: str, days: list[dt.date]) -> dict[dt.date, list[int]] | None:
    """The kept values of the closed days for the jurisdiction, or None if any day is missing."""
    return kept_trends(j, [step], days).get(step)


def kept_trends(j: Jurisdiction, steps: list[str], days: list[dt.date]) -> dict[str, dict[dt.date, list[int]]]:
    """`kept_trend_days` of several steps in one read: {step: {day: values}} for the steps with every
    day kept."""
    found: dict[str, dict[dt.date, list[int]]] = defaultdict(dict)
    for step, day, values in TrendDay.objects.filter(step__in=steps, scope=scope_key(j), day__in=days).values_list("step", "day", "values"):
        found[step][day] = values
    return {step: rows for step, rows in found.items() if all(d in rows for d in days)}
