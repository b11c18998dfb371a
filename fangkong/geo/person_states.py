"""Where a person stands at a time — in central isolation, isolated at home, under in-place control,
under treatment, in home health monitoring — from every module that holds people, in one place.

Each domain app registers what it keeps (`states.register`, from its AppConfig.ready()); this layer
reads no domain table. Used to decide where a positive was found (fangkong.zoning.found_in), to
head a person's record with their current state, and by the rules that refuse someone under
isolation or treatment (orderly departure, volunteers' field work).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class StateKind(models.TextChoices):
    CENTRAL_ISOLATION = "central_isolation", _("集中隔离")
    HOME_ISOLATION = "home_isolation", _("居家隔离")
    AWAITING_ISOLATION = "awaiting_isolation", _("待转运隔离")
    IN_PLACE_CONTROL = "in_place_control", _("就地管控")
    CASE = "case", _("病例（在管）")
    HEALTH_MONITORING = "health_monitoring", _("居家健康监测")


# States in which a person is kept apart (isolated or controlled) at the time.
CONTROLLED_STATES = frozenset(
    {StateKind.CENTRAL_ISOLATION, StateKind.HOME_ISOLATION, StateKind.IN_PLACE_CONTROL, StateKind.CASE, StateKind.HEALTH_MONITORING}
)

# States that keep a person where they are: they may not leave the city (fangkong.movement.eligibility)
# nor do volunteers' field work (fangkong.volunteers.fitness) — those kept apart, and those awaiting transfer.
BARRED_STATES = CONTROLLED_STATES | {StateKind.AWAITING_ISOLATION}


@dataclass(frozen=True)
class PersonState:
    person_id: int
    kind: str  # a StateKind
    label: str  # in the user's words, e.g. "集中隔离 · 如家酒店 503"
    since: dt.datetime | None = None
    until: dt.datetime | None = None  # when it ends as scheduled (None: open)
    ref: str = ""  # the record it comes from ("isolation.isolationepisode:12")
    place: str = ""  # where (a site, a facility), for a found-in basis
    headline: str = ""  # in a few words, for the top of the person's record ("在集中隔离 · 如家酒店 503"); default: label
    days: int | None = None  # a period of so many regimen days ending at `until`: the record says which day it is


# fetch(person_ids, at) → the states of those people in force at `at`
Fetch = Callable[[Sequence[int], dt.datetime], Iterable[PersonState]]


@dataclass
class States:
    fetchers: dict[str, Fetch] = field(default_factory=dict)
    # Need-to-know: the capabilities that show a source's states to a user (e.g. cases.view).
    needs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def register(self, name: str, fetch: Fetch, *, need: tuple[str, ...] = ()) -> None:
        self.fetchers[name] = fetch
        self.needs[name] = tuple(need)

    def at(self, person_ids: Sequence[int], moment: dt.datetime, *, names: Iterable[str] | None = None) -> dict[int, list[PersonState]]:
        """The states in force at `moment`, from every source (or only the sources `names`)."""
        ids = sorted(set(person_ids))
        out: dict[int, list[PersonState]] = defaultdict(list)
        if not ids:
            return out
        wanted = self.fetchers if names is None else set(names)
        for name, fetch in self.fetchers.items():
            if name not in wanted:
                continue
            for state in fetch(ids, moment):
                out[state.person_id].append(state)
        return out


states = States()


def states_at(person: Any, moment: dt.datetime) -> list[PersonState]:
    pk = person if isinstance(person, int) else person.pk
    return states.at([pk], moment).get(pk, [])
