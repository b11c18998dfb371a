"""4+N duty in a real browser: the street office opens the sealed compound's duty page, names a
volunteer (linked to the grid worker's account) and gives them a day shift; the page shows the gaps
(the night without police or militia) and the phone masked; the volunteer checks in from a phone.
With FANGKONG_SCREENSHOTS=1 the run saves the screenshots used in docs/user-guide/zoning.md."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from fangkong.core.roles import Role
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.models import DutyShift
from fangkong.zoning.services import area_declare

from ..factories import make_tree, make_user
from .test_registry import PASSWORD, ensure_districts, log_in, shot

pytestmark = pytest.mark.e2e

BEIJING = ZoneInfo("Asia/Shanghai")
DAY0 = dt.datetime(2022, 11, 10, 9, 0, tzinfo=BEIJING)


@pytest.fixture
def day0():
    with time_machine.travel(DAY0, tick=True):
        yield DAY0


def test_a_roster_is_kept_its_gaps_shown_and_the_volunteer_checks_in(transactional_db, day0, live_server, page):
    base = live_server.url
    ensure_districts()
    tree = make_tree(building="3号楼")
    command = make_user("zhihuibu", Role.COMMAND_CENTRE, [("city", None)], password=PASSWORD)
    make_user("jiedao", Role.STREET_OFFICE, [("street", tree.street)], password=PASSWORD)
    make_user("wanggeyuan", Role.GRID_WORKER, [("grid", tree.grid)], password=PASSWORD)
    area_declare(
        actor=command,
        name="迎宾小区3号楼",
        area_class=AreaClass.SEALED,
        places=[("building", tree.building.pk)],
        reason="同楼确诊",
        in_force_at=DAY0 - dt.timedelta(hours=1),
    )

    log_in(page, base, "jiedao")
    page.goto(f"{base}/zoning/duty/")
    page.get_by_role("link", name="迎宾小区").click()
    expect(page.locator("[data-on-duty]")).to_contain_text("当前无人值守")
    form = page.locator("[data-form=post]")
    form.locator("#id_role").select_option("volunteer")
    form.locator("#id_name").fill("林志远")
    form.locator("#id_phone").fill("13800001201")
    form.locator("#id_user").fill("wanggeyuan")
    form.get_by_role("button", name="添加").click()
    shift = page.locator("[data-form=shift]")
    shift.locator("#id_starts_at").fill("2022-11-10T08:00")
    shift.locator("#id_ends_at").fill("2022-11-10T20:00")
    shift.get_by_role("button", name="排班").click()
    expect(page.locator("[data-on-duty]")).to_contain_text("林志远")
    expect(page.locator("[data-roster]")).to_contain_text("138******01")
    expect(page.locator("[data-gaps]")).to_contain_text("夜班 11-10 20:00–次日09:00 无志愿者")
    expect(page.locator("[data-gaps]")).to_contain_text("无政法干警或民兵")
    assert "13800001201" not in page.content()
    shot(page, "zoning-duty.png")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 760})
    log_in(page, base, "wanggeyuan")
    page.goto(f"{base}/zoning/duty/check-in/")
    page.locator("[data-action=check-in]").click()
    expect(page.locator("[data-checked-in]")).to_be_visible()
    shot(page, "zoning-duty-check-in.png")
    assert DutyShift.objects.get().checked_in_at is not None
    page.set_viewport_size({"width": 1280, "height": 900})
