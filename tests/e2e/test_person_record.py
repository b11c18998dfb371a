"""一人一档 in a real browser: the command centre opens a person in central isolation and reads the
state line ("在集中隔离 · 如家酒店隔离点 301 · 第 3 天") and one timeline of their round test, their
determination as a contact, check-in and isolation test; a grid worker opens the same person and is
told the contact links are withheld. With FANGKONG_SCREENSHOTS=1 the run saves the screenshot used in
docs/user-guide/registry.md.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.isolation.choices import TestPhase
from fangkong.isolation.services import episode_check_in, test_record
from fangkong.policy.models import PolicyParameter, PolicyProfile
from fangkong.policy.profiles import load_builtin_profiles
from fangkong.policy.regimen import LOCAL_TZ, local_date
from fangkong.results.choices import Result
from fangkong.testing.services import Binding, bulk_bind, tube_receive

from ..isolation.conftest import profile, setup  # noqa: F401  (the 快隔 fixtures, shared)
from ..isolation.factories import room
from ..isolation.tracing_factories import add, trace  # noqa: F401
from ..testing.factories import at as round_at
from ..testing.factories import make_lab, make_lab_user, make_point, make_round, upload
from .test_cases import log_in
from .test_registry import ensure_districts, shot

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("beijing_afternoon")]  # check-in "two days ago, 15:00"


@pytest.fixture
def traced(transactional_db, request):
    """The districts and policy profiles come from data migrations; a transactional test before this one flushes them."""
    ensure_districts()
    if not PolicyProfile.objects.exists():
        load_builtin_profiles(PolicyProfile, PolicyParameter)
    return request.getfixturevalue("trace")


def _local(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LOCAL_TZ)


def test_the_person_page_shows_the_state_and_one_timeline(traced, setup, users, city, live_server, page):  # noqa: F811
    t, base = traced, live_server.url
    person = t.family  # 李建国, in the grid worker's grid
    lab = make_lab()
    lab_user = make_lab_user("lab", lab)
    testing_round = make_round(users["command"])
    bulk_bind(
        actor=users["community"], testing_round=testing_round, sampling_point=make_point(city.home.community),
        pooling_mode="single", bindings=[Binding("S9", person_id=person.pk)], at=round_at(1),
    )  # fmt: skip
    tube_receive(actor=lab_user, testing_round=testing_round, laboratory=lab, barcodes=["S9"], at=round_at(3))
    upload(lab_user, testing_round, lab, [("S9", "阴性", "", "", "2022-02-25 16:00")], round_at(9))
    day0 = local_date(timezone.now()) - dt.timedelta(days=2)
    contact = add(users["district"], t.case_a, person, last=_local(day0, 8) - dt.timedelta(hours=12), at=_local(day0, 10)).contact
    episode = episode_check_in(actor=setup.site_user, episode=contact.episode, room=room(setup.site, "301"), at=_local(day0, 15))
    day1 = episode.tests.get(phase=TestPhase.CENTRAL, day_number=1)
    test_record(actor=setup.site_user, test=day1, result=Result.NEGATIVE, sampled_at=_local(day0, 16), resulted_at=_local(day0, 20))

    log_in(page, base, "command")
    page.goto(f"{base}/places/people/{person.pk}/")
    expect(page.locator("#state-line")).to_have_text("在集中隔离 · 如家酒店隔离点 301 · 第 3 天")
    timeline = page.locator("#record-timeline > li")
    expect(timeline).to_have_count(5)
    kinds = [timeline.nth(i).get_attribute("data-kind") for i in range(5)]
    assert kinds == ["test", "checked_in", "isolation_identified", "contact", "test"]  # newest first
    expect(page.locator('#record-timeline [data-section="contacts"]')).to_contain_text("判定为密切接触者")
    expect(page.locator("#record-timeline")).to_contain_text("第 8 轮全员核酸 · S9")
    expect(page.locator("[data-withheld]")).to_have_count(0)
    shot(page, "person-record.png")

    # The checked-in entry opens the episode.
    page.locator('#record-timeline [data-kind="checked_in"] a').click()
    page.wait_for_url(f"**/isolation/episodes/{episode.pk}/")  # the person page's h1 has the name too
    expect(page.locator("h1")).to_contain_text(person.name)

    # A grid worker sees the same state and the tests, but not the contact links (cases.view).
    page.context.clear_cookies()
    log_in(page, base, "grid")
    page.goto(f"{base}/places/people/{person.pk}/")
    expect(page.locator("#state-line")).to_have_text("在集中隔离 · 如家酒店隔离点 301 · 第 3 天")
    expect(page.locator("[data-withheld]").last).to_contain_text("密接关系：您的角色无权查看病例的个人信息")
    expect(page.locator('#record-timeline [data-section="contacts"]')).to_have_count(0)
    expect(page.locator('#record-timeline [data-section="tests"]')).to_have_count(2)
