"""Totals in the seed's form (seed 001: "累计出勤 20820 人次、车辆 1440 台次，服务时间 66320 小时。累计
行驶里程 19000 多公里，终末消毒消杀阳性场所 560 多处，消杀社区环境 340 余万平方米"), for any period (Beijing
days), organisation and district, inside the user's grants; the volunteers recruited, service points
and communities covered; the same by day for the chart.

Read from the daily roll-up the database keeps (DayTotal, decision 0016): one query grouped by point
and community for the period, one by day for the chart — a few rows per point and day instead of
every shift. `volunteer_totals_live` computes the same from the shifts, trips and disinfection
records themselves (one aggregate per table, on indexes that start with the time column); the tests
hold the two equal.

- 出勤人次: shifts attended (checked in), by the shift's start;
- 服务时间: the minutes served (check-in to check-out), in hours;
- 车辆台次 / 行驶里程: trips and their kilometres, by when the trip started;
- 终末消毒阳性场所: terminal disinfection records; 消杀社区环境: community disinfection m²;
- 招募志愿者: volunteers approved by the end of the period;
- 服务点 / 覆盖社区: service points and communities where someone attended in the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from fangkong.policy.regimen import LOCAL_TZ, local_date, local_midnight

from .choices import ATTENDED, DisinfectionKind, VolunteerStatus
from .models import Assignment, DayTotal, Disinfection, Trip, Volunteer

MAX_DAYS = 366  # the longest period the totals are counted over (the page and the API: core.periods.period)


@dataclass
class Totals:
    start: dt.date
    end: dt.date  # inclusive
    attendance: int = 0
    vehicle_trips: int = 0
    minutes: int = 0
    kilometres: Decimal = Decimal(0)
    terminal_places: int = 0
    community_square_metres: int = 0
    recruited: int = 0
    points: int = 0
    communities: int = 0
    days: list[dict[str, Any]] = field(default_factory=list)

    @property
    def hours(self) -> int:
        return round(self.minutes / 60)

    @property
    def sentence(self) -> str:
        return _(
            "累计出勤 %(x)s 人次、车辆 %(y)s 台次，服务时间 %(z)s 小时。累计行驶里程 %(w)s 公里，"
            "终末消毒消杀阳性场所 %(p)s 处，消杀社区环境 %(q)s 平方米"
        ) % {
            "x": f"{self.attendance:,}",
            "y": f"{self.vehicle_trips:,}",
            "z": f"{self.hours:,}",
            "w": f"{round(self.kilometres):,}",
            "p": f"{self.terminal_places:,}",
            "q": f"{self.community_square_metres:,}",
        }


def _filters(organisation_id: int | None, district_id: int | None) -> Q:
    q = Q()
    if organisation_id:
        q &= Q(organisation_id=organisation_id)
    if district_id:
        q &= Q(district_id=district_id)
    return q


def _empty_days(start: dt.date, end: dt.date) -> dict[dt.date, dict[str, Any]]:
    by_day: dict[dt.date, dict[str, Any]] = {}
    day = start
    while day <= end:
        by_day[day] = {"day": day.isoformat(), "attendance": 0, "hours": 0.0, "trips": 0}
        day += dt.timedelta(days=1)
    return by_day


def _recruited(user: Any, where: Q, end: dt.date) -> int:
    hi = local_midnight(end + dt.timedelta(days=1))
    return Volunteer.objects.covered_by(user).filter(where, status=VolunteerStatus.APPROVED, approved_at__lt=hi).count()


def volunteer_totals(
    *, user: Any, start: dt.date, end: dt.date, organisation_id: int | None = None, district_id: int | None = None
) -> Totals:
    """The totals from the daily roll-up: the same as volunteer_totals_live."""
    where = _filters(organisation_id, district_id)
    t = Totals(start=start, end=end)
    rows = DayTotal.objects.covered_by(user).filter(where, day__gte=start, day__lte=end)
    sums = {f"sum_{s}": Sum(s) for s in ("attendance", "minutes", "trips", "decikilometres", "terminal_places", "square_metres")}
    communities: set[int] = set()
    km = 0
    for point, community, *counts in rows.values_list("point_id", "community_id").annotate(**sums).order_by():
        a, m, n, dk, p, q = (int(c or 0) for c in counts)  # PostgreSQL's SUM(bigint) is a numeric
        t.attendance += a
        t.minutes += m
        t.vehicle_trips += n
        km += dk
        t.terminal_places += p
        t.community_square_metres += q
        if point and a:  # a point (and its community) where someone attended
            t.points += 1
            communities.add(community)
    t.kilometres = (Decimal(km) / 10).quantize(Decimal("0.1"))
    t.communities = len(communities - {0})
    t.recruited = _recruited(user, where, end)
    by_day = _empty_days(start, end)
    for d, a, m, n in rows.values_list("day").annotate(a=Sum("attendance"), m=Sum("minutes"), n=Sum("trips")).order_by():
        by_day[d].update(attendance=int(a), hours=round(int(m) / 60, 1), trips=int(n))
    t.days = list(by_day.values())
    return t


def volunteer_totals_live(
    *, user: Any, start: dt.date, end: dt.date, organisation_id: int | None = None, district_id: int | None = None
) -> Totals:
    """The totals computed from the shifts, trips and disinfection records themselves."""
    lo, hi = local_midnight(start), local_midnight(end + dt.timedelta(days=1))
    where = _filters(organisation_id, district_id)
    t = Totals(start=start, end=end)
    shifts = Assignment.objects.covered_by(user).filter(where, starts_at__gte=lo, starts_at__lt=hi, status__in=ATTENDED)
    # By point (a point is in one community): a hash aggregate of a few thousand groups, where
    # COUNT(DISTINCT …) over every shift sorts them all.
    communities: set[int | None] = set()
    for _point, community, n, m in shifts.values_list("point_id", "community_id").annotate(n=Count("id"), m=Sum("minutes")).order_by():
        t.attendance += n
        t.minutes += m or 0
        t.points += 1
        communities.add(community)
    t.communities = len(communities - {None})
    trips = Trip.objects.covered_by(user).filter(where, started_at__gte=lo, started_at__lt=hi)
    agg = trips.aggregate(n=Count("id"), km=Sum("kilometres"))
    t.vehicle_trips, t.kilometres = agg["n"], agg["km"] or Decimal(0)
    clean = Disinfection.objects.covered_by(user).filter(where, done_at__gte=lo, done_at__lt=hi)
    agg = clean.aggregate(
        p=Count("id", filter=Q(kind=DisinfectionKind.TERMINAL)), q=Sum("square_metres", filter=Q(kind=DisinfectionKind.COMMUNITY))
    )
    t.terminal_places, t.community_square_metres = agg["p"], agg["q"] or 0
    t.recruited = _recruited(user, where, end)
    by_day = _empty_days(start, end)
    # By the shifts' start times (a few per point and day), each put on its Beijing day here: a hash
    # aggregate of few groups, where converting every shift's time to a Beijing date in SQL took longer.
    minutes_by_day: dict[dt.date, int] = {}
    for started, n, m in shifts.values_list("starts_at").annotate(n=Count("id"), m=Sum("minutes")).order_by():
        d = local_date(started)
        if d in by_day:
            by_day[d]["attendance"] += n
            minutes_by_day[d] = minutes_by_day.get(d, 0) + (m or 0)
    for d, m in minutes_by_day.items():
        by_day[d]["hours"] = round(m / 60, 1)
    for d, n in trips.annotate(d=TruncDate("started_at", tzinfo=LOCAL_TZ)).values_list("d").annotate(n=Count("id")).order_by("d"):
        if d in by_day:
            by_day[d]["trips"] = n
    t.days = list(by_day.values())
    return t
