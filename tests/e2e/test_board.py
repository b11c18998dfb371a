"""The 三快一严 board in a real browser: a district officer lands on the board (the home page), sees
the overdue transfer in 快转's row, drills down district → street → community → the list of late
items with their owners, and opens the case. The board fits a phone (390 px) without sideways
scrolling. With FANGKONG_SCREENSHOTS=1 the run saves the screenshots used in docs/user-guide/board.md.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.cases.choices import CaseSource, Classification
from fangkong.cases.services import case_open_by_hand
from fangkong.core.roles import Role
from fangkong.policy.models import PolicyParameter, PolicyProfile
from fangkong.policy.profiles import load_builtin_profiles

from ..factories import make_person, make_tree, make_user
from .test_cases import LAPTOP, PHONE, log_in
from .test_registry import PASSWORD, ensure_districts, shot

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("beijing_afternoon")]


def test_a_district_officer_drills_from_an_overdue_transfer_to_its_case(transactional_db, live_server, page):
    base = live_server.url
    ensure_districts()
    if not PolicyProfile.objects.exists():
        load_builtin_profiles(PolicyProfile, PolicyParameter)
    tree = make_tree()
    person = make_person(tree.household, "赵小红")
    command = make_user("zhihuibu", Role.COMMAND_CENTRE, [("city", None)], password=PASSWORD)
    make_user("xinchengqu", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    # Confirmed yesterday and still not admitted: past the same-day deadline (and escalated).
    case = case_open_by_hand(
        actor=command,
        person=person,
        classification=Classification.MILD,
        confirmed_at=timezone.now() - dt.timedelta(days=1),
        source=CaseSource.HOSPITAL_REPORT,
        source_note="市第一医院发热门诊报告",
    )

    page.set_viewport_size(LAPTOP)
    log_in(page, base, "xinchengqu")
    board = page.locator("#sankuai-board")
    expect(board).to_be_visible()
    overdue = board.locator('[data-figure="cases.transfers_overdue"]')
    expect(overdue.locator("[data-value]")).to_have_text("1")
    expect(board.locator('[data-escalated="cases.transfers_overdue"]')).to_have_count(1)
    page.wait_for_selector('[data-trend="cases"] canvas')
    shot(page, "board-home.png")

    overdue.click()
    expect(page.locator("#drill-children")).to_contain_text(tree.street.name)
    page.get_by_role("link", name=tree.street.name).click()
    page.get_by_role("link", name=tree.community.name).click()
    items = page.locator("#drill-items")
    expect(items.locator("[data-item]")).to_have_count(1)
    expect(items).to_contain_text(tree.community.name)  # its owner
    expect(items.locator("[data-escalated]")).to_have_count(1)
    expect(page.locator("body")).not_to_contain_text("赵小红")  # the list names no resident
    shot(page, "board-drill.png")
    items.get_by_role("link", name=f"病例 #{case.pk}", exact=False).click()
    page.wait_for_url(f"**/cases/{case.pk}/")

    page.set_viewport_size(PHONE)
    page.goto(f"{base}/")
    expect(page.locator("#sankuai-board")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "board-phone.png")
