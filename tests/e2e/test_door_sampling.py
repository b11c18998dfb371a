"""上门采样 in a real browser: a round planned while a building is a high-risk area has one door-to-door
task per household of it; the grid worker opens the round's 上门采样 tab, scans one barcode for a
household (1户1管) and sees it done, the counts following. With FANGKONG_SCREENSHOTS=1 the run saves
the screenshot used in docs/user-guide/zoning.md."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from fangkong.core.roles import Role
from fangkong.testing.models import DoorSamplingTask, TubeMember
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.services import area_declare

from ..factories import make_person, make_tree, make_user
from ..isolation.factories import use_profile
from ..testing.factories import make_point
from .test_registry import PASSWORD, ensure_districts, log_in, shot

pytestmark = pytest.mark.e2e

BEIJING = ZoneInfo("Asia/Shanghai")
DAY0 = dt.datetime(2022, 11, 10, 9, 0, tzinfo=BEIJING)


@pytest.fixture
def day0():
    with time_machine.travel(DAY0, tick=True):
        yield DAY0


def test_the_grid_worker_samples_a_high_risk_household_at_its_door(transactional_db, day0, live_server, page):
    from fangkong.testing.services import AreaSpec, round_plan

    base = live_server.url
    ensure_districts()
    use_profile("twenty-measures")
    first = make_tree(building="3号楼", household="301")
    second = make_tree(building="3号楼", household="302")
    for household, names in ((first.household, ("钱多多", "孙悟空")), (second.household, ("周芷若",))):
        for name in names:
            make_person(household, name)
    command = make_user("zhihuibu", Role.COMMAND_CENTRE, [("city", None)], password=PASSWORD)
    make_user("wanggeyuan", Role.GRID_WORKER, [("grid", first.grid)], password=PASSWORD)
    area_declare(
        actor=command,
        name="迎宾小区3号楼",
        area_class=AreaClass.SEALED,
        places=[("building", first.building.pk)],
        reason="同楼确诊",
        in_force_at=DAY0 - dt.timedelta(days=1),
    )
    make_point(first.community)
    testing_round = round_plan(actor=command, number=9, areas=[AreaSpec("community", first.community.pk)], starts_at=DAY0)
    assert DoorSamplingTask.objects.filter(round=testing_round).count() == 2

    log_in(page, base, "wanggeyuan")
    page.goto(f"{base}/testing/rounds/{testing_round.pk}/")
    expect(page.locator("#door-sampling")).to_contain_text("共 2 户")
    page.locator("#door-sampling").get_by_role("link", name="查看上门采样任务").click()
    task = page.locator(f"[data-household='{first.household.pk}']")
    expect(task).to_contain_text("1户1管")
    expect(task).to_contain_text("2/2 人待采样")
    task.locator("input[name=barcode]").fill("MS0001")
    task.get_by_role("button", name="登记上门采样").click()
    expect(page.locator(".alert-success, [role=status]").first).to_contain_text("已上门采样 2 人")
    expect(page.locator("[data-count=done]")).to_have_text("1")
    expect(page.locator("[data-count=pending]")).to_have_text("1")
    assert TubeMember.objects.filter(tube__barcode="MS0001").count() == 2
    shot(page, "testing-door-sampling.png")
