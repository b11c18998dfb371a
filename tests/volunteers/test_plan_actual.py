"""Plan against actual per service point and Beijing day: the people the needs asked for, and of the
shifts how many were signed up, checked in and recorded as no-shows — against hand-counted
fixtures; a need of another day (a late-evening shift is the day it starts, Beijing) is not counted;
another district's coordinator sees none of it; the table on the service points page with its day
selector."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fangkong.volunteers.selectors import point_day_attendance
from fangkong.volunteers.services import check_in, no_shows_record, point_add, shift_assign, shift_sign_up
from fangkong.volunteers.tokens import point_code

from .conftest import DAY0, at_hour

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(world, clock):
    """Point 1: two needs (3 + 2 people); four put on them: two came, one no-show, one still
    expected. Point 2: one need of 4, nobody. A need of the next day and one in the late evening
    before (23:00 Beijing, the previous day) are not counted."""
    gate = point_add(actor=world.coordinator, name="迎宾小区东门", kind="gate", community=world.city.home.community)
    morning = world.need(at_hour(8), at_hour(12), headcount=3)
    afternoon = world.need(at_hour(13), at_hour(17), headcount=2)
    world.need(at_hour(8), at_hour(12), headcount=4, point=gate)
    world.need(at_hour(23, days=-1), at_hour(23, 30, days=-1), headcount=7)
    world.need(at_hour(8, days=1), at_hour(12, days=1), headcount=9)
    a, b, c, d = (world.approved(n) for n in ("甲", "乙", "丙", "丁"))
    for v in (a, b, c):
        shift_sign_up(volunteer=v, need=morning)
    shift_assign(actor=world.coordinator, volunteer=d, need=afternoon)
    clock(at_hour(8))
    check_in(volunteer=a, code=point_code(world.point))
    check_in(volunteer=b, code=point_code(world.point))
    clock(at_hour(12, 1))
    assert no_shows_record(actor=world.coordinator, need=morning) == 1  # 丙
    return gate


def test_plan_against_actual_per_point_and_day(world, day):
    rows = {r.name: r for r in point_day_attendance(user=world.coordinator, day=DAY0.date())}
    assert set(rows) == {"迎宾小区核酸采样点", "迎宾小区东门"}
    p = rows["迎宾小区核酸采样点"]
    assert (p.needs, p.published, p.signed_up, p.checked_in, p.no_shows, p.short) == (2, 5, 4, 2, 1, 2)
    g = rows["迎宾小区东门"]
    assert (g.needs, g.published, g.signed_up, g.checked_in, g.no_shows, g.short) == (1, 4, 0, 0, 0, 4)
    nxt = point_day_attendance(user=world.coordinator, day=DAY0.date() + dt.timedelta(days=1))
    assert [(r.name, r.published, r.signed_up) for r in nxt] == [("迎宾小区核酸采样点", 9, 0)]
    assert point_day_attendance(user=world.other, day=DAY0.date()) == []


def test_the_points_page_shows_the_table_for_the_chosen_day(client, world, day):
    client.force_login(world.coordinator)
    page = client.get(reverse("volunteers:point_list")).content.decode()  # today (the clock's day)
    assert "data-attendance" in page and "计划与到岗" in page
    assert "data-published>5<" in page and "data-checked-in>2<" in page and "data-no-shows>1<" in page
    later = client.get(reverse("volunteers:point_list"), {"day": (DAY0.date() + dt.timedelta(days=1)).isoformat()}).content.decode()
    assert "data-published>9<" in later and "data-published>5<" not in later
    empty = client.get(reverse("volunteers:point_list"), {"day": "2022-12-01"}).content.decode()
    assert 'data-empty="attendance"' in empty
    assert client.get(reverse("volunteers:point_list"), {"day": "not-a-day"}).status_code == 200  # today instead
    client.force_login(world.other)
    assert "data-attendance" not in client.get(reverse("volunteers:point_list")).content.decode()
