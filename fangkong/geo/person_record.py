"""One record per person (一人一档): where a person stands now, and everything that happened to them —
tests from any source, controls and re-sampling, cases and transfers, isolation, contact links —
as one timeline, within the viewer's need-to-know.

Each domain app registers the sections it keeps (`sections.register`, from its AppConfig.ready()), so
this layer reads no domain table; the current state comes from fangkong.geo.person_states. A section
(and a state source) shows only to a user who holds every capability it needs; for the others the
record names what is withheld (templates/components/_withheld.html), whether or not there is
anything in it, so a withheld section tells nothing about the person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.modules import registry
from fangkong.core.permissions import user_can
from fangkong.policy.regimen import period_day_number

from .person_states import PersonState, StateKind, states

# How many entries the record shows before "show all".
RECORD_CAP = 50


@dataclass(frozen=True)
class Entry:
    """One thing that happened to the person, in the user's words."""

    at: dt.datetime
    kind: str  # what happened, for the icon and tests ("test", "case_opened", "checked_in" …)
    label: str
    detail: str = ""
    actor: str = ""
    link: str = ""  # a page about it the viewer may open ("" if none)
    tone: str = ""  # "danger" (a positive), "success" (a release) or ""
    order: int = 0  # ties at the same time keep the loop's order


# fetch(user, person) → the section's entries for that person, as far as the user's scope goes
FetchEntries = Callable[[Any, Any], Iterable[Entry]]


@dataclass(frozen=True)
class Section:
    key: str
    title: Any  # lazy text
    icon: str  # a bootstrap icon
    fetch: FetchEntries
    need: tuple[str, ...] = ()  # the capabilities that show it (need-to-know)
    order: int = 0


@dataclass
class Sections:
    items: dict[str, Section] = field(default_factory=dict)

    def register(self, section: Section) -> None:
        self.items[section.key] = section

    def ordered(self) -> list[Section]:
        return sorted(self.items.values(), key=lambda s: (s.order, s.key))


sections = Sections()


def _refusal(user: Any, need: Iterable[str]) -> str:
    for capability in need:
        if not user_can(user, capability):
            return str(registry.capability(capability).refusal)
    return ""


# The state that heads the record, most pressing first.
_HEADING_ORDER = (
    StateKind.CASE,
    StateKind.CENTRAL_ISOLATION,
    StateKind.AWAITING_ISOLATION,
    StateKind.HOME_ISOLATION,
    StateKind.IN_PLACE_CONTROL,
    StateKind.HEALTH_MONITORING,
)


@dataclass(frozen=True)
class StateLine:
    text: str  # "在集中隔离 · 如家酒店 503 · 第 3 天", or "无管控"
    kind: str  # the StateKind, "" when under no control
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass
class CurrentState:
    lines: list[StateLine]  # the heading first; empty: no control known to the viewer
    withheld: list[str]  # the refusals of the state sources the viewer may not see

    @property
    def heading(self) -> StateLine:
        if self.lines:
            return self.lines[0]
        if self.withheld:
            return StateLine(_("在您可查看的范围内无管控"), "")
        return StateLine(_("无管控"), "")


def state_line(state: PersonState, at: dt.datetime) -> StateLine:
    """The state in a few words, with the day of its period where it has one (policy.regimen's rule)."""
    text = state.headline or state.label
    if state.days and state.until is not None:
        text = _("%(state)s · 第 %(n)s 天") % {"state": text, "n": period_day_number(state.until, state.days, at)}
    return StateLine(text, state.kind, state.since, state.until)


def current_state(user: Any, person: Any, *, at: dt.datetime | None = None) -> CurrentState:
    """Where the person stands at `at` (now), from the state sources the user may see."""
    at = at or timezone.now()
    shown = [name for name, need in states.needs.items() if not _refusal(user, need)]
    withheld = [r for r in dict.fromkeys(_refusal(user, need) for need in states.needs.values()) if r]
    held = states.at([person.pk], at, names=shown).get(person.pk, [])
    rank = {kind: i for i, kind in enumerate(_HEADING_ORDER)}
    held = sorted(held, key=lambda s: (rank.get(s.kind, len(rank)), s.since or at))
    return CurrentState([state_line(s, at) for s in held], withheld)


@dataclass(frozen=True)
class RecordEntry:
    entry: Entry
    section: Section


@dataclass
class PersonRecord:
    state: CurrentState
    entries: list[RecordEntry]  # newest first, capped unless everything was asked for
    total: int
    withheld: list[tuple[Any, str]]  # (section title, refusal) of the sections the viewer may not see
    capped: bool = False


def person_record(user: Any, person: Any, *, everything: bool = False, at: dt.datetime | None = None) -> PersonRecord:
    """The person's record as `user` may see it: the current state, and every section's entries as
    one timeline, newest first (the latest RECORD_CAP unless `everything`). Each section reads with a
    fixed number of queries, whatever the length of the history."""
    entries: list[RecordEntry] = []
    withheld: list[tuple[Any, str]] = []
    for section in sections.ordered():
        refusal = _refusal(user, section.need)
        if refusal:
            withheld.append((section.title, refusal))
            continue
        entries.extend(RecordEntry(e, section) for e in section.fetch(user, person))
    entries.sort(key=lambda r: (r.entry.at, r.section.order, r.entry.order), reverse=True)
    total = len(entries)
    capped = not everything and total > RECORD_CAP
    return PersonRecord(
        state=current_state(user, person, at=at),
        entries=entries[:RECORD_CAP] if capped else entries,
        total=total,
        withheld=withheld,
        capped=capped,
    )
