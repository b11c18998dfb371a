"""Each role's first page in a real browser (issue 13, items 7 and 11): the grid worker signs in to
the households to knock on and the re-sampling of their grid, and opens a household from there; the
laboratory to the tubes awaiting results under its own name, with no isolation or registry menu; the
isolation site to today's sampling sheet and the releases due, and opens the sheet. No page shows a
developer's command. With FANGKONG_SCREENSHOTS=1 the run saves the screenshots of docs/user-guide.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..reports.test_landing import build_work
from .test_cases import log_in
from .test_registry import ensure_districts, shot

pytestmark = pytest.mark.e2e


@pytest.fixture
def work(transactional_db, request):
    """The districts and policy profiles come from data migrations; a transactional test before this one flushes them."""
    ensure_districts()
    city, users = request.getfixturevalue("city"), request.getfixturevalue("users")
    return city, users, build_work(city, users)


def menu(page) -> list[str]:
    return [t.strip() for t in page.locator("#mainnav .navbar-nav .nav-link").all_inner_texts()]


def panel(page, key: str):
    return page.locator(f'[data-panel="{key}"]')


def test_grid_worker_lab_and_isolation_site_each_land_on_their_work(work, live_server, page):
    city, _users, data = work
    base = live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # The grid worker: the households to knock on, re-sampling, people coming home, home checks.
    log_in(page, base, "grid")
    expect(page.locator("h1")).to_have_text("今日工作")
    expect(page.locator("#home-scope")).to_contain_text("第一网格")
    knock = panel(page, f"knocking-{city.home.grid.pk}")
    expect(knock).to_contain_text("敲门行动")
    expect(knock).to_contain_text("李建国")
    expect(panel(page, "resampling")).to_contain_text("王秀英")
    expect(panel(page, "handovers")).to_contain_text("周晓红")  # released, coming home to the grid
    assert menu(page)[:2] == ["首页", "核酸检测"]
    assert "dev.py" not in page.content()
    shot(page, "landing-grid.png")
    knock.locator("li a").first.click()
    expect(page).to_have_url(
        f"{base}/testing/rounds/{data['round'].pk}/grids/{city.home.grid.pk}/knock/?household={city.home.household.pk}"
    )

    # The laboratory: its name instead of a jurisdiction, results due, no isolation or registry menu.
    log_in(page, base, "lab")
    expect(page.locator("#home-scope")).to_have_text("所在机构：金域检验")
    expect(panel(page, "lab-results")).to_contain_text("第 8 轮")
    expect(panel(page, "lab-results")).to_contain_text("已接收待出结果 1 支")
    expect(panel(page, "lab-receive")).to_contain_text("没有等待接收的试管")
    labels = menu(page)
    assert labels[:2] == ["首页", "核酸检测"] and not {"集中隔离", "区域与人口", "人员查询", "阳性转运"} & set(labels)
    assert "全市" not in page.locator("main").inner_text()
    shot(page, "landing-lab.png")
    panel(page, "lab-results").locator("li a").first.click()
    expect(page).to_have_url(f"{base}/testing/rounds/{data['round'].pk}/lab/")

    # The isolation site: today's sampling sheet (a missed test to make up) and the release due.
    log_in(page, base, "hotel")
    expect(page.locator("#home-scope")).to_have_text("所在机构：如家酒店隔离点")
    sheet = panel(page, f"day-sheet-{data['site'].pk}")
    expect(sheet).to_contain_text("李建国")
    expect(sheet).to_contain_text("补采")
    expect(panel(page, "releases-due")).to_contain_text("李建国")
    assert menu(page)[:2] == ["首页", "集中隔离"]
    shot(page, "landing-isolation.png")
    sheet.locator("li a").first.click()
    page.wait_for_url(lambda url: f"/isolation/sites/{data['site'].pk}/day-sheet/" in url)  # the home page names 李建国 too
    expect(page.locator("main")).to_contain_text("李建国")
    assert f"/isolation/sites/{data['site'].pk}/day-sheet/" in page.url
    assert errors == []
