"""Plan against actual per service point and Beijing day: the people the needs asked for, and of the
shifts how many were signed up, checked in and recorded as no-shows — against hand-counted
fixtures; a need of another day (a late-evening shift is the day it starts, Beijing) is not counted;
another district's coordinator sees none of it; the table on the service points page with its day
selector; the same figures over the API (another district's point: 404, its figures never counted)
and as CSV, audited as every export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.volunteers.models import TaskType
from fangkong.volunteers.selectors import point_day_attendance
from fangkong.volunteers.services import check_in, need_publish, no_shows_record, point_add, shift_assign, shift_sign_up
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


API = "/api/volunteers/points/attendance/"
FIGURES = ("needs", "published", "signed_up", "checked_in", "no_shows", "short")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def far_point(world, day):
    """回民区's point with a need of 6 the same day: never in 新城区's figures."""
    far = point_add(actor=world.other, name="外区采样点", kind="sampling", community=world.city.elsewhere.community)
    need_publish(actor=world.other, point=far, task_type=TaskType.objects.get(code="nat_testing"),
                 starts_at=at_hour(9), ends_at=at_hour(11), headcount=6)  # fmt: skip
    return far


def test_the_api_gives_the_tables_figures(world, day, far_point):
    body = api(world.coordinator).get(API, {"day": DAY0.date().isoformat()}).json()
    expected = point_day_attendance(user=world.coordinator, day=DAY0.date())
    assert body["day"] == DAY0.date().isoformat()
    assert [r["point_id"] for r in body["points"]] == [r.point_id for r in expected]
    for got, row in zip(body["points"], expected, strict=True):
        assert [got[k] for k in FIGURES] == [getattr(row, k) for k in FIGURES]
    assert body["total"] == {"needs": 3, "published": 9, "signed_up": 4, "checked_in": 2, "no_shows": 1, "short": 6}
    one = api(world.coordinator).get(API, {"day": DAY0.date().isoformat(), "point": day.pk}).json()
    assert [(r["name"], r["published"]) for r in one["points"]] == [("迎宾小区东门", 4)]
    assert api(world.coordinator).get(API).json()["day"] == DAY0.date().isoformat()  # today, Beijing
    assert api(world.coordinator).get(API, {"day": "not-a-day"}).status_code == 400


def test_the_api_refuses_another_districts_point(world, day, far_point):
    mine = api(world.coordinator)
    attack = mine.get(API, {"day": DAY0.date().isoformat(), "point": far_point.pk})
    assert attack.status_code == 404 and "外区采样点" not in attack.content.decode()
    names = [r["name"] for r in mine.get(API, {"day": DAY0.date().isoformat()}).json()["points"]]
    assert "外区采样点" not in names
    theirs = api(world.other).get(API, {"day": DAY0.date().isoformat()}).json()
    assert [(r["name"], r["published"]) for r in theirs["points"]] == [("外区采样点", 6)]
    assert api(world.other).get(API, {"day": DAY0.date().isoformat(), "point": world.point.pk}).status_code == 404
    assert APIClient().get(API).status_code in (401, 403)


def test_the_table_exports_as_csv_audited(client, world, day, far_point):
    client.force_login(world.coordinator)
    page = client.get(reverse("volunteers:point_list")).content.decode()
    assert f"?day={DAY0.date().isoformat()}&amp;format=csv" in page
    response = client.get(reverse("volunteers:point_list"), {"day": DAY0.date().isoformat(), "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="attendance-20221110-')
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Excel opens the Chinese as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["服务点", "社区", "需求", "需要人数", "已报名", "已到岗", "未到岗", "缺口"]
    by_name = {r[0]: r[2:] for r in rows[1:]}
    assert by_name == {"迎宾小区东门": ["1", "4", "0", "0", "0", "4"], "迎宾小区核酸采样点": ["2", "5", "4", "2", "1", "2"]}
    event = AuditEvent.objects.get(event_type=EventType.EXPORT)
    assert event.actor == world.coordinator and event.count == 2
    assert event.after == {"list": "volunteers.point_day_attendance", "format": "csv", "filters": {"day": "2022-11-10"}, "rows": 2}
    client.force_login(world.other)
    theirs = client.get(reverse("volunteers:point_list"), {"day": DAY0.date().isoformat(), "format": "csv"})
    assert [r[0] for r in csv.reader(io.StringIO(b"".join(theirs.streaming_content).decode("utf-8-sig")))][1:] == ["外区采样点"]
