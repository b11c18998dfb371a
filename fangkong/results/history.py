"""A person's test history: every result from any source — a testing round's tube, an isolation
site's scheduled test, a hospital's test of a case — in one vocabulary (fangkong.results.choices).

Each domain app registers the source it keeps (`sources.register`, from its AppConfig.ready()), so
this layer reads no domain table itself. What the rules of the modules ask:
- `latest_result(person, before=…)`: the latest result that says something about the person — a
  negative (of a single or a pooled tube), or a positive of the person's own sample (a positive
  pooled tube is not the person's positive: they are re-tested alone);
- `negative_within(person, hours, at=…)`: that latest result is negative and was sampled within
  `hours` before `at` (orderly departure, vehicle passes, volunteers' field work, lifting an area).
Each has a set-based form for thousands of people at once (`latest_results`, `negatives_within`).
A result counts at `before` only if it was known by then (resulted at or before), so a decision can
be reproduced for a past time.

For a million people at once (every resident of 20,000 risk areas) a source also registers its
entries as a SQL relation (`Relation`), and `summary_sql` composes them into one query that a
caller joins in its own SQL: each person's latest own positive, latest negative and latest awaited
sample known by a time — the same reading of an entry as `TestEntry.decisive` and the Python forms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from .choices import Result


@dataclass(frozen=True)
class TestEntry:
    __test__ = False  # not a pytest test class

    person_id: int
    sampled_at: dt.datetime | None
    resulted_at: dt.datetime | None
    result: str  # a Result, or "" while awaited
    source: str  # the registered source's name ("round", "isolation", "case")
    label: str  # where it was taken, in the user's words ("第 8 轮全员核酸", "集中隔离第 3 天" …)
    ref: str = ""  # the record it comes from ("testing.tube:123")
    pooled: bool = False
    ct: float | None = None

    @property
    def at(self) -> dt.datetime | None:
        return self.sampled_at or self.resulted_at

    @property
    def decisive(self) -> bool:
        """It says something about the person: a negative, or a positive of their own sample."""
        return self.result == Result.NEGATIVE or (self.result == Result.POSITIVE and not self.pooled)

    def known_by(self, moment: dt.datetime | None) -> bool:
        if moment is None:
            return True
        return (self.at is None or self.at <= moment) and (self.resulted_at is None or self.resulted_at <= moment)


# fetch(person_ids, before) → the source's entries of those people, sampled before `before` (None: all)
Fetch = Callable[[Sequence[int], dt.datetime | None], Iterable[TestEntry]]
# relation(people) → SQL selecting the columns person_id, sampled_at, resulted_at, result, pooled (named so): the entries
# fetch returns when given a `before`, of the people whose ids the SQL subquery `people` selects.
Relation = Callable[[str], str]


@dataclass
class Sources:
    fetchers: dict[str, Fetch] = field(default_factory=dict)
    # Need-to-know: the capabilities that show a source's tests to a user on a person's record
    # (a hospital's test of a case needs cases.view); the rules above read every source.
    needs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    relations: dict[str, Relation] = field(default_factory=dict)

    def register(self, name: str, fetch: Fetch, *, need: tuple[str, ...] = (), relation: Relation | None = None) -> None:
        self.fetchers[name] = fetch
        self.needs[name] = tuple(need)
        if relation is not None:
            self.relations[name] = relation

    def entries(
        self, person_ids: Sequence[int], before: dt.datetime | None = None, *, names: Iterable[str] | None = None
    ) -> list[TestEntry]:
        """Every entry of those people known by `before`, from every source (or only the sources `names`)."""
        ids = sorted(set(person_ids))
        if not ids:
            return []
        wanted = self.fetchers if names is None else set(names)
        out = [e for name, fetch in self.fetchers.items() if name in wanted for e in fetch(ids, before) if e.known_by(before)]
        out.sort(key=lambda e: (e.person_id, e.at or dt.datetime.min.replace(tzinfo=dt.UTC), e.source, e.ref))
        return out


sources = Sources()


def _pk(person: Any) -> int:
    return person if isinstance(person, int) else person.pk


def test_history(person: Any, *, before: dt.datetime | None = None) -> list[TestEntry]:
    """Every test of one person, oldest first."""
    return sources.entries([_pk(person)], before)


test_history.__test__ = False  # type: ignore[attr-defined]


def latest_results(person_ids: Sequence[int], *, before: dt.datetime | None = None) -> dict[int, TestEntry]:
    """Each person's latest decisive result known by `before` (people without one are left out)."""
    latest: dict[int, TestEntry] = {}
    for e in sources.entries(person_ids, before):
        if e.decisive:
            latest[e.person_id] = e  # entries come oldest first
    return latest


def latest_result(person: Any, *, before: dt.datetime | None = None) -> TestEntry | None:
    return latest_results([_pk(person)], before=before).get(_pk(person))


def negatives_within(person_ids: Sequence[int], hours: float, *, at: dt.datetime | None = None) -> set[int]:
    """The people whose latest result known at `at` is negative and was sampled within `hours` before it."""
    at = at or timezone.now()
    since = at - dt.timedelta(hours=hours)
    return {
        pid
        for pid, e in latest_results(person_ids, before=at).items()
        if e.result == Result.NEGATIVE and e.at is not None and e.at >= since
    }


def negative_within(person: Any, hours: float, *, at: dt.datetime | None = None) -> bool:
    return _pk(person) in negatives_within([_pk(person)], hours, at=at)


@dataclass(frozen=True)
class Decisive:
    """A person's latest decisive result (as `latest_results` reads it): its result and its time."""

    result: str  # Result.NEGATIVE or Result.POSITIVE
    at: dt.datetime  # sampled (or, unsampled, resulted)


def latest_decisive(person_ids: Sequence[int], *, before: dt.datetime) -> dict[int, Decisive]:
    """`latest_results`' reading — each person's latest decisive result known by `before` — for
    tens of thousands of people: aggregated in SQL (`summary_sql`, a query per 10,000 people), not
    built into one TestEntry per test. People without a dated decisive result are left out (as
    `latest_results` leaves them out, or gives an entry without a time). A person whose latest own
    positive and latest negative were sampled at the same moment is read through `latest_results`,
    which settles such a tie by source and record."""
    from fangkong.core.sql import fetch_for_ids, read_datetime

    ids = sorted({int(i) for i in person_ids})
    if not ids:
        return {}
    summary, params = summary_sql("SELECT person_id FROM asked", before, people_ids=lambda: ids)
    sql = f"WITH asked AS (SELECT id AS person_id FROM ({{IDS}}) i) {summary}"
    out: dict[int, Decisive] = {}
    ties: list[int] = []
    for pid, positive, negative, _awaited in fetch_for_ids(sql, ids, params):
        positive, negative = read_datetime(positive), read_datetime(negative)
        if positive is not None and negative is not None and positive == negative:
            ties.append(pid)
        elif positive is not None and (negative is None or positive > negative):
            out[pid] = Decisive(Result.POSITIVE, positive)
        elif negative is not None:
            out[pid] = Decisive(Result.NEGATIVE, negative)
    for pid, e in latest_results(ties, before=before).items():
        if e.at is not None:
            out[pid] = Decisive(e.result, e.at)
    return out


# The columns of summary_sql's rows, after person_id.
SUMMARY_COLUMNS = ("last_positive_at", "last_negative_at", "last_awaited_at")


def _entries_sql(people: str, at: dt.datetime, *, people_ids: Callable[[], Sequence[int]]) -> tuple[str, list[Any]]:
    """SQL (and its parameters) of every entry of the people `people` selects known by `at`: person_id,
    `at` (the sampling time or, unsampled, the result time), result, pooled — from every source's
    relation, and the sources registered without one read through their fetch for `people_ids()`
    and inlined as literal rows."""
    from fangkong.core.sql import db_value

    parts = [relation(people) for name, relation in sources.relations.items() if name in sources.fetchers]
    params: list[Any] = []
    python_only = [name for name in sources.fetchers if name not in sources.relations]
    if python_only:
        pg = connection.vendor == "postgresql"
        one = (
            "SELECT %s::bigint AS person_id, %s::timestamptz AS sampled_at, %s::timestamptz AS resulted_at, %s::text AS result, "
            "%s::boolean AS pooled"
            if pg
            else "SELECT %s AS person_id, %s AS sampled_at, %s AS resulted_at, %s AS result, %s AS pooled"
        )
        for e in sources.entries(list(people_ids()), at, names=python_only):
            parts.append(one)
            params += [e.person_id, db_value(e.sampled_at), db_value(e.resulted_at), e.result, e.pooled]
    if not parts:
        parts.append("SELECT NULL AS person_id, NULL AS sampled_at, NULL AS resulted_at, NULL AS result, NULL AS pooled WHERE 1 = 0")
    union = " UNION ALL ".join(f"SELECT * FROM ({p}) s{i}" for i, p in enumerate(parts))
    sql = (
        f"SELECT person_id, at, result, pooled FROM (SELECT u.person_id, COALESCE(u.sampled_at, u.resulted_at) AS at, "
        f"u.resulted_at, u.result, u.pooled FROM ({union}) u) e "
        f"WHERE at IS NOT NULL AND at <= %s AND (resulted_at IS NULL OR resulted_at <= %s)"
    )
    return sql, [*params, db_value(at), db_value(at)]


_POSITIVE, _NEGATIVE = f"'{Result.POSITIVE.value}'", f"'{Result.NEGATIVE.value}'"


def summary_sql(people: str, at: dt.datetime, *, people_ids: Callable[[], Sequence[int]]) -> tuple[str, list[Any]]:
    """SQL (and its parameters) of one row per person with an entry known by `at`: person_id, then
    the sampling time (or, unsampled, the result time) of their latest positive of their own sample,
    of their latest negative, and of their latest sample still awaited (no result yet, or a positive
    pooled tube: they are re-tested alone). `people` is a SQL subquery selecting person ids (without
    parameters: the caller's CTE). A source registered without a relation (a test's) is read through
    its fetch for `people_ids()` and inlined as literal rows."""
    entries, params = _entries_sql(people, at, people_ids=people_ids)
    pos, neg = _POSITIVE, _NEGATIVE
    sql = (
        f"SELECT person_id, "
        f"MAX(CASE WHEN result = {pos} AND NOT pooled THEN at END) AS last_positive_at, "
        f"MAX(CASE WHEN result = {neg} THEN at END) AS last_negative_at, "
        f"MAX(CASE WHEN COALESCE(result, '') = '' OR (result = {pos} AND pooled) THEN at END) AS last_awaited_at "
        f"FROM ({entries}) k GROUP BY person_id"
    )
    return sql, params


def positives_sql(people: str, at: dt.datetime, *, people_ids: Callable[[], Sequence[int]]) -> tuple[str, list[Any]]:
    """summary_sql's `last_positive_at` alone, for the people with one (person_id, last_positive_at):
    the condition reaches each source's relation, so a database reads only the positive tests (a few
    hundred among millions of tubes) instead of summarising everyone's."""
    entries, params = _entries_sql(people, at, people_ids=people_ids)
    sql = f"SELECT person_id, MAX(at) AS last_positive_at FROM ({entries}) k WHERE result = {_POSITIVE} AND NOT pooled GROUP BY person_id"
    return sql, params
