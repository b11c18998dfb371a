"""The demo week keeps the services' rules: nobody on two overlapping shifts, no need over its headcount."""

from __future__ import annotations

from django.db.models import Count, F

from fangkong.volunteers.choices import HOLDING
from fangkong.volunteers.models import Assignment, Need, Volunteer
from fangkong.volunteers.synthetic import volunteers_generate


def test_the_demo_week_keeps_the_rules(city, clock):
    stats = volunteers_generate(seed=7, people=4)
    assert stats.volunteers == Volunteer.objects.count() > 0 and stats.points == 6
    assert stats.sentence.startswith("累计出勤 ")
    from fangkong.volunteers.models import Deployment

    assert stats.deployed == Deployment.objects.count() > 0
    assert Deployment.objects.filter(kind="party_member", at_residence=True, compound__isnull=False).exists()
    over = Need.objects.annotate(n=Count("assignments")).filter(n__gt=F("headcount"))
    assert not over.exists()
    rows = list(Assignment.objects.filter(status__in=HOLDING).values_list("volunteer_id", "starts_at", "ends_at"))
    for i, (v, a, b) in enumerate(rows):
        assert not any(v == w and a < d and c < b for w, c, d in rows[i + 1 :])
    assert all(v.person_id for v in Volunteer.objects.filter(status="approved"))


def test_the_demo_has_vehicles_with_trips_and_disinfection_records(city, clock):
    """The seed's 车辆 台次, 行驶里程 and 消杀 figures have rows behind them: vehicles, their trips
    (all in the past, with kilometres) and community disinfection in m²."""
    from fangkong.core.clock import now
    from fangkong.volunteers.models import Disinfection, Trip, Vehicle

    stats = volunteers_generate(seed=7, people=4)
    assert Vehicle.objects.count() == 8
    assert stats.trips == Trip.objects.count() > 0 and stats.disinfections == Disinfection.objects.count() > 0
    assert not Trip.objects.filter(started_at__gte=now()).exists() and not Trip.objects.filter(kilometres__lte=0).exists()
    community = Disinfection.objects.filter(kind="community")
    assert community.exists() and not community.filter(square_metres__lte=0).exists()


def test_the_demo_shows_plan_against_actual_yesterday_and_today(city, clock):
    """计划与到岗 in the demo: yesterday a no-show on each shift at the first point and the community
    gate short of people; today the gate short again (the figures come from the page's selector)."""
    import datetime as dt

    from fangkong.accounts.models import User
    from fangkong.core.clock import now
    from fangkong.policy.regimen import local_date
    from fangkong.volunteers.models import ServicePoint
    from fangkong.volunteers.selectors import point_day_attendance
    from fangkong.volunteers.synthetic import ACTOR_USERNAME

    from ..factories import make_person

    for i in range(14):
        make_person(city.home.household, f"志愿者{i}")
    volunteers_generate(seed=7, people=14)
    actor = User.objects.get(username=ACTOR_USERNAME)
    first = ServicePoint.objects.order_by("id").first()
    gate = ServicePoint.objects.get(kind="gate")
    today = local_date(now())
    yesterday = {r.point_id: r for r in point_day_attendance(user=actor, day=today - dt.timedelta(days=1))}
    assert yesterday[first.pk].no_shows == 2 and yesterday[first.pk].checked_in > 0
    assert yesterday[gate.pk].short >= 1
    assert point_day_attendance(user=actor, day=today)
    assert {r.point_id: r for r in point_day_attendance(user=actor, day=today)}[gate.pk].short >= 2
