"""Synthetic risk areas on the demo city — for the demo, the tests and the pages.

`zoning_generate` drives the 严管 flow through the zoning services, as the pages would, with times
in the past: a district office proposes (`area_propose`, as a `synthetic-zoning-<district code>`
account with a district grant), the command decides (`area_approve`, `area_reject`, `area_lift`, as
`synthetic-zoning`, 指挥部 with a city grant), and the daily review marks what is due
(`lifting_review`). The areas, one per stage, on distinct buildings:

- proposed this morning, awaiting the command (a building);
- rejected yesterday: a whole community asked for, justified but refused as wider than the policy's
  unit (the over-enforcement flag stays on it);
- in force for two days (the clock running: 连续无新增 2/5 天);
- in force for five days, its day-5 screening not sampled yet (a building: "第5天筛查：N 人未采样");
- overdue (长时间不解封): a unit every resident of which was screened negative in the latest
  screening (the demo's testing round, day D), in force since five days before D — due since D
  and still in force, flagged for supervision and proposed for lifting by the daily review;
- lifted by rule: a unit like the above, lifted the morning after D once its results were in.

- due to lift today, not overdue: a unit in force since five days before today (Beijing), its
  day-5 screening sampled today, all negative — recorded by `screen(person_ids=…, now=…)`, which the
  demo passes in (fangkong.testing.synthetic.screening: a door-to-door screening round of today).

The overdue and lifted areas need a screening in the test history (fangkong.results.history: the
demo's testing round runs first); without one they are left out, as is the area due today without a
`screen`. Every stage is there at any hour: "today" is Beijing's, the due area's screening lies
between its midnight and now, and before 02:00 the rest of the story is set a day earlier.
Deterministic for a seed and the registry.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_noop

from fangkong.accounts.models import GrantLevel, User
from fangkong.accounts.services.service_accounts import service_account
from fangkong.core.errors import DomainError
from fangkong.core.roles import Role
from fangkong.geo.models import Building, Community, Person, Unit
from fangkong.policy.regimen import LOCAL_TZ, local_date, local_midnight
from fangkong.results.choices import Result
from fangkong.results.history import sources

from .choices import AreaClass, AreaStatus, PlaceLevel
from .models import RiskArea, RiskAreaPlace
from .services import area_approve, area_lift, area_propose, area_reject, lifting_review

ACTOR_USERNAME = "synthetic-zoning"
DISTRICT_USERNAME = "synthetic-zoning-{code}"
REASON = "合成数据：楼内出现阳性感染者，按楼栋划定高风险区"
CANDIDATE_UNITS = 400  # units whose residents' screening is read to find the fully screened ones
DEMO_MARK = "（演示）"


@dataclass
class ZoningStats:
    areas: dict[str, int] = field(default_factory=dict)
    stages: list[str] = field(default_factory=list)
    screening_day: dt.date | None = None
    seconds: float = 0.0


Screen = Callable[..., Any]  # screen(person_ids=[…], now=…): records their negative screening of today


def zoning_generate(*, seed: int = 2022, now: dt.datetime | None = None, screen: Screen | None = None) -> ZoningStats:
    """Generate the areas described in the module docstring. All or nothing."""
    started = time.monotonic()
    with transaction.atomic():
        if not Person.objects.filter(household__isnull=False).exists():
            raise DomainError("登记库中没有人员，请先运行 make_city / the registry is empty: run make_city first", rule="zoning.synthetic")
        if RiskArea.objects.filter(name__endswith=DEMO_MARK).exists():
            raise DomainError("演示风险区域已存在 / the demo risk areas exist", rule="zoning.synthetic")
        gen = _Generator(seed=seed, now=now or timezone.now(), screen=screen)
        gen.run()
    stats = ZoningStats(
        areas=dict(RiskArea.objects.values_list("status").annotate(n=Count("id")).order_by()),
        stages=gen.stages,
        screening_day=gen.screening_day,
        seconds=round(time.monotonic() - started, 1),
    )
    return stats


class _Generator:
    def __init__(self, *, seed: int, now: dt.datetime, screen: Screen | None = None) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.screen = screen
        local_now = now.astimezone(LOCAL_TZ)
        # Before 02:00 the story is set a day earlier: "this morning" must fit before now.
        self.today = local_now.date() - dt.timedelta(days=1 if local_now.hour < 2 else 0)
        self.command = service_account(
            ACTOR_USERNAME,
            Role.COMMAND_CENTRE,
            "合成数据·指挥部严管组（演示）",
            level=GrantLevel.CITY,
            reason=gettext_noop("合成风险区域数据"),
        )
        self.offices: dict[int, User] = {}
        self.used_buildings: set[int] = set()
        self.stages: list[str] = []
        self.screening_day: dt.date | None = None

    def day_at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        """Local time on `day`, and never later than ten minutes before now."""
        return min(local_midnight(day) + dt.timedelta(hours=hour, minutes=minute), self.now - dt.timedelta(minutes=10))

    def ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    def office(self, district_id: int) -> User:
        if district_id not in self.offices:
            code = Community.objects.filter(district_id=district_id).values_list("district__code", flat=True).first() or district_id
            self.offices[district_id] = service_account(
                DISTRICT_USERNAME.format(code=code),
                Role.DISTRICT_OFFICE,
                f"合成数据·{code} 区防控办（演示）",
                level=GrantLevel.DISTRICT,
                place_id=district_id,
                reason=gettext_noop("合成风险区域数据"),
            )
        return self.offices[district_id]

    # -------- places

    def zoned_communities(self) -> set[int]:
        """Communities with an area over them already (the testing round's 封控区 and 管控区)."""
        places = RiskAreaPlace.objects.exclude(area__status=AreaStatus.REJECTED)
        return set(places.values_list("community_id", flat=True))

    def free_buildings(self) -> list[Building]:
        """Buildings with residents, in no area already and none of their residents ever positive (a
        positive would restart an area's clock: the cases' and isolation sites' positives live
        somewhere), in an order fixed by the seed."""
        people = Person.objects.filter(household__isnull=False).exclude(community_id__in=self.zoned_communities())
        ids = sorted(set(people.values_list("household__building_id", flat=True).distinct()))
        self.rng.shuffle(ids)
        candidates = ids[:120]
        residents = Person.objects.filter(household__building_id__in=candidates).values_list("id", "household__building_id")
        building_of = dict(residents)
        touched = {building_of[e.person_id] for e in sources.entries(list(building_of), self.now) if e.result == Result.POSITIVE}
        keep = [pk for pk in candidates if pk not in touched][:60]
        # A positive would restart an area's clock: those buildings only when a small city has run out.
        self.reserve = list(
            Building.objects.filter(pk__in=[pk for pk in candidates if pk in touched]).select_related("compound").order_by("id")
        )
        return list(Building.objects.filter(pk__in=keep).select_related("compound").order_by("id"))

    def pick_building(self, pool: list[Building]) -> Building:
        for b in [*pool, *getattr(self, "reserve", [])]:
            if b.pk not in self.used_buildings:
                self.used_buildings.add(b.pk)
                return b
        raise DomainError("登记库中的楼栋不够 / not enough buildings", rule="zoning.synthetic")

    def screened_units(self) -> list[Unit]:
        """Units every resident of which has a negative sampled on the screening day and no positive
        (set-based: one read of their residents, one of their test history)."""
        units = Unit.objects.exclude(building_id__in=self.used_buildings).exclude(community_id__in=self.zoned_communities())
        ids = list(units.order_by("id").values_list("id", flat=True))
        self.rng.shuffle(ids)
        rows = Person.objects.filter(household__unit_id__in=ids[:CANDIDATE_UNITS]).values_list("household__unit_id", "id")
        residents: dict[int, list[int]] = defaultdict(list)
        for unit_id, person_id in rows:
            residents[unit_id].append(person_id)
        negative_on: dict[int, set[dt.date]] = defaultdict(set)
        positive: set[int] = set()
        for e in sources.entries([p for ps in residents.values() for p in ps], self.now):
            if e.at is None:
                continue
            if e.result == Result.POSITIVE:
                positive.add(e.person_id)
            elif e.result == Result.NEGATIVE:
                negative_on[e.person_id].add(local_date(e.at))
        # The screening day is the round's: the day most of them were sampled negative (other sources —
        # an isolation site's tests, a hospital's — add a few negatives on later days).
        per_day = Counter(d for ds in negative_on.values() for d in ds if d < self.today)
        if not per_day:
            return []
        # The round's screening day first (the day most were sampled negative), then the others by how
        # many were: the first day on which at least two units were screened in full (a small city's
        # latest day may hold only a few re-samples).
        clean: list[int] = []
        for day in sorted(per_day, key=lambda d: (per_day[d], d), reverse=True):
            clean = [
                u
                for u, people in sorted(residents.items())
                if people and all(p not in positive and day in negative_on.get(p, ()) for p in people)
            ]
            if len(clean) >= 2:
                break
        self.screening_day = day
        units = {u.pk: u for u in Unit.objects.filter(pk__in=clean).select_related("building")}
        out: list[Unit] = []
        for pk in clean:
            u = units[pk]
            if u.building_id not in self.used_buildings:
                self.used_buildings.add(u.building_id)
                out.append(u)
        return out

    def unit_without_positive(self, pool: list[Building]) -> tuple[Unit, list[int]] | None:
        """A unit with residents of a building not used yet, none of them ever positive."""
        for building in pool:
            if building.pk in self.used_buildings:
                continue
            for unit in Unit.objects.filter(building=building).select_related("building", "compound").order_by("id"):
                residents = list(Person.objects.filter(household__unit=unit).order_by("id").values_list("id", flat=True))
                if residents and not any(e.result == Result.POSITIVE for e in sources.entries(residents, self.now)):
                    self.used_buildings.add(building.pk)
                    return unit, residents
        return None

    # -------- the stages

    def propose(self, level: str, place: Any, at: dt.datetime, **extra: Any) -> RiskArea:
        label = f"{place.compound.name}{place.name}" if level == PlaceLevel.BUILDING else ""
        if level == PlaceLevel.UNIT:
            label = f"{place.compound.name}{place.building.name}{place.name}"
        name = extra.pop("name", label) + DEMO_MARK
        return area_propose(
            actor=self.office(place.district_id),
            name=name,
            area_class=AreaClass.SEALED,
            places=[(level, place.pk)],
            reason=extra.pop("reason", REASON),
            at=at,
            **extra,
        )

    def in_force(self, level: str, place: Any, approved: dt.date, hour: int = 10) -> RiskArea:
        area = self.propose(level, place, self.day_at(approved, hour - 2))
        return area_approve(actor=self.command, area=area, reason="同意按楼栋（单元）划定", at=self.day_at(approved, hour))

    def run(self) -> None:
        units = self.screened_units()[:2]  # first: the fully screened units are few
        self.used_buildings = {u.building_id for u in units}
        pool = self.free_buildings()
        # Proposed this morning, awaiting the command.
        self.propose(PlaceLevel.BUILDING, self.pick_building(pool), self.day_at(self.today, 8, 40))
        self.stages.append(AreaStatus.PROPOSED)
        # Rejected yesterday: a whole community, wider than the policy's unit.
        b = self.pick_building(pool)
        community = Community.objects.get(pk=b.community_id)
        area = area_propose(
            actor=self.office(b.district_id),
            name=f"{community.name}（整社区）{DEMO_MARK}",
            area_class=AreaClass.SEALED,
            places=[(PlaceLevel.COMMUNITY, community.pk)],
            reason="合成数据：社区内两栋楼出现阳性",
            justification="社区出入口多、人员流动大，申请整社区划为高风险区",
            at=self.day_at(self.ago(1), 9, 30),
        )
        area_reject(
            actor=self.command,
            area=area,
            reason="不得随意扩大风险区范围，请按楼栋划定",
            at=self.day_at(self.ago(1), 15, 0),
        )
        self.stages.append(AreaStatus.REJECTED)
        # In force: the clock running, and day 5 with its screening still to sample.
        self.in_force(PlaceLevel.BUILDING, self.pick_building(pool), self.ago(2))
        self.stages.append("in_force")
        self.in_force(PlaceLevel.BUILDING, self.pick_building(pool), self.ago(5))
        self.stages.append("screening")
        # From the latest screening: overdue (due since day D, still in force) and lifted by rule.
        day = self.screening_day
        if day is not None and len(units) >= 2 and day < self.today:
            start = day - dt.timedelta(days=5)
            self.in_force(PlaceLevel.UNIT, units[0], start, hour=11)
            self.stages.append("overdue")
            lifted = self.in_force(PlaceLevel.UNIT, units[1], start, hour=10)
            area_lift(
                actor=self.command,
                area=lifted,
                reason="连续 5 天无新增，第 5 天全员核酸阴性",
                at=self.day_at(day + dt.timedelta(days=1), 8, 0),
            )
            self.stages.append(AreaStatus.LIFTED)
        # Due today: day 5 is today (Beijing), its screening sampled today, everyone negative.
        if self.screen is not None:
            found = self.unit_without_positive(pool)
            if found is not None:
                unit, residents = found
                self.in_force(PlaceLevel.UNIT, unit, local_date(self.now) - dt.timedelta(days=5))
                self.screen(person_ids=residents, now=self.now)
                self.stages.append("due_today")
        due = lifting_review(actor=self.command, at=self.now)
        if due:
            self.stages.append("due")


def format_stats(stats: ZoningStats) -> str:
    labels = dict(AreaStatus.choices)
    areas = "、".join(f"{labels.get(k, k)} {n}" for k, n in sorted(stats.areas.items()))
    day = stats.screening_day.isoformat() if stats.screening_day else "—"
    return f"风险区域 areas: {areas}; 阶段 stages: {', '.join(stats.stages)}; 筛查日 screening day: {day} — {stats.seconds:.1f} s"


__all__ = ["ACTOR_USERNAME", "ZoningStats", "format_stats", "zoning_generate"]
