"""Totals in the seed's form against a hand-computed week, by period, organisation and district; the
records they add up (trips with their kilometres, disinfection linked to a case or in m²)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from fangkong.core.errors import DomainError
from fangkong.volunteers.models import Assignment, TaskType
from fangkong.volunteers.services import disinfection_add, organisation_add, point_add, trip_add, vehicle_add
from fangkong.volunteers.totals import volunteer_totals

from .conftest import DAY0, at_hour


def _served(world, need, volunteer, minutes: int) -> None:
    """An attended shift of `minutes` (written straight: the check-in path has its own tests)."""
    Assignment.objects.create(
        need=need,
        volunteer=volunteer,
        status="done",
        starts_at=need.starts_at,
        ends_at=need.ends_at,
        checked_in_at=need.starts_at,
        checked_out_at=need.starts_at + dt.timedelta(minutes=minutes),
        minutes=minutes,
        point=need.point,
        organisation=volunteer.organisation,
        district_id=need.district_id,
        street_id=need.street_id,
        community_id=need.community_id,
    )


@pytest.fixture
def week(world, clock):
    """Day 0 and day 1 at the home point (the 共青团 team), day 1 at a point of another organisation in
    the same community; one no-show; two trips; one terminal and two community disinfections."""
    a, b = world.approved("甲"), world.approved("乙")
    other_org = organisation_add(actor=world.coordinator, name="某企业", kind="company", district=world.city.home.district)
    gate = point_add(actor=world.coordinator, name="迎宾小区卡口", kind="gate", community=world.city.home.community, organisation=other_org)
    d0 = world.need(at_hour(8), at_hour(12), headcount=5)
    d1 = world.need(at_hour(8, days=1), at_hour(12, days=1), headcount=5)
    g1 = world.need(at_hour(14, days=1), at_hour(18, days=1), headcount=5, point=gate)
    _served(world, d0, a, 240)
    _served(world, d0, b, 200)
    _served(world, d1, a, 230)
    _served(world, g1, b, 250)
    Assignment.objects.create(
        need=d1, volunteer=b, status="no_show", starts_at=d1.starts_at, ends_at=d1.ends_at, point=d1.point, district_id=d1.district_id
    )
    clock(at_hour(20, days=1))
    van = vehicle_add(actor=world.coordinator, plate="蒙A12345", kind="van", organisation=world.organisation)
    supply = TaskType.objects.get(code="supply_transport")
    trip_add(actor=world.coordinator, vehicle=van, started_at=at_hour(9), task_type=supply, kilometres="35.5")
    trip_add(actor=world.coordinator, vehicle=van, started_at=at_hour(9, days=1), task_type=supply, kilometres="20")
    home = world.city.home.community
    disinfection_add(
        actor=world.coordinator,
        kind="community",
        done_at=at_hour(10),
        place="迎宾小区",
        community=home,
        organisation=world.organisation,
        square_metres=12000,
    )
    disinfection_add(
        actor=world.coordinator,
        kind="community",
        done_at=at_hour(10, days=1),
        place="迎宾小区",
        community=home,
        organisation=world.organisation,
        square_metres=8000,
    )
    return other_org


def test_the_week_in_the_seeds_words(world, week):
    t = volunteer_totals(user=world.coordinator, start=DAY0.date(), end=DAY0.date() + dt.timedelta(days=1))
    # 4 attended shifts (the no-show not counted); 240+200+230+250 = 920 minutes = 15.3 h → 15;
    # 2 trips, 55.5 km → 56; 0 terminal; 20,000 m².
    assert (t.attendance, t.minutes, t.hours, t.vehicle_trips, t.kilometres) == (4, 920, 15, 2, Decimal("55.5"))
    assert t.sentence == (
        "累计出勤 4 人次、车辆 2 台次，服务时间 15 小时。累计行驶里程 56 公里，终末消毒消杀阳性场所 0 处，消杀社区环境 20,000 平方米"
    )
    assert (t.recruited, t.points, t.communities) == (2, 2, 1)
    assert [(d["attendance"], d["hours"], d["trips"]) for d in t.days] == [(2, 7.3, 1), (2, 8.0, 1)]


def test_by_day_organisation_and_district(world, week):
    day1 = volunteer_totals(user=world.coordinator, start=DAY0.date() + dt.timedelta(days=1), end=DAY0.date() + dt.timedelta(days=1))
    assert (day1.attendance, day1.minutes, day1.vehicle_trips, day1.community_square_metres) == (2, 480, 1, 8000)
    company = volunteer_totals(user=world.coordinator, start=DAY0.date(), end=DAY0.date() + dt.timedelta(days=1), organisation_id=week.pk)
    # A shift counts for the volunteer's own organisation (the team's attendance), wherever they served:
    # the company's gate was staffed by the 共青团 team's volunteer.
    assert (company.attendance, company.minutes, company.vehicle_trips) == (0, 0, 0)
    team = volunteer_totals(
        user=world.coordinator, start=DAY0.date(), end=DAY0.date() + dt.timedelta(days=1), organisation_id=world.organisation.pk
    )
    assert (team.attendance, team.minutes, team.vehicle_trips, team.recruited) == (4, 920, 2, 2)
    elsewhere = volunteer_totals(
        user=world.coordinator, start=DAY0.date(), end=DAY0.date() + dt.timedelta(days=1), district_id=world.city.elsewhere.district.pk
    )
    assert (elsewhere.attendance, elsewhere.vehicle_trips) == (0, 0)


def test_another_districts_coordinator_counts_none_of_it(world, week):
    t = volunteer_totals(user=world.other, start=DAY0.date(), end=DAY0.date() + dt.timedelta(days=1))
    assert (t.attendance, t.vehicle_trips, t.recruited, t.community_square_metres) == (0, 0, 0, 0)


def test_the_totals_page_shows_the_sentence(client, world, week):
    client.force_login(world.coordinator)
    page = client.get(
        reverse("volunteers:totals"), {"start": DAY0.date().isoformat(), "end": (DAY0.date() + dt.timedelta(days=1)).isoformat()}
    )
    assert page.status_code == 200 and "累计出勤 4 人次、车辆 2 台次，服务时间 15 小时" in page.content.decode()


def test_a_trip_with_negative_mileage_is_refused_on_its_field(world):
    van = vehicle_add(actor=world.coordinator, plate="蒙A54321", kind="van", organisation=world.organisation)
    for km in ("-1", "abc", "NaN"):
        with pytest.raises(DomainError) as refused:
            trip_add(actor=world.coordinator, vehicle=van, started_at=at_hour(6), task_type=TaskType.objects.first(), kilometres=km)
        assert refused.value.field == "kilometres"
    with pytest.raises(DomainError) as refused:
        vehicle_add(actor=world.coordinator, plate="ABC", kind="van", organisation=world.organisation)
    assert refused.value.field == "plate"


def test_terminal_disinfection_needs_a_case_the_actor_can_see(world):
    with pytest.raises(DomainError) as refused:
        disinfection_add(
            actor=world.coordinator,
            kind="terminal",
            done_at=at_hour(6),
            place="1号楼101",
            community=world.city.home.community,
            organisation=world.organisation,
            case_id=999999,
        )
    assert refused.value.field == "case" and "不存在" in refused.value.message


@pytest.mark.parametrize("typed", ["蒙A-12345", "蒙A.12345", "蒙A•12345", "蒙a 12345"])
def test_the_fleet_takes_a_plate_as_a_vehicle_pass_does(world, typed):
    """One plate rule (geo.plates): a plate the pass office accepts is not refused by the fleet."""
    from fangkong.geo.plates import check_plate

    assert vehicle_add(actor=world.coordinator, plate=typed, kind="van", organisation=world.organisation).plate == check_plate(typed)


@pytest.mark.parametrize(
    ("start", "end", "words"), [("2022-11-12", "2022-11-10", "结束日期早于开始日期"), ("2021-01-01", "2022-11-10", "期间最长 366 天")]
)
def test_the_page_and_the_api_refuse_the_same_periods(client, world, start, end, words):
    """One rule of a period (core.periods.period): the page named a reversed period by swapping it and
    cut a long one short without a word, while the API refused both."""
    from rest_framework.test import APIClient

    client.force_login(world.coordinator)
    page = client.get(reverse("volunteers:totals"), {"start": start, "end": end}).content.decode()
    assert words in page
    api = APIClient()
    api.force_authenticate(world.coordinator)
    answer = api.get("/api/volunteers/totals/", {"start": start, "end": end})
    assert answer.status_code == 400 and words in answer.json()["message"] and answer.json()["field"] == "end"
