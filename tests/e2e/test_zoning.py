"""严管 in a real browser: the district office proposes a building as a high-risk area, the command
centre approves it, the public list (no login) shows it; five clean days later (the clock moved), with
every resident negative in the day-5 screening, the system proposes lifting, the command lifts it and
it is gone from the public list. With FANGKONG_SCREENSHOTS=1 the run saves the screenshots used in
docs/user-guide/zoning.md.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from fangkong.core.roles import Role
from fangkong.results.history import TestEntry, sources
from fangkong.zoning.models import RiskArea
from fangkong.zoning.services import lifting_review

from ..factories import make_person, make_tree, make_user
from ..isolation.factories import use_profile
from .test_registry import PASSWORD, ensure_districts, log_in, shot

pytestmark = pytest.mark.e2e

BEIJING = ZoneInfo("Asia/Shanghai")
DAY0 = dt.datetime(2022, 11, 10, 9, 0, tzinfo=BEIJING)


@pytest.fixture
def day0():
    with time_machine.travel(DAY0, tick=True):
        yield DAY0


def test_a_building_is_declared_approved_published_and_lifted_by_rule(transactional_db, day0, live_server, page, monkeypatch):
    base = live_server.url
    ensure_districts()
    use_profile("twenty-measures")
    tree = make_tree(building="3号楼")
    residents = [make_person(tree.household, n) for n in ("钱多多", "孙悟空")]
    make_user("xinchengqu", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    make_user("zhihuibu", Role.COMMAND_CENTRE, [("city", None)], password=PASSWORD)

    log_in(page, base, "xinchengqu")
    page.goto(f"{base}/zoning/declare/?q=迎宾")
    page.get_by_role("link", name="迎宾小区").click()
    page.get_by_label("楼栋：3号楼").check()
    page.fill("#id_reason", "3号楼 1单元出现阳性感染者")
    shot(page, "zoning-declare.png")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("[data-status]")).to_have_text("待批准")
    page.context.clear_cookies()
    log_in(page, base, "zhihuibu")
    area = RiskArea.objects.get()
    page.goto(f"{base}/zoning/{area.pk}/")
    page.locator("[data-action=approve]").click()
    expect(page.locator("[data-status]")).to_have_text("生效中")

    page.context.clear_cookies()
    page.goto(f"{base}/zoning/public/?q=迎宾小区 3号楼")
    expect(page.locator("[data-public-list]")).to_contain_text("3号楼")
    expect(page.locator("body")).not_to_contain_text("钱多多")
    shot(page, "zoning-public.png")

    screening = [
        TestEntry(p.pk, DAY0 + dt.timedelta(days=5, hours=-2), DAY0 + dt.timedelta(days=5), "negative", "e2e", "第5天筛查")
        for p in residents
    ]
    monkeypatch.setitem(sources.fetchers, "e2e", lambda ids, before: [e for e in screening if e.person_id in ids])
    with time_machine.travel(DAY0 + dt.timedelta(days=5, hours=5), tick=True):
        assert lifting_review() == [area.pk]  # the hourly review
        page.context.clear_cookies()
        log_in(page, base, "zhihuibu")
        page.goto(f"{base}/zoning/{area.pk}/")
        expect(page.locator("[data-clock]")).to_contain_text("已达到解除条件")
        shot(page, "zoning-area.png")
        page.locator("[data-action=lift]").click()
        expect(page.locator("[data-status]")).to_have_text("已解除")
        page.context.clear_cookies()
        page.goto(f"{base}/zoning/public/")
        expect(page.locator("body")).not_to_contain_text("3号楼")
