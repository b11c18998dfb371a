"""Lifting by rule, computed for every area in force at once (a read: the services act on it).

Set-based: one SQL statement for all the areas — their residents (the people whose household lies
in one of its places, or whose grid, community, street or district is one of them), each resident's
tests from the person test history (fangkong.results.history.summary_sql, over the relations the
results sources register), each area's clock and the count of residents still missing from its
screening. Python then only dates each area's clock (20,000 rows at the height of an outbreak); the
people missing are listed (a second statement) only when asked for, for one area's page.

The clock (days counted on Beijing calendar days, by fangkong.policy.regimen with day 1 the day
after the start): it starts when the area's current level began (approval, or a downgrade) and
restarts on a new positive among its residents, by sampling time. On day N of the profile's rule
(risk.high_lift_clean_days …) the area may be lifted once every resident has a negative sampled
within the rule's screening window (its last risk.high_lift_screening_days days, through today);
what is missing is listed ("第5天筛查：3 人未出结果"). Due and still in force
risk.lift_overdue_days days after the day the rule was met (`LiftStatus.due_on`, kept by the review
when it marks the area: it does not move while the residents keep testing negative): overdue
(长时间不解封) from that day's Beijing midnight (`LiftStatus.overdue_since`), for supervision — the
one rule of the board, the flags, the lists, the alerts and the home page. A result counts once it
is known (resulted by the evaluation time), as everywhere in the test history.

The statement passes once over the (area, resident) pairs: each resident joined to their tests, the
area's latest own positive beside them (a window), the screening window's start computed per area
(per resident only in an area whose clock restarted). The review keeps each area's counted row
(LiftFigures); the board, lists, flags, alerts and home page read those (`stored=True`) and date
them again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fangkong.core.clock import now
from fangkong.core.sql import chunks, fetch_in, read_datetime, table
from fangkong.geo.models import Household, Person
from fangkong.policy.regimen import LOCAL_TZ, local_date, local_midnight, regimen_day
from fangkong.policy.rules import Rule
from fangkong.results.history import positives_sql, summary_sql

from .choices import AreaStatus, PlaceLevel
from .models import AreaResident, LiftFigures, RiskArea, RiskAreaPlace
from .rules import LiftRule, lift_rule, overdue_after

# The statement's hash tables (residents, their tests) held in memory for its transaction: at 20,000
# buildings (2.3 million residents) PostgreSQL's default 4 MB spilled every hash to disk in batches.
WORK_MEM = "256MB"
DAY_AFTER = "day_after_start"  # the clock's day 1 is the first calendar day after the start
# Stored figures (LiftFigures) older than this are not read: the review runs every 10 minutes.
STORED_FRESH_FOR = dt.timedelta(minutes=30)
# From this many areas the review counts in one pass over every stored resident (review_sql); fewer
# are counted over their own residents only (counts_sql).
REVIEW_WHOLE_FROM = 1000
_HOUSEHOLD_LEVELS = {PlaceLevel.UNIT: "unit_id", PlaceLevel.BUILDING: "building_id", PlaceLevel.COMPOUND: "compound_id"}
_PERSON_LEVELS = {
    PlaceLevel.GRID: "grid_id",
    PlaceLevel.COMMUNITY: "community_id",
    PlaceLevel.STREET: "street_id",
    PlaceLevel.DISTRICT: "district_id",
}
_RESIDENT_PARTS = len(_HOUSEHOLD_LEVELS) + len(_PERSON_LEVELS)  # the subquery `areas` appears once in each


def _residents_sql(areas: str) -> str:
    """SQL of the (area_id, person_id) pairs of the areas whose ids the subquery `areas` selects,
    each pair once: the people whose household lies in one of an area's places, or whose grid,
    community, street or district is one of them."""
    place, household, person = table(RiskAreaPlace), table(Household), table(Person)
    parts = [
        f"SELECT p.area_id, per.id AS person_id FROM {place} p JOIN {household} h ON h.{column} = p.place_id "
        f"JOIN {person} per ON per.household_id = h.id WHERE p.level = '{level.value}' AND p.area_id IN ({areas})"
        for level, column in _HOUSEHOLD_LEVELS.items()
    ]
    parts += [
        f"SELECT p.area_id, per.id AS person_id FROM {place} p JOIN {person} per ON per.{column} = p.place_id "
        f"WHERE p.level = '{level.value}' AND p.area_id IN ({areas})"
        for level, column in _PERSON_LEVELS.items()
    ]
    return " UNION ".join(parts)


def residents_of(area_ids: Sequence[int]) -> dict[int, set[int]]:
    """area id → the ids of the people living in it (one query)."""
    out: dict[int, set[int]] = {pk: set() for pk in area_ids}
    area = table(RiskArea)
    sql = f"WITH area AS (SELECT id FROM {area} WHERE id {{IN}}) {_residents_sql('SELECT id FROM area')}"
    for area_id, person_id in fetch_in(sql, list(area_ids)):
        out[area_id].add(person_id)
    return out


def residents_count(areas: QuerySet[RiskArea]) -> int:
    """How many people live in at least one of these areas (one statement, counted by the database)."""
    try:
        sub, sub_params = areas.order_by().values("id").query.sql_with_params()
    except EmptyResultSet:  # .none() or an empty filter
        return 0
    sql = f"SELECT COUNT(DISTINCT person_id) FROM ({_residents_sql(sub)}) r"
    with connection.cursor() as cur:
        cur.execute(sql, list(sub_params) * _RESIDENT_PARTS)
        return int(cur.fetchone()[0] or 0)


def _window_start(clock_start: str, window_day: str) -> str:
    """SQL of the start of the screening window: Beijing midnight of day `window_day` of a clock
    started at `clock_start` (PostgreSQL: a timestamptz, so that each resident's test compares as
    a plain timestamp; SQLite: a Julian day number)."""
    if connection.vendor == "postgresql":
        return f"(((({clock_start}) AT TIME ZONE '{LOCAL_TZ.key}')::date + {window_day})::timestamp AT TIME ZONE '{LOCAL_TZ.key}')"
    return f"(julianday(django_datetime_cast_date({clock_start}, '{LOCAL_TZ.key}', 'UTC')) + {window_day})"


def _since(expr: str, window: str) -> str:
    """SQL: the timestamp `expr` falls on or after the window's start (see _window_start)."""
    if connection.vendor == "postgresql":
        return f"{expr} >= {window}"
    return f"julianday(django_datetime_cast_date({expr}, '{LOCAL_TZ.key}', 'UTC')) >= {window}"


def _window_day(rule: LiftRule | None) -> int:
    """The day of the clock from which a screening sample counts (0: the rule asks no screening)."""
    if rule is None or not rule.screening_days:
        return 0
    return max(1, rule.clean_days - rule.screening_days + 1)


# A resident's standing in their area's screening (the `missing` column).
_SCREENED, _AWAITED, _UNSAMPLED = 0, 1, 2


def _in_force_ids() -> list[int]:
    return list(RiskArea.objects.filter(status=AreaStatus.IN_FORCE).values_list("pk", flat=True))


def stored_residents_differ() -> tuple[int, int]:
    """The stored residents (AreaResident) against the registry's, for every area in force: (pairs
    missing from the table, pairs in it that should not be) — (0, 0) when the triggers kept it."""
    ids = _in_force_ids()
    if not ids:
        return 0, AreaResident.objects.count()
    sub = f"SELECT id FROM {table(RiskArea)} WHERE status = '{AreaStatus.IN_FORCE.value}'"
    live, stored = f"({_residents_sql(sub)})", f"(SELECT area_id, person_id FROM {table(AreaResident)})"
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM (SELECT * FROM {live} l EXCEPT SELECT * FROM {stored} s) x")
        missing = int(cur.fetchone()[0])
        cur.execute(f"SELECT COUNT(*) FROM (SELECT * FROM {stored} s EXCEPT SELECT * FROM {live} l) x")
        extra = int(cur.fetchone()[0])
    return missing, extra


@transaction.atomic
def stored_residents_rebuild() -> int:
    """Write the stored residents again from the registry (after a load that bypassed the triggers);
    returns the number of pairs."""
    sub = f"SELECT id FROM {table(RiskArea)} WHERE status = '{AreaStatus.IN_FORCE.value}'"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # As the area triggers do: registrations committed before are read, later ones wait, so no
            # person moves between the read and the write (and the triggers' own inserts cannot collide).
            cur.execute(f"LOCK TABLE {table(Person)}, {table(Household)} IN SHARE MODE")
        AreaResident.objects.all().delete()
        pairs = f"SELECT DISTINCT area_id, person_id FROM ({_residents_sql(sub)}) r"
        cur.execute(f"INSERT INTO {table(AreaResident)} (area_id, person_id) {pairs}")
    return AreaResident.objects.count()


def _stored_residents_sql(areas: str) -> str:
    """SQL of the same pairs as _residents_sql, read from the table the database keeps (AreaResident,
    decision 0011): a plain scan instead of the registry's joins."""
    return f"SELECT area_id, person_id FROM {table(AreaResident)} WHERE area_id IN ({areas})"


def _area_sql(rules: dict[str, LiftRule | None], restart: str | None = None) -> str:
    """SQL of the areas whose ids {IN} selects: id, the clock's start (approval or change of level),
    the rule's screening day and the start of its window on a clock not restarted. With `restart`
    (SQL of area_id, area_pos: each area's latest own positive among its residents), the clock
    restarts on a later positive: `start` and the window are those of the clock as it runs now.

    PostgreSQL: the subquery is kept apart (OFFSET 0), so the window's start is computed once per
    area, not again for each resident joined to it (its time zone arithmetic cost a quarter of the
    review's CPU)."""
    windows = " ".join(f"WHEN '{c}' THEN {_window_day(r)}" for c, r in rules.items())
    areas = (
        f"SELECT id, COALESCE(level_since, in_force_at) AS start, CASE area_class {windows} ELSE 0 END AS window_day "
        f"FROM {table(RiskArea)} WHERE id {{IN}}"
    )
    if restart is not None:
        areas = (
            "SELECT x.id, CASE WHEN p.area_pos > x.start THEN p.area_pos ELSE x.start END AS start, x.window_day "
            f"FROM ({areas}) x LEFT JOIN ({restart}) p ON p.area_id = x.id"
        )
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    return f"SELECT id, start, window_day, {_window_start('start', 'window_day')} AS window_from FROM ({areas}) a{fence}"


def _judged_sql(
    rules: dict[str, LiftRule | None], area_ids: Sequence[int], at: dt.datetime, *, stored_residents: bool = False
) -> tuple[str, list]:
    """The statement's common part and the parameters after its one {IN} (the area ids): a row per
    (area, resident) — or one row without a person for an area without residents — with the area's
    latest own positive among its residents, the resident's latest negative, and whether they are
    screened (or no screening is asked), awaited or unsampled.

    One pass over the pairs: the area's latest own positive is a window over its residents, and the
    screening window's start is computed once per area (`area.window_from`) unless the clock
    restarted, so most residents cost one join and two comparisons. `stored_residents`: the pairs
    from AreaResident (the review and the stored readers) instead of the registry (live)."""
    tests, params = summary_sql(
        "SELECT person_id FROM resident", at, people_ids=lambda: sorted(set().union(*residents_of(area_ids).values()))
    )
    sql = (
        f"WITH area AS ({_area_sql(rules)}), "
        f"resident AS ({(_stored_residents_sql if stored_residents else _residents_sql)('SELECT id FROM area')}), "
        # Each resident with their tests, and their area's latest own positive (the clock's restart):
        # one pass over the (area, resident) pairs.
        "joined AS (SELECT r.area_id, r.person_id, t.last_negative_at AS neg, t.last_awaited_at AS awaited, "
        "MAX(t.last_positive_at) OVER (PARTITION BY r.area_id) AS area_pos "
        f"FROM resident r LEFT JOIN ({tests}) t ON t.person_id = r.person_id), "
        f"judged AS (SELECT a.id AS area_id, j.person_id, j.neg, j.area_pos, j.awaited, a.window_day, "
        f"CASE WHEN j.area_pos > a.start THEN {_window_start('j.area_pos', 'a.window_day')} ELSE a.window_from END AS window_from "
        "FROM area a LEFT JOIN joined j ON j.area_id = a.id), "
        "standing AS (SELECT area_id, person_id, neg, area_pos, "
        f"CASE WHEN person_id IS NULL OR window_day = 0 THEN {_SCREENED} "
        f"WHEN {_since('neg', 'window_from')} THEN {_SCREENED} "
        f"WHEN {_since('awaited', 'window_from')} THEN {_AWAITED} ELSE {_UNSAMPLED} END AS missing FROM judged) "
    )
    return sql, params


@dataclass
class LiftStatus:
    area_id: int
    rule: LiftRule | None
    clock_start: dt.datetime
    last_positive_at: dt.datetime | None
    today: dt.date
    residents: int = 0
    day: int = 0  # today's day of the clock (0: the start day)
    lift_on: dt.date | None = None  # day N of the rule: the earliest lifting date
    screening_from: dt.date | None = None  # the first day a screening sample counts
    awaited_count: int = 0  # sampled in the window, result not yet known
    unsampled_count: int = 0  # no sample in the window
    awaited: list[int] = field(default_factory=list)  # who (listed only when asked: lifting_status)
    unsampled: list[int] = field(default_factory=list)
    due: bool = False
    proposed: bool = False  # the review marked it due on this clock, by `at` (clock_start <= lift_proposed_at <= at)
    due_on: dt.date | None = None  # the day the rule was met (due; _due_on): fixed once the review marked it
    overdue_days: int = 0  # risk.lift_overdue_days as applied (at least 1)
    overdue_since: dt.datetime | None = None  # due: the Beijing midnight `overdue_days` after due_on
    overdue: bool = False  # due and past overdue_since (长时间不解封)
    overdue_rule: str = ""
    as_of: dt.datetime | None = None  # when the screening counts were read (stored figures: the last review)

    @property
    def clean_days(self) -> int:
        return self.day

    @property
    def missing(self) -> list[int]:
        return self.awaited + self.unsampled

    @property
    def missing_count(self) -> int:
        return self.awaited_count + self.unsampled_count

    @property
    def screening_open(self) -> bool:
        return self.screening_from is not None and self.today >= self.screening_from

    @property
    def summary(self) -> str:
        """What is still missing, in the user's words ("" when nothing is)."""
        if self.rule is None:
            return ""
        n = self.rule.clean_days
        parts: list[str] = []
        if self.lift_on and self.today < self.lift_on:
            parts.append(_("连续无新增 %(d)s/%(n)s 天（%(on)s 满 %(n)s 天）") % {"d": self.day, "n": n, "on": self.lift_on.isoformat()})
        if self.rule.screening_days:
            if not self.screening_open:
                parts.append(
                    _("第%(n)s天筛查：%(from)s 起采样") % {"n": n, "from": self.screening_from.isoformat() if self.screening_from else "—"}
                )
            elif self.missing_count:
                bits = []
                if self.awaited_count:
                    bits.append(_("%(c)s 人未出结果") % {"c": self.awaited_count})
                if self.unsampled_count:
                    bits.append(_("%(c)s 人未采样") % {"c": self.unsampled_count})
                parts.append(_("第%(n)s天筛查：%(what)s") % {"n": n, "what": "，".join(bits)})
        return "；".join(parts)


@dataclass(frozen=True)
class _Counted:
    """One area's row of the statement."""

    residents: int
    last_positive_at: dt.datetime | None
    last_negative_at: dt.datetime | None
    awaited: int
    unsampled: int
    as_of: dt.datetime | None = None  # stored figures: when the review read them


def _due_on(area: RiskArea, s: LiftStatus, counted: _Counted) -> dt.date | None:
    """The day a due area's rule was met, 长时间不解封's day 0 — for every reader (the board, the flags,
    the lists, the alerts, the home page, the area's page).

    Once the review has marked the area due on its current clock (`s.proposed`), the day it found
    then (RiskArea.lift_due_on). It must not move while the area stays due: a sealed area's
    residents are tested every day, so the latest negative among them is always today's. (The exact
    day — each resident's earliest negative in the screening window, the latest of those — would
    need every resident's tests joined to their area's window before they are summarised: the
    person summary (results.history.summary_sql) keeps only each one's latest negative.)

    Before the review's mark (it runs every 10 minutes), or a mark without its day (written by
    other hands; the next review adds it): the day of the latest negative among the residents when
    the rule asks a screening — the one that completed it, unless a newer one came in since — and
    no earlier than day N (lift_on). The review keeps this day with its mark, in the transaction
    that writes the figures the board, the flags and the alerts read (LiftFigures)."""
    if not s.due:
        return None
    if s.proposed and area.lift_due_on is not None:
        return area.lift_due_on
    last_neg = counted.last_negative_at
    if s.rule is not None and s.rule.screening_days and last_neg and s.lift_on:
        return max(s.lift_on, local_date(last_neg))
    return s.lift_on


def _status(area: RiskArea, rule: LiftRule | None, counted: _Counted, at: dt.datetime, grace: Rule) -> LiftStatus:
    start = area.level_since or area.in_force_at or at
    last_pos = counted.last_positive_at
    clock_start = max(start, last_pos) if last_pos else start
    today = local_date(at)
    s = LiftStatus(area.pk, rule, clock_start, last_pos, today, residents=counted.residents, as_of=counted.as_of or at)
    s.day = max(0, (today - local_date(clock_start)).days)
    if rule is None:
        return s
    s.lift_on = regimen_day(clock_start, rule.clean_days, convention=DAY_AFTER)
    if rule.screening_days:
        s.screening_from = s.lift_on - dt.timedelta(days=rule.screening_days - 1)
        s.awaited_count, s.unsampled_count = counted.awaited, counted.unsampled
    s.due = today >= s.lift_on and not s.missing_count
    s.proposed = area.lift_proposed_at is not None and clock_start <= area.lift_proposed_at <= at
    s.due_on = _due_on(area, s, counted)
    if s.due_on is not None:
        # The one rule of 长时间不解封, read by the board, the flags, the lists and the alerts.
        s.overdue_days = max(1, int(grace.value or 0))
        s.overdue_since = local_midnight(s.due_on + dt.timedelta(days=s.overdue_days))
        s.overdue = at >= s.overdue_since
        s.overdue_rule = grace.citation
    return s


def counts_sql(
    rules: dict[str, LiftRule | None], area_ids: Sequence[int], at: dt.datetime, *, stored_residents: bool = False
) -> tuple[str, list]:
    """The statement of lifting_statuses (its {IN}: the area ids; the parameters after it): per area,
    its residents, latest own positive and latest negative among them, awaited and unsampled."""
    judged, params = _judged_sql(rules, area_ids, at, stored_residents=stored_residents)
    sql = (
        f"{judged} SELECT area_id, COUNT(person_id), MAX(area_pos), MAX(neg), "
        f"SUM(CASE WHEN missing = {_AWAITED} THEN 1 ELSE 0 END), SUM(CASE WHEN missing = {_UNSAMPLED} THEN 1 ELSE 0 END) "
        "FROM standing GROUP BY area_id"
    )
    return sql, params


def _evaluate(
    live: Sequence[RiskArea], rules: dict[str, LiftRule | None], at: dt.datetime, *, stored_residents: bool = False
) -> dict[int, _Counted]:
    """The statement over the areas `live`: each one's counted row."""
    ids = [a.pk for a in live]
    counts, params = counts_sql(rules, ids, at, stored_residents=stored_residents)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
                # Compiling this statement's expressions (JIT) cost a third of its CPU at 1 M people.
                cur.execute("SET LOCAL jit = off")
        rows = fetch_in(counts, ids, params_after=params)
    return {
        area_id: _Counted(int(residents), read_datetime(pos), read_datetime(neg), int(awaited or 0), int(unsampled or 0))
        for area_id, residents, pos, neg, awaited, unsampled in rows
    }


def review_sql(rules: dict[str, LiftRule | None], at: dt.datetime) -> tuple[str, list]:
    """The review's statement (its {IN}: the area ids; the parameters after it): per area with
    residents, as counts_sql — but over the stored residents (AreaResident) in one pass without a
    window function or a shared CTE, so PostgreSQL may plan it in parallel. Each area's clock is
    dated first from its residents' own positives alone (history.positives_sql: the few positive
    tests, not everyone's), so each resident is judged against the window of the clock as it runs
    now, restarted or not."""
    residents = table(AreaResident)
    people = f"SELECT person_id FROM {residents}"

    def people_ids() -> list[int]:
        return sorted(set(AreaResident.objects.values_list("person_id", flat=True)))

    positives, restart_params = positives_sql(people, at, people_ids=people_ids)
    tests, params = summary_sql(people, at, people_ids=people_ids)
    restart = (
        f"SELECT r.area_id, MAX(p.last_positive_at) AS area_pos FROM {residents} r "
        f"JOIN ({positives}) p ON p.person_id = r.person_id GROUP BY r.area_id"
    )
    screened = f"a.window_day = 0 OR {_since('t.last_negative_at', 'a.window_from')}"
    awaited = _since("t.last_awaited_at", "a.window_from")
    sql = (
        "SELECT r.area_id, COUNT(*), MAX(t.last_positive_at), MAX(t.last_negative_at), "
        f"SUM(CASE WHEN {screened} THEN 0 WHEN {awaited} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {screened} THEN 0 WHEN {awaited} THEN 0 ELSE 1 END) "
        f"FROM ({_area_sql(rules, restart)}) a JOIN {residents} r ON r.area_id = a.id "
        f"LEFT JOIN ({tests}) t ON t.person_id = r.person_id GROUP BY r.area_id"
    )
    return sql, [*restart_params, *params]


def _review(live: Sequence[RiskArea], rules: dict[str, LiftRule | None], at: dt.datetime) -> dict[int, _Counted]:
    """Each area's counted row from the stored residents: review_sql for all (one statement for all
    the areas on PostgreSQL). Fewer areas than REVIEW_WHOLE_FROM: counts_sql alone (review_sql
    summarises the tests of every resident of every area in force, which a board's few areas
    without fresh figures should not pay for)."""
    if len(live) < REVIEW_WHOLE_FROM:
        return _evaluate(live, rules, at, stored_residents=True)
    ids = [a.pk for a in live]
    sql, params = review_sql(rules, at)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
                cur.execute("SET LOCAL jit = off")
        rows = fetch_in(sql, ids, params_after=params, pg_chunk=max(1, len(ids)))
    empty = _Counted(0, None, None, 0, 0)
    out = dict.fromkeys(ids, empty)
    for area_id, residents, pos, neg, awaited, unsampled in rows:
        out[area_id] = _Counted(int(residents), read_datetime(pos), read_datetime(neg), int(awaited or 0), int(unsampled or 0))
    return out


def _stored(live: Sequence[RiskArea], at: dt.datetime) -> dict[int, _Counted]:
    """The figures the last review stored for these areas, where they are fresh at `at`: evaluated
    at most STORED_FRESH_FOR before it (not after it: a past time is evaluated), and after the
    area's clock began (approval or a change of level)."""
    starts = {a.pk: a.level_since or a.in_force_at for a in live}
    out = {}
    for ids in chunks(starts):
        fresh = LiftFigures.objects.filter(area_id__in=ids, evaluated_at__lte=at, evaluated_at__gte=at - STORED_FRESH_FOR)
        for f in fresh:
            start = starts[f.area_id]
            if start is None or f.evaluated_at >= start:
                out[f.area_id] = _Counted(f.residents, f.last_positive_at, f.last_negative_at, f.awaited, f.unsampled, f.evaluated_at)
    return out


def store_figures(counted: dict[int, _Counted], at: dt.datetime) -> None:
    """Keep what the review found (one statement), for the readers with `stored=True`."""
    rows = [
        LiftFigures(
            area_id=pk,
            evaluated_at=at,
            residents=c.residents,
            last_positive_at=c.last_positive_at,
            last_negative_at=c.last_negative_at,
            awaited=c.awaited,
            unsampled=c.unsampled,
        )
        for pk, c in counted.items()
    ]
    fields = ["evaluated_at", "residents", "last_positive_at", "last_negative_at", "awaited", "unsampled"]
    LiftFigures.objects.bulk_create(rows, batch_size=2000, update_conflicts=True, unique_fields=["area"], update_fields=fields)


def lifting_statuses(
    areas: Sequence[RiskArea], *, at: dt.datetime | None = None, people: bool = False, stored: bool = False, keep: bool = False
) -> dict[int, LiftStatus]:
    """The lifting clock of each area (areas in force; others are skipped), in one statement; with
    `people`, who is missing from each screening too (a second one).

    `stored`: read the figures the last review kept where they are fresh (LiftFigures; the
    board, lists and flags), evaluating only the other areas; the screening counts are then as of
    that review (`as_of`), at most minutes old — an area can show as due a review later, never
    earlier. `keep`: store what was evaluated (the review). With `stored` or `keep` the residents
    are read from AreaResident (kept by the database); without, from the registry (live: the area
    page and the lifting service)."""
    at = at or now()
    live = [a for a in areas if a.status == AreaStatus.IN_FORCE and a.in_force_at is not None and a.in_force_at <= at]
    if not live:
        return {}
    rules = {c: lift_rule(c) for c in {a.area_class for a in live}}
    counted = _stored(live, at) if stored and not people else {}
    rest = [a for a in live if a.pk not in counted]
    if rest:
        fresh = _review(rest, rules, at) if (stored or keep) and not people else _evaluate(rest, rules, at)
        if keep:
            store_figures(fresh, at)
        counted.update(fresh)
    grace = overdue_after()  # read once: the profile's rule, not a query per area
    out = {a.pk: _status(a, rules[a.area_class], counted[a.pk], at, grace) for a in live}
    if people:
        ids = [a.pk for a in live]
        judged, params = _judged_sql(rules, ids, at)
        listed = f"{judged} SELECT area_id, person_id, missing FROM standing WHERE missing > {_SCREENED} ORDER BY area_id, person_id"
        for area_id, person_id, missing in fetch_in(listed, ids, params_after=params):
            s = out[area_id]
            if s.rule is not None and s.rule.screening_days:
                (s.awaited if missing == _AWAITED else s.unsampled).append(person_id)
    return out


def lifting_status(area: RiskArea, *, at: dt.datetime | None = None) -> LiftStatus | None:
    """One area's clock, with the people missing from its screening."""
    return lifting_statuses([area], at=at, people=True).get(area.pk)


def marked_due(areas: QuerySet[RiskArea], *, at: dt.datetime) -> list[tuple[RiskArea, LiftStatus]]:
    """The areas of `areas` the review marked due to lift (`lift_proposed_at`, at or before `at`) that
    are due by their clock at `at`, each with its clock (the stored figures, as the board reads them):
    the alerts' and the home page's. The mark is an index of the few candidates, kept by the review
    (set when an area falls due, cleared when it no longer is); due and overdue are the clock's
    (LiftStatus.due, overdue, overdue_since), the rule of the board and the flags. Set-based: one
    query for the areas, then lifting_statuses for all of them at once (none when nothing is marked)."""
    marked = list(areas.filter(status=AreaStatus.IN_FORCE, lift_proposed_at__isnull=False, lift_proposed_at__lte=at))
    statuses = lifting_statuses(marked, at=at, stored=True)
    return [(a, s) for a in marked if (s := statuses.get(a.pk)) is not None and s.due]
