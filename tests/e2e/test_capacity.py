"""The capacity forecast in a real browser: the command opens it from the 三快一严 board, sees the
table of beds and rooms (the rooms running out within the week in the demo's history), both charts
drawn, the what-if per policy profile and the back-test; it fits a phone (390 px) without sideways
scrolling. With FANGKONG_SCREENSHOTS=1 the run saves the screenshot used in docs/user-guide/capacity.md."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fangkong.cases.synthetic import cases_generate
from fangkong.core.roles import Role
from fangkong.demo.outbreak_history import history_generate
from fangkong.geo.synthetic import city_generate
from fangkong.isolation.synthetic import isolation_generate

from ..factories import make_user
from .test_cases import LAPTOP, PHONE, log_in
from .test_registry import PASSWORD, ensure_districts, shot

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("beijing_afternoon")]


def test_the_command_opens_the_forecast_from_the_board(transactional_db, live_server, page):
    base = live_server.url
    ensure_districts()
    city_generate(actor=None, people=3_000, seed=12)
    cases_generate(seed=12)
    isolation_generate(seed=12)
    history_generate(seed=12, scale=0.4)
    make_user("zhihuibu", Role.COMMAND_CENTRE, [("city", None)], password=PASSWORD)

    page.set_viewport_size(LAPTOP)
    log_in(page, base, "zhihuibu")
    page.locator("#board-capacity-link").click()
    page.wait_for_url("**/capacity/")
    table = page.locator("#capacity-resources")
    expect(table.locator("[data-resource]")).to_have_count(3)
    expect(page.locator("#capacity-what-if [data-profile]")).to_have_count(3)
    expect(page.locator("#capacity-back-test [data-back-test]")).to_have_count(3)
    page.wait_for_selector("[data-capacity-series] canvas")
    page.wait_for_selector("[data-capacity-resources] canvas")
    shot(page, "capacity.png")

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("#capacity-resources")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
