"""Lifting by rule, computed for every area in force at once (a read: the services act on it).

For each area: its residents (the people whose household lies in one of its places, or whose
grid, community, street or district is one of them), read set-based in one query per place level;
their tests from the person test history (fangkong.results.history), read once for everyone; then
one pass over (area, resident) pairs. No query per area, none per person.

The clock (days counted on Beijing calendar days, by fangkong.policy.regimen with day 1 the day
after the start): it starts when the area's current level began (approval, or a downgrade) and
restarts on a new positive among its residents, by sampling time. On day N of the profile's rule
(risk.high_lift_clean_days …) the area may be lifted once every resident has a negative sampled
within the rule's screening window (its last risk.high_lift_screening_days days, through today);
what is missing is listed ("第5天筛查：3 人未出结果"). Due and still in force
risk.lift_overdue_days days later: overdue (长时间不解封), for supervision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from fangkong.core.clock import now
from fangkong.core.sql import fetch_in, table
from fangkong.geo.models import Household, Person
from fangkong.policy.regimen import local_date, regimen_day
from fangkong.results.choices import Result
from fangkong.results.history import sources

from .choices import AreaStatus, PlaceLevel
from .models import RiskArea, RiskAreaPlace
from .rules import LiftRule, lift_rule, overdue_after

DAY_AFTER = "day_after_start"  # the clock's day 1 is the first calendar day after the start
_HOUSEHOLD_LEVELS = {PlaceLevel.UNIT: "unit_id", PlaceLevel.BUILDING: "building_id", PlaceLevel.COMPOUND: "compound_id"}
_PERSON_LEVELS = {
    PlaceLevel.GRID: "grid_id",
    PlaceLevel.COMMUNITY: "community_id",
    PlaceLevel.STREET: "street_id",
    PlaceLevel.DISTRICT: "district_id",
}


def residents_of(area_ids: Sequence[int]) -> dict[int, set[int]]:
    """area id → the ids of the people living in it (set-based: one query per place level)."""
    out: dict[int, set[int]] = {pk: set() for pk in area_ids}
    place, household, person = table(RiskAreaPlace), table(Household), table(Person)
    rows: list[tuple] = []
    for level, column in _HOUSEHOLD_LEVELS.items():
        rows += fetch_in(
            f"SELECT p.area_id, per.id FROM {place} p JOIN {household} h ON h.{column} = p.place_id "
            f"JOIN {person} per ON per.household_id = h.id WHERE p.level = %s AND p.area_id {{IN}}",
            list(area_ids),
            [str(level)],
        )
    for level, column in _PERSON_LEVELS.items():
        rows += fetch_in(
            f"SELECT p.area_id, per.id FROM {place} p JOIN {person} per ON per.{column} = p.place_id "
            f"WHERE p.level = %s AND p.area_id {{IN}}",
            list(area_ids),
            [str(level)],
        )
    for area_id, person_id in rows:
        out[area_id].add(person_id)
    return out


@dataclass
class PersonTests:
    """What the lifting rule needs of one person's test history, as of the evaluation time."""

    last_positive_at: dt.datetime | None = None
    last_negative_at: dt.datetime | None = None
    last_awaited_at: dt.datetime | None = None


def _tests(person_ids: Iterable[int], at: dt.datetime) -> dict[int, PersonTests]:
    out: dict[int, PersonTests] = {}
    for e in sources.entries(sorted(set(person_ids)), at):
        if e.at is None:
            continue
        t = out.setdefault(e.person_id, PersonTests())
        if e.result == Result.POSITIVE and not e.pooled:
            t.last_positive_at = max(t.last_positive_at or e.at, e.at)
        elif e.result == Result.NEGATIVE:
            t.last_negative_at = max(t.last_negative_at or e.at, e.at)
        elif not e.result or (e.result == Result.POSITIVE and e.pooled):  # awaited, or a pooled positive re-tested alone
            t.last_awaited_at = max(t.last_awaited_at or e.at, e.at)
    return out


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
    awaited: list[int] = field(default_factory=list)  # sampled in the window, result not yet known
    unsampled: list[int] = field(default_factory=list)  # no sample in the window
    due: bool = False
    due_on: dt.date | None = None
    overdue: bool = False
    overdue_rule: str = ""

    @property
    def clean_days(self) -> int:
        return self.day

    @property
    def missing(self) -> list[int]:
        return self.awaited + self.unsampled

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
            elif self.missing:
                bits = []
                if self.awaited:
                    bits.append(_("%(c)s 人未出结果") % {"c": len(self.awaited)})
                if self.unsampled:
                    bits.append(_("%(c)s 人未采样") % {"c": len(self.unsampled)})
                parts.append(_("第%(n)s天筛查：%(what)s") % {"n": n, "what": "，".join(bits)})
        return "；".join(parts)


def _status(area: RiskArea, rule: LiftRule | None, residents: set[int], tests: dict[int, PersonTests], at: dt.datetime) -> LiftStatus:
    start = area.level_since or area.in_force_at or at
    last_pos = max((t.last_positive_at for pid in residents if (t := tests.get(pid)) and t.last_positive_at), default=None)
    clock_start = max(start, last_pos) if last_pos else start
    today = local_date(at)
    s = LiftStatus(area.pk, rule, clock_start, last_pos, today, residents=len(residents))
    s.day = max(0, (today - local_date(clock_start)).days)
    if rule is None:
        return s
    s.lift_on = regimen_day(clock_start, rule.clean_days, convention=DAY_AFTER)
    if rule.screening_days:
        s.screening_from = s.lift_on - dt.timedelta(days=rule.screening_days - 1)
        window = regimen_day(clock_start, max(1, rule.clean_days - rule.screening_days + 1), convention=DAY_AFTER)
        for pid in sorted(residents):
            t = tests.get(pid)
            negative = t is not None and t.last_negative_at is not None and local_date(t.last_negative_at) >= window
            if negative:
                continue
            if t is not None and t.last_awaited_at is not None and local_date(t.last_awaited_at) >= window:
                s.awaited.append(pid)
            else:
                s.unsampled.append(pid)
    s.due = today >= s.lift_on and not s.missing
    if s.due:
        sampled = [local_date(t.last_negative_at) for pid in residents if (t := tests.get(pid)) and t.last_negative_at]
        s.due_on = max([s.lift_on, *sampled]) if rule.screening_days else s.lift_on
        grace = overdue_after()
        s.overdue = (today - s.due_on).days >= max(1, int(grace.value or 0))
        s.overdue_rule = grace.citation
    return s


def lifting_statuses(areas: Sequence[RiskArea], *, at: dt.datetime | None = None) -> dict[int, LiftStatus]:
    """The lifting clock of each area (areas in force; others are skipped)."""
    at = at or now()
    live = [a for a in areas if a.status == AreaStatus.IN_FORCE and a.in_force_at is not None and a.in_force_at <= at]
    if not live:
        return {}
    by_area = residents_of([a.pk for a in live])
    rules = {c: lift_rule(c) for c in {a.area_class for a in live}}
    people = set().union(*by_area.values())
    tests = _tests(people, at) if people else {}
    return {a.pk: _status(a, rules[a.area_class], by_area[a.pk], tests, at) for a in live}


def lifting_status(area: RiskArea, *, at: dt.datetime | None = None) -> LiftStatus | None:
    return lifting_statuses([area], at=at).get(area.pk)
