"""Reads for the deadline board (三快一严: 核酸检测要 24 小时完成): each tube's stage against its result
deadline, the overdue tubes, the deadline rule and the progress chart's series. Built on
fangkong.testing.selectors; every read is limited to what the user sees (a lab: its own tubes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from fangkong.policy.rules import PolicyNotConfigured, rule

from .. import selectors
from ..choices import TubeStatus
from ..models import TestingRound, Tube
from ..querysets import overdue_q

DEADLINE_RULE = "testing.result_deadline_hours"
# The stages of a tube, in order, as the board shows them.
STAGES = (TubeStatus.OPEN, TubeStatus.CLOSED, TubeStatus.RECEIVED, TubeStatus.RESULTED)


@dataclass
class Stage:
    status: str
    label: str
    tubes: int = 0
    samples: int = 0
    overdue: int = 0  # past the deadline without a result
    late: int = 0  # resulted after the deadline


@dataclass
class StageTotals:
    stages: list[Stage]

    def _sum(self, attr: str) -> int:
        return sum(getattr(s, attr) for s in self.stages)

    @property
    def tubes(self) -> int:
        return self._sum("tubes")

    @property
    def samples(self) -> int:
        return self._sum("samples")

    @property
    def overdue(self) -> int:
        return self._sum("overdue")

    @property
    def resulted(self) -> Stage:
        return next(s for s in self.stages if s.status == TubeStatus.RESULTED)


def _tubes(user: Any, testing_round: TestingRound) -> QuerySet[Tube]:
    """The tubes that hold someone (an empty open tube is a scanned label, not a sample)."""
    return Tube.objects.visible_to(user).filter(round=testing_round).exclude(status=TubeStatus.OPEN, member_count=0)


def tube_stages(*, user: Any, testing_round: TestingRound, now: dt.datetime | None = None) -> StageTotals:
    """Tubes and samples at each stage (sampled → received → resulted), with how many are overdue."""
    now = now or timezone.now()
    rows = {
        status: (n, samples or 0, overdue, late)
        for status, n, samples, overdue, late in _tubes(user, testing_round)
        .values_list("status")
        .annotate(
            n=Count("id"),
            samples=Sum("member_count"),
            overdue=Count("id", filter=overdue_q(now)),
            late=Count("id", filter=Q(resulted_at__gt=F("deadline_at"))),
        )
        .order_by()
    }
    stages = []
    for status in STAGES:
        n, samples, overdue, late = rows.get(status, (0, 0, 0, 0))
        stages.append(Stage(status, TubeStatus(status).label, n, samples, overdue, late))
    return StageTotals(stages)


@dataclass(frozen=True)
class DeadlineRule:
    hours: int  # the round's deadline, fixed when it was planned
    citation: str  # the active policy's rule, or the round's own record if no policy is active
    policy_hours: int | None  # the active policy's value today (None: no active policy)

    @property
    def changed_since_planning(self) -> bool:
        return self.policy_hours is not None and self.policy_hours != self.hours


def deadline_rule(testing_round: TestingRound) -> DeadlineRule:
    try:
        r = rule(DEADLINE_RULE)
    except PolicyNotConfigured:
        return DeadlineRule(testing_round.result_deadline_hours, testing_round.deadline_rule, None)
    return DeadlineRule(testing_round.result_deadline_hours, r.citation, int(r.value))


@dataclass
class OverdueFilter:
    by: str  # "laboratory" | "sampling_point" | ""
    key: int | None
    label: str


NONE_KEY = "none"  # 未送检: tubes no lab has received


def overdue_filter(*, user: Any, testing_round: TestingRound, by: str, key: str, now: dt.datetime) -> OverdueFilter | None:
    """The group a link on the board names (?laboratory=3, ?sampling_point=7, ?laboratory=none), or None."""
    if by not in ("laboratory", "sampling_point") or not key:
        return None
    if key == NONE_KEY and by == "laboratory":
        pk = None
    else:
        try:
            pk = int(key)
        except ValueError:
            return None
    for g in selectors.overdue_by(user=user, testing_round=testing_round, by=by, now=now):
        if g.key == pk:
            return OverdueFilter(by, pk, g.name)
    return OverdueFilter(by, pk, "")


def overdue_tube_list(*, user: Any, testing_round: TestingRound, now: dt.datetime, only: OverdueFilter | None = None) -> QuerySet[Tube]:
    """Overdue tubes, the longest overdue first; optionally of one lab or sampling point."""
    qs = selectors.overdue_tubes(user=user, testing_round=testing_round, now=now).select_related("sampling_point", "laboratory")
    if only is not None:
        qs = qs.filter(**{f"{only.by}_id": only.key}) if only.key is not None else qs.filter(**{f"{only.by}__isnull": True})
    return qs.order_by("deadline_at", "id")


def progress_series(*, user: Any, testing_round: TestingRound) -> dict[str, list]:
    """The progress chart's series: local hour labels, cumulative samples taken and with results."""
    points = selectors.round_progress(user=user, testing_round=testing_round)
    return {
        "hours": [_local_hour(p.hour) for p in points],
        "sampled": [p.sampled for p in points],
        "resulted": [p.resulted for p in points],
    }


def _local_hour(hour: dt.datetime) -> str:
    if timezone.is_naive(hour):
        hour = timezone.make_aware(hour, dt.UTC)
    return timezone.localtime(hour).strftime("%m-%d %H:00")
