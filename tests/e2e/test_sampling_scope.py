"""Issue 13 in a real browser: a round scoped to a grid is sampled at a point of the grid's community
(the community worker adds the point from the sampling page's empty state), and a sampler registers
someone the registry does not hold on the spot and samples them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from fangkong.core.crypto import decrypt
from fangkong.geo.idnumbers import make_resident_id
from fangkong.geo.models import Person
from fangkong.testing.models import TubeMember
from fangkong.testing.services import AreaSpec

from ..testing.factories import make_round
from .test_registry import ensure_districts
from .test_testing_round import log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def grid_round(transactional_db, city, users):
    ensure_districts()
    return make_round(users["command"], number=41, areas=[AreaSpec("grid", city.home.grid.pk, "controlled")])


def test_a_grid_round_is_sampled_at_its_community_point_and_a_newcomer_is_registered_on_the_spot(grid_round, city, live_server, page):
    base = live_server.url
    resident = city.home.household.members.order_by("pk").first()
    newcomer_id = make_resident_id("150102", dt.date(1988, 8, 8), 321)

    # No point yet: the community worker is offered 新建采样点 and adds the community's point.
    log_in(page, base, "community")
    page.goto(f"{base}/testing/rounds/{grid_round.pk}/sampling/")
    expect(page.locator("#no-points")).to_contain_text("没有可用的采样点")
    page.locator("#add-point").click()
    page.wait_for_url(re.compile(r".*/testing/points/new/.*"))
    page.select_option("#id_community", str(city.home.community.pk))
    page.fill("#id_name", "迎宾南路社区核酸采样点")
    page.get_by_role("button", name=re.compile("保存")).click()
    page.wait_for_url(re.compile(r"/testing/points/\?community=\d+$"))  # /points/new/ would match /points/.*

    # The round (scoped to 第一网格) offers the community's point: open a tube, sample a resident.
    page.goto(f"{base}/testing/rounds/{grid_round.pk}/sampling/")
    expect(page.locator("#point-select")).to_contain_text("迎宾南路社区核酸采样点")
    page.fill("input[name=barcode]", "GRID-0001")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/tubes/GRID-0001/$"))
    page.fill("#id_id_number", decrypt(resident.id_cipher))
    page.keyboard.press("Enter")
    expect(page.locator("#tube-members")).to_contain_text(resident.name)

    # A mistyped number names the check digit; a valid unregistered one offers 现场登记.
    page.fill("#id_id_number", newcomer_id[:17] + ("0" if newcomer_id[17] != "0" else "1"))
    page.keyboard.press("Enter")
    expect(page.locator("#id-number-errors")).to_contain_text("校验位")
    page.fill("#id_id_number", newcomer_id)
    page.keyboard.press("Enter")
    form = page.locator("#on-spot-form")
    expect(form).to_be_visible()
    expect(page.locator("#id_spot-id_number")).to_have_value(newcomer_id)
    page.fill("#id_spot-name", "新来者")
    page.fill("#id_spot-phone", "13900001234")
    page.select_option("#id_spot-grid", str(city.home.grid.pk))
    page.fill("#id_spot-address", "迎宾小区 3 号楼 202")
    form.get_by_role("button", name=re.compile("登记并加入本管")).click()
    expect(page.locator("main")).to_contain_text("已现场登记并加入 新来者")
    expect(page.locator("#tube-members")).to_contain_text("新来者")

    newcomer = Person.objects.get(name="新来者")
    assert newcomer.grid_id == city.home.grid.pk and newcomer.address == "迎宾小区 3 号楼 202"
    assert TubeMember.objects.filter(round=grid_round, person__in=[resident, newcomer]).count() == 2
