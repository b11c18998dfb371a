"""志愿服务 in a real browser: a volunteer applies on a phone (no account), the coordinator verifies
them against the registry and approves them for field work, gives them their personal link; on the
phone they sign up for a shift, check in by the point's QR code and out four hours later, and the
hours appear in the totals in the seed's form. With FANGKONG_SCREENSHOTS=1 the run saves the
screenshots used in docs/user-guide/volunteers.md."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from fangkong.core.roles import Role
from fangkong.volunteers.models import TaskType, Volunteer
from fangkong.volunteers.services import need_publish, organisation_add, point_add

from ..factories import make_person, make_tree, make_user, next_id_number
from .test_registry import PASSWORD, ensure_districts, log_in, shot

pytestmark = pytest.mark.e2e

BEIJING = ZoneInfo("Asia/Shanghai")
DAY0 = dt.datetime(2022, 11, 10, 7, 30, tzinfo=BEIJING)
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}


@pytest.fixture
def day0():
    with time_machine.travel(DAY0, tick=True):
        yield DAY0


def test_apply_approve_sign_up_check_in_and_out_and_the_hours_in_the_totals(transactional_db, day0, live_server, page):
    base = live_server.url
    ensure_districts()
    TaskType.objects.get_or_create(code="nat_testing", defaults={"name": "核酸检测"})  # a transactional test flushes the seed
    tree = make_tree()
    number = next_id_number()
    make_person(tree.household, "乌日娜", id_number=number)
    coordinator = make_user("xietiaoyuan", Role.VOLUNTEER_COORDINATOR, [("district", tree.district)], password=PASSWORD)
    team = organisation_add(actor=coordinator, name="共青团北疆应急保障志愿服务队", kind="youth_league", district=tree.district)
    point = point_add(actor=coordinator, name="迎宾小区核酸采样点", kind="sampling", community=tree.community, organisation=team)
    need_publish(
        actor=coordinator,
        point=point,
        task_type=TaskType.objects.get(code="nat_testing"),
        starts_at=DAY0.replace(hour=8, minute=0),
        ends_at=DAY0.replace(hour=12, minute=0),
        headcount=4,
    )

    phone = page  # one browser: the phone's turns and the coordinator's, the cookies cleared between them
    phone.set_viewport_size(PHONE)
    phone.goto(f"{base}/volunteers/apply/")
    phone.fill("#id_name", "乌日娜")
    phone.fill("#id_id_number", number)
    phone.fill("#id_phone", "139 1234 5678")
    phone.select_option("#id_community", str(tree.community.pk))
    phone.get_by_label("采样").check()
    phone.select_option("#id_organisation", str(team.pk))
    shot(phone, "volunteers-apply.png")
    phone.locator("[data-action=apply]").click()
    expect(phone.locator("[data-applied]")).to_contain_text("已收到您的报名")

    page.context.clear_cookies()
    page.set_viewport_size(LAPTOP)
    log_in(page, base, "xietiaoyuan")
    expect(page.locator("body")).to_contain_text("待审核的志愿者报名")
    v = Volunteer.objects.get()
    page.goto(f"{base}/volunteers/{v.pk}/")
    page.locator("[data-action=verify]").click()
    expect(page.locator("[data-registry]")).to_have_text("已匹配")
    page.locator("[data-action=approve]").click()
    expect(page.locator("[data-field-work]")).to_have_text("可从事一线工作")
    page.locator("[data-action=link]").click()
    link = page.locator("[data-link-url]").input_value()
    shot(page, "volunteers-approve.png")
    page.goto(f"{base}/volunteers/points/{point.pk}/")
    code_url = page.locator("[data-code-url]").input_value()
    shot(page, "volunteers-point.png")

    page.context.clear_cookies()
    phone.set_viewport_size(PHONE)
    phone.goto(link)
    expect(phone.locator("h1")).to_have_text("我的志愿服务")
    phone.locator("[data-action=sign-up]").click()
    expect(phone.locator("[data-shift]")).to_contain_text("迎宾小区核酸采样点")
    phone.goto(code_url)
    phone.locator("[data-action=check-in]").click()
    expect(phone.locator("[data-shift] [data-status]")).to_have_text("在岗")
    shot(phone, "volunteers-check-in.png")

    with time_machine.travel(DAY0.replace(hour=11, minute=45), tick=True):
        phone.goto(code_url)
        phone.locator("[data-action=check-out]").click()
        expect(phone.locator("[data-shift] [data-status]")).to_contain_text(re.compile(r"已完成 · 25[0-5] 分钟"))  # ≈ 07:30 → 11:45
        phone.goto(f"{base}/volunteers/me/")
        expect(phone.locator("[data-hours]")).to_have_text("4.2")
        page.context.clear_cookies()
        page.set_viewport_size(LAPTOP)
        log_in(page, base, "xietiaoyuan")
        page.goto(f"{base}/volunteers/totals/")
        expect(page.locator("[data-sentence]")).to_contain_text("累计出勤 1 人次、车辆 0 台次，服务时间 4 小时")
        expect(page.locator("[data-points]")).to_have_text("1")
        shot(page, "volunteers-totals.png")
