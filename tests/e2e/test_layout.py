"""The top bar at a laptop's width (1440 × 900 and 1280 × 900), in Chinese and in English: the person
search box keeps a usable width and every menu label stays on one line. The English labels are
longer than the Chinese ones; before, at 1440 px the search box collapsed to a sliver and labels
wrapped to three lines."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from fangkong.core.roles import Role

from ..factories import make_user
from .test_registry import PASSWORD, log_in

pytestmark = pytest.mark.e2e

MAIN_PAGES = ["/", "/places/people/", "/testing/rounds/", "/cases/"]
# The number of lines each top-bar link's text takes: its content height over its line height.
LINES_OF_EACH_LINK = """() => Object.fromEntries([...document.querySelectorAll('nav .nav-link')].map(a => {
  const s = getComputedStyle(a);
  const content = a.getBoundingClientRect().height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);
  return [a.textContent.trim(), Math.round(content / parseFloat(s.lineHeight))];
}))"""


def switch_to(page, language: str) -> None:
    button = page.locator(f"nav button[name=language][value={language}]")
    if button.count():
        button.click()
        expect(page.locator("html")).to_have_attribute("lang", language)


@pytest.mark.parametrize("width", [1440, 1280])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_top_bar_keeps_the_search_box_and_one_line_labels(transactional_db, live_server, page, users, language, width):
    make_user("layout", Role.COMMAND_CENTRE, [("city", None)], password=PASSWORD)  # the longest menu, and the search box
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, "layout")
    switch_to(page, language)
    for path in MAIN_PAGES:
        page.goto(f"{live_server.url}{path}")
        if os.environ.get("FK_LAYOUT_SHOTS"):
            page.screenshot(path=f"/tmp/i13/{language}-{width}-{path.strip('/').replace('/', '_') or 'home'}.png")
        search = page.locator("nav input[name=q]")
        box = search.bounding_box()
        assert box and box["width"] >= 160, f"{path}: search box {box} at {width} px in {language}"
        lines = page.evaluate(LINES_OF_EACH_LINK)
        assert lines and all(n == 1 for n in lines.values()), f"{path}: a label wraps ({lines}) at {width} px in {language}"
