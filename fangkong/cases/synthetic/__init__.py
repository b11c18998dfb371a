"""Synthetic 快转 on the demo city: facilities, and cases at every stage — for the demo and tests.

`cases_generate` drives everything through the 快转 services, as the pages and the API would:
- six treatment facilities (`facility_create`): two designated hospitals (定点医院) with general and
  ICU beds, four Fangcang shelter hospitals (方舱医院) with general beds; one Fangcang nearly full
  (its ward count reconciled with `facility_beds_set`, as a facility does on its first day);
- the testing queue (round 8's confirmed positives) opened as cases (`cases_open_from_queue`),
  assessed by the medical team (`case_classify`) and mostly transferred the same evening; two are
  still waiting, past their deadline;
- about forty cases opened by hand over the past ten days (`case_open_by_hand`: hospital reports,
  other cities' notices, one imported, one a hospital's own patient admitted on the spot), at every
  stage: awaiting transfer (today's, and some overdue), dispatched, picked up, admitted (one moved to
  the ICU, one to a designated hospital after reclassification), refused and back on the board,
  discharged with home monitoring in progress (some with tests, some due to end), monitoring
  completed (case closed), one reopened after a positive during monitoring, one withdrawn.

Every time is in the past, counted back from now (days for the older stories, hours for today's).
Deterministic for a seed and a `now`. The services need a user with the capability at every step:
the account `synthetic-cases` (指挥部, city grant) opens, dispatches and runs home monitoring; each
facility admits, tests and discharges through its own account `synthetic-facility-<n>` (医院工作人员
with a facility grant). These accounts have no usable password; they name the actor in the audit log.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from fangkong.core.errors import DomainError
from fangkong.geo.models import Person
from fangkong.policy.rules import rules_read_once

from ..choices import TRANSFER_IN_FLIGHT, CaseSource, MonitoringStatus, TransferStatus
from ..models import Case, FacilityBeds, HealthMonitoring, Transfer, TreatmentFacility
from ..selectors import day_figures
from .facilities import DEMO_FACILITIES, FACILITY_USERNAME, PLANNER_USERNAME
from .story import Story


@dataclass
class CasesStats:
    facilities: int = 0
    beds: int = 0
    cases: int = 0
    from_queue: int = 0
    by_hand: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    awaiting: int = 0
    overdue: int = 0
    dispatched: int = 0
    picked_up: int = 0
    refused: int = 0
    monitoring_active: int = 0
    monitoring_completed: int = 0
    reopened: int = 0
    day_zh: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def cases_generate(*, seed: int = 2022, progress: bool = False, now: dt.datetime | None = None) -> CasesStats:
    """Facilities and cases at every stage on the registry (and round 8's positive queue, if any).
    All or nothing; refused if a case exists. See the module docstring."""
    started = time.monotonic()
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    with transaction.atomic(), rules_read_once():
        if not Person.objects.filter(community__isnull=False).exists():
            raise DomainError("登记库中没有人员，请先运行 make_city / the registry is empty: run make_city first", rule="cases.synthetic")
        if Case.objects.exists():
            raise DomainError("已有病例，不再生成演示病例 / cases exist: not generating demo cases", rule="cases.synthetic")
        gen = Story(seed=seed, now=now, progress=progress)
        gen.run()
        stats = cases_stats(user=gen.planner, now=now)
    stats.seconds = round(time.monotonic() - started, 1)
    return stats


def cases_stats(*, user: Any, now: dt.datetime | None = None) -> CasesStats:
    """The counts a newcomer would check on the pages, read back from the database."""
    now = now or timezone.now()
    cases = Case.objects.visible_to(user)
    in_flight = Transfer.objects.visible_to(user).filter(status__in=TRANSFER_IN_FLIGHT)
    statuses = Counter(dict(in_flight.values_list("status").annotate(n=Count("id")).order_by()))
    monitoring = Counter(dict(HealthMonitoring.objects.visible_to(user).values_list("status").annotate(n=Count("id")).order_by()))
    beds = FacilityBeds.objects.all()
    yesterday = timezone.localtime(now).date() - dt.timedelta(days=1)
    return CasesStats(
        facilities=TreatmentFacility.objects.count(),
        beds=sum(b.capacity for b in beds),
        cases=cases.count(),
        from_queue=cases.filter(source=CaseSource.QUEUE).count(),
        by_hand=cases.exclude(source=CaseSource.QUEUE).count(),
        by_status=dict(cases.values_list("status").annotate(n=Count("id")).order_by()),
        awaiting=statuses.get(TransferStatus.AWAITING, 0),
        overdue=in_flight.filter(deadline_at__lt=now).count(),
        dispatched=statuses.get(TransferStatus.DISPATCHED, 0),
        picked_up=statuses.get(TransferStatus.PICKED_UP, 0),
        refused=Transfer.objects.visible_to(user).filter(status=TransferStatus.REFUSED).count(),
        monitoring_active=monitoring.get(MonitoringStatus.ACTIVE, 0),
        monitoring_completed=monitoring.get(MonitoringStatus.COMPLETED, 0),
        reopened=monitoring.get(MonitoringStatus.REOPENED, 0),
        day_zh=day_figures(date=yesterday, user=user).zh,
    )


__all__ = ["DEMO_FACILITIES", "FACILITY_USERNAME", "PLANNER_USERNAME", "CasesStats", "cases_generate", "cases_stats"]
