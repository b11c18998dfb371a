"""Alerts in a real browser: a positive is found in the community worker's community; the worker's
run delivers it; the worker sees the bell's count, opens the list, follows the alert to the case list
(marked read), and mutes the rule. The command reads the press brief. With FANGKONG_SCREENSHOTS=1
the run saves the screenshots of docs/user-guide/notifications.md and docs/user-guide/press-brief.md."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.cases.services import case_open_by_hand
from fangkong.core.roles import Role
from fangkong.notifications.services import deliver

from ..factories import make_person, make_tree, make_user
from .test_registry import PASSWORD, ensure_districts, log_in, shot

pytestmark = pytest.mark.e2e


def test_a_community_worker_is_alerted_to_a_positive_and_follows_it(transactional_db, live_server, page):
    base = live_server.url
    ensure_districts()
    tree = make_tree()
    other = make_tree(district_code="150103", street="环河街街道", community="通顺社区", grid="第一网格", compound="通顺小区")
    command = make_user("zhihuibu", Role.COMMAND_CENTRE, [("city", None)], password=PASSWORD)
    make_user("shequ", Role.COMMUNITY_WORKER, [("community", tree.community)], password=PASSWORD)
    confirmed = timezone.now() - dt.timedelta(minutes=20)
    for household, name in ((tree.household, "韩梅梅"), (other.household, "李雷")):
        case_open_by_hand(
            actor=command,
            person=make_person(household, name),
            classification="asymptomatic",
            confirmed_at=confirmed,
            source="hospital_report",
            source_note="发热门诊报告",
        )
    deliver(now=timezone.now())

    log_in(page, base, "shequ")
    bell = page.locator("#fk-bell")
    expect(bell.locator("[data-unread]")).to_have_text("1")
    bell.click()
    expect(page.locator("main")).to_contain_text("迎宾南路社区 新增 1 名阳性人员")
    expect(page.locator("main")).not_to_contain_text("通顺社区")  # another community's positive
    expect(page.locator("main")).not_to_contain_text("韩梅梅")  # no person in the words
    shot(page, "notifications-list.png")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(f"{base}/cases/cases/**")
    expect(page.locator("#fk-bell [data-unread]")).to_have_count(0)
    page.goto(f"{base}/notifications/")
    page.get_by_role("listitem").filter(has_text="本社区（网格）发现阳性").get_by_role("button", name="关闭").click()
    expect(page.locator("main")).to_contain_text("已关闭")

    page.context.clear_cookies()
    log_in(page, base, "zhihuibu")
    page.goto(f"{base}/reports/press/?date={timezone.localtime(confirmed):%Y-%m-%d}")
    expect(page.locator("main")).to_contain_text("新增本土确诊病例0例、无症状感染者2例")
    shot(page, "press-brief.png")
