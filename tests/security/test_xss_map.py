"""Stored XSS on the risk-area map (item 7): a building named `"><img src=x onerror=alert(1)>` in an
area named `<script>…</script>` is declared and drawn; the district office hovers over its marker and
opens its popup in headless Chromium. The tooltip and the popup show both names as text, hold no
element the names brought, and nothing ran (no dialog, no window flag) — the map's script builds them
with textContent; the Content-Security-Policy would block the inline handler anyway, so the markup
check stands on its own. A second such building without coordinates is listed under the map as text.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from fangkong.core.roles import Role
from fangkong.geo.models import Building
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.services import area_declare

from ..e2e.test_registry import PASSWORD, ensure_districts, log_in
from ..factories import make_tree, make_user
from ..isolation.factories import use_profile

pytestmark = pytest.mark.e2e

IMG = '"><img src=x onerror=alert(1)>'  # 29 characters: a building's name holds 32
SCRIPT = "<script>window.__fkXss = 1; alert(2)</script>"
HANDLER = '<svg onload="window.__fkXss=1">'
WATCH = "window.__fkXss = 0;"
SINCE = dt.datetime(2022, 11, 14, 8, 0, tzinfo=dt.UTC)


def test_a_building_name_that_is_markup_shows_as_text_on_the_map(transactional_db, live_server, page):
    ensure_districts()
    use_profile("twenty-measures")
    command = make_user("zhihuibu", Role.COMMAND_CENTRE, [("city", None)], password=PASSWORD)
    tree = make_tree(building=IMG, household="801")
    unplaced = make_tree(building=HANDLER, household="802")
    make_user("xinchengqu", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    Building.objects.filter(pk=tree.building.pk).update(lat=40.848, lon=111.700)
    area_declare(
        actor=command, name=SCRIPT, area_class=AreaClass.SEALED, places=[("building", tree.building.pk)], reason="x", in_force_at=SINCE
    )
    area_declare(
        actor=command,
        name="无坐标",
        area_class=AreaClass.SEALED,
        places=[("building", unplaced.building.pk)],
        reason="x",
        in_force_at=SINCE,
    )

    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.add_init_script(WATCH)
    log_in(page, live_server.url, "xinchengqu")
    page.goto(f"{live_server.url}/zoning/map/")
    marker = page.locator("#zoning-map path.fk-map-area")
    expect(marker).to_have_count(1)

    marker.hover()
    tooltip = page.locator(".leaflet-tooltip").filter(has_text="高风险区")
    expect(tooltip).to_contain_text(f"迎宾小区{IMG}")  # the name as text, "<", ">" and all
    assert tooltip.locator("img, script, svg").count() == 0, tooltip.inner_html()

    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(f"迎宾小区{IMG}")
    expect(popup).to_contain_text(SCRIPT)
    assert popup.locator("img, script, svg").count() == 0, popup.inner_html()

    listed = page.locator("#zoning-map-unplaced")
    expect(listed).to_contain_text(HANDLER)
    assert listed.locator("svg, img, script").count() == 0

    assert dialogs == [], dialogs
    assert page.evaluate("window.__fkXss") == 0
