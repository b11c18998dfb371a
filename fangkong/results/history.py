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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class Sources:
    fetchers: dict[str, Fetch] = field(default_factory=dict)
    # Need-to-know: the capabilities that show a source's tests to a user on a person's record
    # (a hospital's test of a case needs cases.view); the rules above read every source.
    needs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def register(self, name: str, fetch: Fetch, *, need: tuple[str, ...] = ()) -> None:
        self.fetchers[name] = fetch
        self.needs[name] = tuple(need)

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
