"""Deadlines and progress of a round: overdue tubes (grouped by lab, district, point), the hourly
progress series, and the press-conference paragraph."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from fangkong.results.choices import RESULTS_BACK
from fangkong.zoning.choices import FoundIn

from ..choices import PositiveStatus, TubeStatus
from ..models import (
    ConfirmedPositive,
    TestingRound,
    Tube,
    TubeMember,
)
from ..querysets import overdue_q


@dataclass
class OverdueGroup:
    key: int | None
    name: str
    overdue_tubes: int
    overdue_samples: int


def overdue_tubes(*, user: Any, testing_round: TestingRound, now: dt.datetime | None = None) -> QuerySet[Tube]:
    now = now or timezone.now()
    return Tube.objects.visible_to(user).filter(round=testing_round).filter(overdue_q(now)).exclude(status=TubeStatus.OPEN, member_count=0)


def overdue_by(*, user: Any, testing_round: TestingRound, by: str, now: dt.datetime | None = None) -> list[OverdueGroup]:
    """Tubes past their result deadline (policy testing.result_deadline_hours), by laboratory or sampling point."""
    key, name = {"laboratory": ("laboratory_id", "laboratory__name"), "sampling_point": ("sampling_point_id", "sampling_point__name")}[by]
    rows = (
        overdue_tubes(user=user, testing_round=testing_round, now=now)
        .values_list(key, name)
        .annotate(n=Count("id"), samples=Sum("member_count"))
        .order_by("-n", name)
    )
    return [OverdueGroup(k, nm or "（未送检）", n, s or 0) for k, nm, n, s in rows]


@dataclass
class ProgressPoint:
    hour: dt.datetime
    sampled: int
    resulted: int


def round_progress(*, user: Any, testing_round: TestingRound) -> list[ProgressPoint]:
    """Cumulative samples taken and samples with results, hour by hour (the progress chart)."""
    tubes = Tube.objects.visible_to(user).filter(round=testing_round, is_resample=False)
    sampled = dict(
        tubes.exclude(sampled_at=None).annotate(h=TruncHour("sampled_at")).values_list("h").annotate(n=Sum("member_count")).order_by()
    )
    resulted = dict(
        tubes.filter(result__in=RESULTS_BACK)
        .annotate(h=TruncHour("resulted_at"))
        .values_list("h")
        .annotate(n=Sum("member_count"))
        .order_by()
    )
    out, s_total, r_total = [], 0, 0
    for hour in sorted(set(sampled) | set(resulted)):
        s_total += sampled.get(hour, 0)
        r_total += resulted.get(hour, 0)
        out.append(ProgressPoint(hour, s_total, r_total))
    return out


# ---- the press-conference report ----


@dataclass
class PressReport:
    number: int
    sampled: int
    resulted: int
    positives: int
    by_district: list[tuple[str, int]]
    in_control: int
    in_community: int

    @property
    def zh(self) -> str:
        parts = "、".join(f"{name}{n}例" for name, n in self.by_district)
        text = f"第{self.number}轮核酸检测共采集样本{self.sampled}人份，"
        text += "全部已出结果，" if self.resulted and self.resulted == self.sampled else f"已出结果{self.resulted}人份，"
        if not self.positives:
            return text + "未检出阳性。"
        text += f"共检出阳性{self.positives}例（{parts}），"
        return text + f"其中隔离管控区域{self.in_control}例、社会面{self.in_community}例。"

    @property
    def en(self) -> str:
        text = f"Round {self.number} of mass testing collected {self.sampled:,} samples; {self.resulted:,} have results. "
        if not self.positives:
            return text + "No positives were found."
        parts = ", ".join(f"{name} {n}" for name, n in self.by_district)
        split = f"{self.in_control} in isolation or controlled areas, {self.in_community} in the community"
        return text + f"{self.positives} positive ({parts}): {split}."


def press_report(*, user: Any, testing_round: TestingRound, counted: tuple[int, int] | None = None) -> PressReport:
    """The press-conference paragraph. `counted` = (sampled, resulted) when the caller has already
    counted the round's samples (press.press_by_district's totals): one pass over millions of
    members instead of two."""
    if counted is None:
        members = TubeMember.objects.covered_by(user).filter(round=testing_round, is_resample=False)
        counts = members.aggregate(n=Count("id"), back=Count("id", filter=Q(tube__result__in=RESULTS_BACK)))
    else:
        counts = {"n": counted[0], "back": counted[1]}
    positives = ConfirmedPositive.objects.covered_by(user).filter(round=testing_round).exclude(status=PositiveStatus.WITHDRAWN)
    by_district = list(positives.values_list("district__code", "district__name").annotate(n=Count("id")).order_by("district__code"))
    split = dict(positives.values_list("found_in").annotate(n=Count("id")).order_by())
    return PressReport(
        number=testing_round.number,
        sampled=counts["n"],
        resulted=counts["back"],
        positives=sum(n for _c, _name, n in by_district),
        by_district=[(name or "（未知）", n) for _c, name, n in by_district],
        in_control=split.get(FoundIn.CONTROLLED, 0),
        in_community=split.get(FoundIn.COMMUNITY, 0),
    )
