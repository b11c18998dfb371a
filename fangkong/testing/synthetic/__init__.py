"""A synthetic testing round, sampled and reported, on the existing registry — for the demo, tests and benchmarks.

`round_generate` drives one whole round through the 快检 services, as the pages and the API would:
laboratories and one sampling point per community (`laboratory_create`, `sampling_point_create`),
the round planned over the city (`round_plan`: the city a 防范区, the demo community a 管控区, two
communities 封控区), residents bound to tubes in ten-minute batches (`bulk_bind`), the tubes
received by the laboratory of their district (`tube_receive`), results uploaded hour by hour
(`results_ingest`), the members of positive pools re-sampled at home (`resampling_collect`) and a
few households of the demo grid visited (`household_check_record`).

The story it leaves, deterministic for a seed:
- sampling on the morning of day D (07:00–11:30 Beijing time), results within the day; four tubes
  received but never reported, now past their deadline (the deadline board has something overdue);
- three positive 10-in-1 pools in the demo community's district: two in the demo grid, one
  elsewhere. One demo-grid pool is left awaiting its door-to-door re-tests (the grid worker's task
  list); the members of the other two are re-tested: all negative (in-place control lifted) but one
  in each pool, who joins the confirmed-positive queue;
- positive single tubes in the two sealed communities (隔离管控区域) and one single tube positive in
  an open community (社会面), so the press report splits both ways;
- door-knocking visits in the demo grid: away (with whereabouts), bedridden (→ a home-sampling
  task), refused, and one resident sampled on the spot.

Day D is the latest day whose next morning (08:30) has passed, so every time is in the past and the
deadlines read naturally; pass `starts_at` to pin it (the tests do).

The services require a user with the right capability and jurisdiction at every step: `actor` (or,
when None, the account `synthetic-round`, 指挥部 with a city grant) plans and samples; each
laboratory reports through its own account `synthetic-lab-<code>` with a facility grant. These
accounts have no usable password: nobody logs in as them; they name the actor in the audit log.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from fangkong.core.errors import DomainError
from fangkong.geo.models import Person
from fangkong.results.choices import Result
from fangkong.zoning.choices import FoundIn

from ..choices import ControlStatus, PositiveStatus, ResamplingStatus
from ..models import (
    ConfirmedPositive,
    HouseholdCheck,
    Laboratory,
    PersonControl,
    ResamplingTask,
    SamplingPoint,
    TestingRound,
    Tube,
)
from ..selectors import overdue_tubes, press_report
from .pieces import lab_result, pack_tubes
from .plan import BEIJING, DEMO_LABS, LAB_USERNAME, PLANNER_USERNAME, READY_AFTER
from .story import Story


@dataclass
class RoundStats:
    number: int = 0
    laboratories: int = 0
    sampling_points: int = 0
    residents: int = 0
    tubes: int = 0
    samples: int = 0
    resulted: int = 0
    overdue_tubes: int = 0
    pool_positive_tubes: int = 0
    resampled: int = 0
    resampling_open: int = 0
    controls_active: int = 0
    controls_lifted: int = 0
    positives: int = 0
    positives_in_control: int = 0
    positives_in_community: int = 0
    households_checked: int = 0
    press_zh: str = ""
    press_en: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def default_start(now: dt.datetime | None = None) -> dt.datetime:
    """07:00 Beijing time on the latest day whose next morning 08:30 has passed."""
    now = now or timezone.now()
    start = dt.datetime.combine(timezone.localtime(now, BEIJING).date() - dt.timedelta(days=1), dt.time(7, 0), tzinfo=BEIJING)
    return start if start + READY_AFTER <= now else start - dt.timedelta(days=1)


def round_generate(
    *,
    actor: Any = None,
    seed: int = 2022,
    number: int = 8,
    coverage: float = 0.97,
    starts_at: dt.datetime | None = None,
    progress: bool = False,
) -> RoundStats:
    """Generate round `number` on the registry: sampled and reported, but left 采样中 (ACTIVE) with its
    re-sampling open, for the command to close with 结束本轮. All or nothing; see the module docstring."""
    started = time.monotonic()
    if not 0.5 <= coverage <= 1.0:
        raise DomainError("coverage 应在 0.5 到 1 之间 / coverage must be between 0.5 and 1", field="coverage")
    starts_at = starts_at or default_start()
    if starts_at + READY_AFTER > timezone.now():
        raise DomainError("开始时间须早于 25.5 小时前 / the round must start at least 25.5 hours ago", field="starts_at")
    with transaction.atomic():
        if not Person.objects.filter(community__isnull=False).exists():
            raise DomainError("登记库中没有人员，请先运行 make_city / the registry is empty: run make_city first", rule="testing.synthetic")
        if TestingRound.objects.filter(number=number).exists():
            raise DomainError(
                f"第 {number} 轮已存在，请换一个轮次号（--number）/ round {number} exists: choose another --number",
                field="number",
                rule="testing.round_unique_number",
            )
        gen = Story(actor=actor, seed=seed, number=number, coverage=coverage, starts_at=starts_at, progress=progress)
        testing_round = gen.run()
        stats = round_stats(testing_round=testing_round, user=gen.planner)
    stats.seconds = round(time.monotonic() - started, 1)
    return stats


def round_stats(*, testing_round: TestingRound, user: Any) -> RoundStats:
    """The counts a newcomer would check on the pages, read back from the database."""
    report = press_report(user=user, testing_round=testing_round)
    tubes = Tube.objects.filter(round=testing_round)
    positives = ConfirmedPositive.objects.filter(round=testing_round).exclude(status=PositiveStatus.WITHDRAWN)
    split = dict(positives.values_list("found_in").annotate(n=Count("id")).order_by())
    controls = dict(PersonControl.objects.filter(round=testing_round).values_list("status").annotate(n=Count("id")).order_by())
    return RoundStats(
        number=testing_round.number,
        laboratories=Laboratory.objects.filter(tubes__round=testing_round).distinct().count(),
        sampling_points=SamplingPoint.objects.filter(tubes__round=testing_round).distinct().count(),
        residents=Person.objects.filter(community__isnull=False).count(),
        tubes=tubes.filter(is_resample=False).count(),
        samples=report.sampled,
        resulted=report.resulted,
        overdue_tubes=overdue_tubes(user=user, testing_round=testing_round).count(),
        pool_positive_tubes=tubes.filter(result=Result.POSITIVE, member_count__gt=1).count(),
        resampled=tubes.filter(is_resample=True).count(),
        resampling_open=ResamplingTask.objects.filter(round=testing_round, status=ResamplingStatus.OPEN).count(),
        controls_active=controls.get(ControlStatus.ACTIVE, 0),
        controls_lifted=controls.get(ControlStatus.LIFTED, 0),
        positives=report.positives,
        positives_in_control=split.get(FoundIn.CONTROLLED, 0),
        positives_in_community=split.get(FoundIn.COMMUNITY, 0),
        households_checked=HouseholdCheck.objects.filter(round=testing_round).count(),
        press_zh=report.zh,
        press_en=report.en,
    )


__all__ = [
    "DEMO_LABS",
    "LAB_USERNAME",
    "PLANNER_USERNAME",
    "RoundStats",
    "default_start",
    "lab_result",
    "pack_tubes",
    "round_generate",
    "round_stats",
]
