"""The capacity forecast over the demo's history (fangkong.demo.outbreak_history on a small city):
the page and its figures, the back-test from D−7 against what happened, the what-if on the policy
profiles' central isolation days, and scoping (figures only, over the user's grants: a district
sees its district, a community worker its community)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.cases.models import Case
from fangkong.cases.synthetic import cases_generate
from fangkong.core.board import trend_days
from fangkong.core.roles import Role
from fangkong.demo.outbreak_history import history_generate
from fangkong.geo.models import District
from fangkong.geo.synthetic import city_generate
from fangkong.isolation.synthetic import isolation_generate
from fangkong.policy.regimen import local_date
from fangkong.reports.capacity import capacity_forecast

from ..clock import built_once_per_module
from ..factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("beijing_afternoon")]


def _history():
    city_generate(actor=None, people=3_000, seed=12)
    cases_generate(seed=12)
    isolation_generate(seed=12)
    return history_generate(seed=12, scale=0.4)


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    """Built once per module (about 8 s): the tests only read it, and what one writes is rolled back."""
    yield from built_once_per_module(django_db_blocker, _history)


@pytest.fixture
def command(history) -> User:
    return make_user("capacity-command", Role.COMMAND_CENTRE, [("city", None)])


def test_the_forecast_projects_beds_and_rooms_against_capacity(command, history):
    fc = capacity_forecast(user=command, now=timezone.now())
    assert fc.enough_history
    positives, contacts = fc.series
    assert positives.fit.daily_growth > 0.05 and contacts.fit.daily_growth > 0.05  # the wave grows
    assert [r.key for r in fc.resources] == ["fangcang", "hospital", "isolation"]
    for r in fc.resources:
        assert len(r.need) == 7 and all(lo <= e <= hi for lo, e, hi in zip(r.low, r.need, r.high, strict=True))
        assert r.capacity > 0 and r.days[0] == local_date(timezone.now())
        if r.runs_out is not None:
            assert r.need[r.runs_out - 1] > r.capacity and r.out_on == r.days[r.runs_out - 1]
            assert r.runs_out_earliest <= r.runs_out
    rooms = fc.resources[-1]
    assert rooms.in_use >= history.in_rooms > 0
    assert rooms.need[-1] > rooms.need[0]  # growing arrivals, a 5-day stay: more rooms each day


def test_the_back_test_from_d_minus_7_is_compared_with_what_happened(command):
    now = timezone.now()
    fc = capacity_forecast(user=command, now=now)
    positives, contacts, in_central = fc.back_tests
    today = local_date(now)
    assert positives.cut == today - dt.timedelta(days=7) and positives.days[-1] == today - dt.timedelta(days=1)
    # "What happened" is the cases confirmed on each of those days.
    for day, *_rest, actual in positives.rows:
        assert actual == sum(1 for c in Case.objects.exclude(status="withdrawn") if local_date(c.confirmed_at) == day)
    # The history grew as the method assumes: the projections hold.
    for t in (positives, contacts, in_central):
        assert t.within_band >= 4, (t.label, t.rows)
        assert abs(t.total_error) < 0.5, (t.label, t.total_error)


def test_a_longer_central_isolation_needs_more_rooms(command):
    fc = capacity_forecast(user=command, now=timezone.now())
    by_days = sorted(fc.what_if, key=lambda w: w.central_days)
    assert [w.central_days for w in by_days] == [5, 7, 14]  # 20 measures, 9th edition, early 2020
    assert [w.active for w in by_days] == [True, False, False]
    needs = [w.resource.need for w in by_days]
    for shorter, longer in zip(needs, needs[1:], strict=False):
        assert all(a <= b for a, b in zip(shorter, longer, strict=True))
        assert longer[-1] > shorter[-1]
    # The active profile's line is the isolation row of the table.
    assert fc.resources[-1].need == by_days[0].resource.need


def test_the_page_from_the_board(client, command):
    client.force_login(command)
    board = client.get(reverse("reports:board")).content.decode()
    assert reverse("reports:capacity") in board
    html = client.get(reverse("reports:capacity")).content.decode()
    for marker in (
        'id="capacity-resources"',
        'id="capacity-chart"',
        'id="capacity-what-if"',
        'id="capacity-back-test"',
        "方舱医院",
        "隔离房间",
    ):
        assert marker in html, marker
    assert html.count("data-profile=") == 3 and html.count("data-back-test=") == 3


def test_a_district_sees_its_district_and_a_community_worker_its_community(client, command):
    district = District.objects.order_by("code").first()
    office = make_user("capacity-district", Role.DISTRICT_OFFICE, [("district", district)])
    now = timezone.now()
    mine = capacity_forecast(user=office, now=now)
    days = trend_days(local_date(now) - dt.timedelta(days=1), 14)
    expected = [
        sum(1 for c in Case.objects.filter(district=district).exclude(status="withdrawn") if local_date(c.confirmed_at) == d) for d in days
    ]
    assert mine.series[0].counts == expected
    assert sum(mine.series[0].counts) < sum(capacity_forecast(user=command, now=now).series[0].counts)
    client.force_login(office)
    assert client.get(reverse("reports:capacity")).status_code == 200
    community = Case.objects.filter(district=district).exclude(status="withdrawn").order_by("id").first().community
    worker = make_user("capacity-worker", Role.COMMUNITY_WORKER, [("community", community)])
    theirs = capacity_forecast(user=worker, now=now).series[0].counts
    assert theirs == [
        sum(1 for c in Case.objects.filter(community=community).exclude(status="withdrawn") if local_date(c.confirmed_at) == d)
        for d in days
    ]
    client.force_login(worker)
    assert client.get(reverse("reports:capacity")).status_code == 200
    client.logout()
    assert client.get(reverse("reports:capacity")).status_code == 302
