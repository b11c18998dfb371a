"""Screenshots of the 快隔 pages on a small demo city (docs/user-guide/isolation.md). Runs only with
FANGKONG_SCREENSHOTS=1; it also checks that the pages each demo role opens render with the demo data."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from fangkong.cases.synthetic import cases_generate
from fangkong.demo.management.commands.demo_accounts import demo_accounts_ensure
from fangkong.geo.synthetic import city_generate
from fangkong.isolation.models import IsolationSite as Site
from fangkong.testing.synthetic import round_generate

from .test_registry import ensure_districts, shot
from .test_testing_screens import log_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.environ.get("FANGKONG_SCREENSHOTS") != "1", reason="screenshot refresher (FANGKONG_SCREENSHOTS=1)"),
]


def test_screenshots_of_the_isolation_pages(transactional_db, live_server, page):
    from fangkong.isolation.synthetic import isolation_generate

    ensure_districts()
    city_generate(actor=None, people=6000, seed=2022, replace=True)
    round_generate(seed=2022)
    cases_generate(seed=2022)
    isolation_generate(seed=2022)
    demo_accounts_ensure(actor=None)
    base = f"{live_server.url}/isolation"

    log_in(page, live_server.url, "command")
    page.goto(f"{base}/")
    shot(page, "isolation-sites.png")
    page.goto(f"{base}/figures/")
    page.wait_for_selector("canvas")
    page.wait_for_timeout(800)
    shot(page, "isolation-figures.png")
    log_in(page, live_server.url, "isolation")
    site = Site.objects.order_by("id").first()
    page.goto(f"{base}/sites/{site.pk}/")
    expect(page.locator("main")).to_contain_text(site.name)
    shot(page, "isolation-room-grid.png")
    page.goto(f"{base}/sites/{site.pk}/day-sheet/")
    shot(page, "isolation-day-sheet.png")
    log_in(page, live_server.url, "community")
    page.goto(f"{base}/handovers/")
    expect(page.locator("main")).to_contain_text("迎宾南路社区")
    shot(page, "isolation-handovers.png")
