"""Screenshots of the 快检 pages on a small demo city with its completed round (docs/user-guide/testing.md).
Runs only with FANGKONG_SCREENSHOTS=1; it also checks that every page a role opens from the round
renders with the demo data (no server error, the round's numbers on the page)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from fangkong.demo.management.commands.demo_accounts import DEMO_PASSWORD, demo_accounts_ensure
from fangkong.geo.models import Grid
from fangkong.geo.synthetic import city_generate
from fangkong.testing.models import TestingRound as Round
from fangkong.testing.synthetic import round_generate

from .test_registry import ensure_districts, shot
from .test_registry import log_in as sign_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.environ.get("FANGKONG_SCREENSHOTS") != "1", reason="screenshot refresher (FANGKONG_SCREENSHOTS=1)"),
]


def log_in(page, base: str, username: str) -> None:
    sign_in(page, base, username, DEMO_PASSWORD)


def test_screenshots_of_the_testing_pages(transactional_db, live_server, page):
    ensure_districts()
    city_generate(actor=None, people=6000, seed=2022, replace=True)
    round_generate(seed=2022)
    demo_accounts_ensure(actor=None)
    r = Round.objects.get(number=8)
    base = f"{live_server.url}/testing/rounds/{r.pk}"

    log_in(page, live_server.url, "command")
    page.goto(f"{base}/")
    expect(page.locator("main")).to_contain_text("第8轮")
    shot(page, "testing-round.png")
    page.goto(f"{base}/coverage/")
    page.wait_for_selector("canvas")
    page.wait_for_timeout(800)
    shot(page, "testing-coverage.png")
    page.goto(f"{base}/board/")
    page.wait_for_selector("canvas")
    page.wait_for_timeout(800)
    shot(page, "testing-board.png")
    page.goto(f"{base}/report/")
    expect(page.locator("main")).to_contain_text("共检出阳性")
    shot(page, "testing-press-report.png")

    log_in(page, live_server.url, "grid")
    grid = Grid.objects.filter(community__name="迎宾南路社区").order_by("id").first()
    page.goto(f"{base}/grids/{grid.pk}/knock/")
    expect(page.locator("main")).to_contain_text("敲门")
    shot(page, "testing-door-knocking.png")

    log_in(page, live_server.url, "lab")
    page.goto(f"{base}/lab/")
    shot(page, "testing-lab.png")
