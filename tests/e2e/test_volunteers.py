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

from ..factories import ensure_reference_data, make_person, make_tree, make_user, next_id_number
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


def test_the_plan_against_actual_table_shows_the_day(transactional_db, day0, live_server, page):
    """计划与到岗 on 服务点与班次: two points' needs of the day (4 + 2 at the sampling point, 3 at the
    gate); five people put on them — three came, one did not (recorded after the shift), one still
    expected in the afternoon; the gate nobody. The coordinator sees the day's figures and totals."""
    from fangkong.volunteers.services import (
        Application,
        check_in,
        no_shows_record,
        shift_assign,
        shift_sign_up,
        volunteer_apply,
        volunteer_approve,
        volunteer_verify,
    )
    from fangkong.volunteers.tokens import point_code

    base = live_server.url
    ensure_districts()
    TaskType.objects.get_or_create(code="nat_testing", defaults={"name": "核酸检测"})
    TaskType.objects.get_or_create(code="community_registration", defaults={"name": "社区登记"})
    tree = make_tree()
    coordinator = make_user("xietiaoyuan", Role.VOLUNTEER_COORDINATOR, [("district", tree.district)], password=PASSWORD)
    team = organisation_add(actor=coordinator, name="共青团北疆应急保障志愿服务队", kind="youth_league", district=tree.district)
    sampling = point_add(actor=coordinator, name="迎宾小区核酸采样点", kind="sampling", community=tree.community, organisation=team)
    gate = point_add(actor=coordinator, name="迎宾小区东门卡口", kind="gate", community=tree.community, organisation=team)

    def need(point, a, b, n, task="nat_testing"):
        return need_publish(
            actor=coordinator,
            point=point,
            task_type=TaskType.objects.get(code=task),
            starts_at=DAY0.replace(hour=a, minute=0),
            ends_at=DAY0.replace(hour=b, minute=0),
            headcount=n,
        )

    def approved(name):
        number = next_id_number()
        make_person(tree.household, name, id_number=number)
        volunteer_apply(
            Application(
                name=name,
                id_number=number,
                phone="13912345678",
                community_id=tree.community.pk,
                skills=("sampling",),
                organisation_id=team.pk,
            )
        )
        v = Volunteer.objects.get(name=name)
        volunteer_verify(actor=coordinator, volunteer=v)
        return volunteer_approve(actor=coordinator, volunteer=v, field_work=True)

    morning, afternoon = need(sampling, 8, 12, 4), need(sampling, 13, 17, 2)
    need(gate, 8, 12, 3, task="community_registration")
    crew = [approved(n) for n in ("乌日娜", "巴特尔", "其其格", "萨仁", "斯琴")]
    for v in crew[:4]:
        shift_sign_up(volunteer=v, need=morning)
    shift_assign(actor=coordinator, volunteer=crew[4], need=afternoon)
    with time_machine.travel(DAY0.replace(hour=8, minute=5), tick=True):
        for v in crew[:3]:
            check_in(volunteer=v, code=point_code(sampling))
    with time_machine.travel(DAY0.replace(hour=12, minute=30), tick=True):
        assert no_shows_record(actor=coordinator, need=morning) == 1  # 萨仁
        page.set_viewport_size(LAPTOP)
        log_in(page, base, "xietiaoyuan")
        page.goto(f"{base}/volunteers/points/")
        table = page.locator("[data-attendance]")
        row = table.locator(f"tr[data-point='{sampling.pk}']")
        expect(row.locator("[data-published]")).to_have_text("6")
        expect(row.locator("[data-signed-up]")).to_have_text("5")
        expect(row.locator("[data-checked-in]")).to_have_text("3")
        expect(row.locator("[data-no-shows]")).to_have_text("1")
        expect(row.locator("[data-short]")).to_have_text("2")  # 6 asked for, 4 came or still expected
        at_gate = table.locator(f"tr[data-point='{gate.pk}']")
        expect(at_gate.locator("[data-signed-up]")).to_have_text("0")
        expect(at_gate.locator("[data-short]")).to_have_text("3")
        expect(table.locator("[data-total]")).to_contain_text("合计")
        totals = table.locator("[data-total] td")  # 合计 spans the point and community columns
        expect(totals.nth(1)).to_have_text("3")  # needs
        expect(totals.nth(2)).to_have_text("9")  # people asked for
        expect(totals.nth(6)).to_have_text("5")  # short
        day = page.locator("[data-form=attendance-day] input[name=day]")
        day.fill("2022-11-11")
        page.locator("[data-form=attendance-day] button").click()
        expect(page.locator("[data-empty=attendance]")).to_be_visible()  # nothing published for the next day
        day.fill("2022-11-10")
        page.locator("[data-form=attendance-day] button").click()
        expect(page.locator("[data-attendance] [data-total]")).to_contain_text("合计")
        shot(page, "volunteers-plan-actual.png")


def test_the_coordinator_finds_the_demo_week_on_each_page(transactional_db, live_server, page):
    """The demo week as the district's coordinator meets it: the landing page (applications to
    review, today's short shifts), organisations and teams, vehicles with trips and disinfection,
    and the people sent to communities (下沉) with the day's figures."""
    from fangkong.volunteers.synthetic import volunteers_generate

    base = live_server.url
    ensure_reference_data()  # the districts and every task type the demo's points need
    tree = make_tree()
    for i in range(3):
        make_tree(grid=f"第{i + 2}网格", community=f"演示社区{i + 1}", compound=f"演示小区{i + 1}")
    for i in range(12):
        make_person(tree.household, f"志愿者{i}")
    volunteers_generate(seed=7, people=12)
    make_user("xietiaoyuan", Role.VOLUNTEER_COORDINATOR, [("district", tree.district)], password=PASSWORD)
    page.set_viewport_size(LAPTOP)
    log_in(page, base, "xietiaoyuan")
    expect(page.locator("[data-panel=volunteers-applications]")).to_be_visible()
    expect(page.locator("[data-panel=volunteers-short]")).to_be_visible()
    shot(page, "volunteers-landing.png")
    page.goto(f"{base}/volunteers/organisations/")
    expect(page.locator("[data-organisations] tbody tr").first).to_be_visible()
    shot(page, "volunteers-organisations.png")
    page.goto(f"{base}/volunteers/fleet/")
    expect(page.locator("[data-vehicles] tbody tr")).to_have_count(8)
    expect(page.locator("[data-trips] tbody tr").first).to_be_visible()
    expect(page.locator("[data-cleanings] tbody tr").first).to_be_visible()
    shot(page, "volunteers-fleet.png")
    page.goto(f"{base}/volunteers/serving/")
    expect(page.locator("[data-serving-figures]")).to_be_visible()
    expect(page.locator("[data-deployments] tbody tr").first).to_be_visible()
    shot(page, "volunteers-serving.png")
