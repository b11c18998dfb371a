"""The risk-area map in a real browser: Leaflet, vendored, draws the district's outline and one marker
per building or compound of the areas in force — coloured by level, with a legend — and the buildings
where cases live, with no tile server (offline, the default) and nothing refused by the
Content-Security-Policy. With FANGKONG_SCREENSHOTS=1 the run saves the screenshot used in
docs/user-guide/zoning.md.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from fangkong.core.roles import Role
from fangkong.geo.models import Building, Compound
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.services import area_declare

from ..cases.factories import open_case
from ..factories import make_person, make_tree, make_user
from ..isolation.factories import use_profile
from .test_registry import PASSWORD, ensure_districts, log_in, shot

pytestmark = pytest.mark.e2e

SINCE = dt.datetime(2022, 11, 14, 8, 0, tzinfo=dt.UTC)


def declare(command, name: str, area_class: str, place: tuple[str, int]):
    return area_declare(actor=command, name=name, area_class=area_class, places=[place], reason="x", in_force_at=SINCE)


def test_the_map_draws_the_areas_in_force_and_the_cases_buildings_without_tiles(transactional_db, live_server, page):
    ensure_districts()
    use_profile("twenty-measures")
    command = make_user("zhihuibu", Role.COMMAND_CENTRE, [("city", None)], password=PASSWORD)
    trees = [make_tree(building=f"{n}号楼", household=f"{n}01") for n in (1, 2, 3)]
    other = make_tree(compound="海棠小区", building="1号楼", household="901")
    make_user("xinchengqu", Role.DISTRICT_OFFICE, [("district", trees[0].district)], password=PASSWORD)
    Compound.objects.filter(pk=trees[0].compound.pk).update(lat=40.848, lon=111.700)
    Compound.objects.filter(pk=other.compound.pk).update(lat=40.860, lon=111.730)
    for i, t in enumerate(trees):
        Building.objects.filter(pk=t.building.pk).update(lat=40.848 + 0.0008 * i, lon=111.700 + 0.0009 * i)
    Building.objects.filter(pk=other.building.pk).update(lat=40.8605, lon=111.7305)
    for t, area_class in ((trees[0], AreaClass.SEALED), (trees[1], AreaClass.SEALED)):
        area_declare(
            actor=command,
            name=f"迎宾小区{t.building.name}",
            area_class=area_class,
            places=[("building", t.building.pk)],
            reason="x",
            in_force_at=SINCE,
        )
    area_declare(
        actor=command,
        name="海棠小区",
        area_class=AreaClass.PRECAUTION,
        places=[("compound", other.compound.pk)],
        reason="x",
        in_force_at=SINCE,
    )
    open_case(command, make_person(trees[2].household, "韩秋池"))

    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, live_server.url, "xinchengqu")
    page.goto(f"{live_server.url}/zoning/")
    page.get_by_role("link", name="地图").click()
    expect(page.locator("#zoning-map[data-ready]")).to_have_count(1)
    expect(page.locator("#zoning-map path.fk-map-area")).to_have_count(3)  # two buildings and a compound
    expect(page.locator("#zoning-map path.fk-map-area-sealed")).to_have_count(2)
    expect(page.locator("#zoning-map path.fk-map-area-precaution")).to_have_count(1)
    expect(page.locator("#zoning-map path.fk-map-case")).to_have_count(1)
    expect(page.locator("#zoning-map path.fk-map-district")).to_have_count(1)  # 新城区's outline
    expect(page.locator("#zoning-map .leaflet-tile")).to_have_count(0)  # no tile server offline
    legend = page.locator("#zoning-map-legend")
    expect(legend).to_contain_text("高风险区")
    expect(legend).to_contain_text("病例所在楼栋")
    expect(page.locator("#zoning-map-summary")).to_contain_text("3")
    page.locator("#zoning-map path.fk-map-case").click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("现有病例 1 例")
    expect(page.locator(".leaflet-popup-content")).not_to_contain_text("韩秋池")
    page.wait_for_timeout(400)  # the popup fades in
    shot(page, "zoning-map.png")
    assert refused == [], refused
