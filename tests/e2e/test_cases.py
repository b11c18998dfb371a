"""快转 in a real browser, from a positive result to a bed: the lab reports a single tube positive
(快检 services), the command centre turns the queue into cases, a district dispatcher sees the case
on the transfer board and dispatches it to the suggested Fangcang, the crew picks the patient up, and
the Fangcang's admission desk admits them — the case shows as admitted with the bed taken. With
FANGKONG_SCREENSHOTS=1 the run saves the screenshots used in docs/user-guide/cases.md.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.cases.choices import BedType, CaseSource, CaseStatus, Classification, FacilityKind, TransferStatus
from fangkong.cases.models import Case, FacilityBeds, Transfer
from fangkong.cases.services import case_open_by_hand, transfer_dispatch
from fangkong.policy.models import PolicyParameter, PolicyProfile
from fangkong.policy.profiles import load_builtin_profiles
from fangkong.testing.models import ConfirmedPositive
from fangkong.testing.services import AreaSpec, Binding, bulk_bind, round_plan

from ..cases.factories import make_facility, make_facility_user
from ..factories import make_person, next_id_number
from ..testing.conftest import setup  # noqa: F401  (the 快检 fixture, shared)
from ..testing.factories import upload
from .test_registry import SCREENSHOTS, ensure_districts, log_in, shot

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("beijing_afternoon")]  # same-day deadlines, "earlier today"

LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def city_setup(transactional_db, request):
    """The districts and policy profiles come from data migrations; a transactional test before this one flushes them."""
    ensure_districts()
    if not PolicyProfile.objects.exists():
        load_builtin_profiles(PolicyProfile, PolicyParameter)
    return request.getfixturevalue("setup")


def a_positive_today(s, users, person, *, barcode: str = "T-0001") -> ConfirmedPositive:
    """Today's round: the person sampled in a single tube three hours ago, the lab reporting it positive."""
    now = timezone.now()
    testing_round = round_plan(actor=users["command"], number=9, areas=[AreaSpec("city")], starts_at=now - dt.timedelta(hours=5))
    bulk_bind(
        actor=users["command"],
        testing_round=testing_round,
        sampling_point=s.point,
        pooling_mode="single",
        bindings=[Binding(barcode, person_id=person.pk)],
        at=now - dt.timedelta(hours=3),
    )
    reported = timezone.localtime(now - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    upload(s.lab_user, testing_round, s.lab, [(barcode, "阳性", 26.5, 28.1, reported)], now)
    return ConfirmedPositive.objects.get(person=person, round=testing_round)


def others_on_the_board(users, city, fangcang_elsewhere, hospital) -> None:
    """A few more positives so the board looks like a morning's work: one overdue since yesterday,
    an elderly case (a designated hospital by age), a moderate case on its way to the hospital."""
    now = timezone.now()
    household = city.home.household

    def by_hand(name, birth, classification, hours_ago, note):
        person = make_person(household, name, id_number=next_id_number(birth=birth, sex="F"))
        return case_open_by_hand(
            actor=users["command"],
            person=person,
            classification=classification,
            confirmed_at=now - dt.timedelta(hours=hours_ago),
            source=CaseSource.HOSPITAL_REPORT,
            source_note=note,
        )

    by_hand("赵淑珍", dt.date(1988, 4, 2), Classification.MILD, 26, "市第一医院发热门诊报告")
    by_hand("刘桂兰", dt.date(1947, 8, 19), Classification.MILD, 2, "内蒙古医科大学附属医院报告")
    coming = by_hand("陈丽娟", dt.date(1979, 1, 23), Classification.MODERATE, 4, "市第一医院发热门诊报告")
    transfer = Transfer.objects.get(case=coming, status=TransferStatus.AWAITING)
    transfer_dispatch(actor=users["command"], transfer=transfer, vehicle="蒙A·K3306", crew="司机 王军，护士 何静", facility=hospital)


def test_a_positive_is_dispatched_picked_up_and_admitted_to_the_suggested_fangcang(city_setup, users, city, live_server, page):
    s, base = city_setup, live_server.url
    fangcang = make_facility("会展中心方舱医院", FacilityKind.FANGCANG, city.home.district, general=800)
    fangcang_elsewhere = make_facility("体育馆方舱医院", FacilityKind.FANGCANG, city.elsewhere.district, general=500)
    hospital = make_facility("内蒙古自治区第四医院", FacilityKind.HOSPITAL, city.home.district, general=120, icu=12)
    make_facility_user("fangcang", fangcang)
    subject = s.ten[0]  # 王秀英, 新城区 迎宾南路社区
    positive = a_positive_today(s, users, subject)
    others_on_the_board(users, city, fangcang_elsewhere, hospital)

    # The command centre turns the queue of positives into cases (as the every-minute task does).
    log_in(page, base, "command")
    page.goto(f"{base}/cases/queue/")
    expect(page.locator(f"#positive-{positive.pk}")).to_contain_text(subject.name)
    shot(page, "cases-queue.png")
    page.get_by_role("button", name=re.compile("全部转为病例")).click()
    page.wait_for_url(re.compile(r".*/cases/$"))
    case = Case.objects.get(origin_positive=positive)
    transfer = Transfer.objects.get(case=case, status=TransferStatus.AWAITING)

    # The district dispatcher sees it on the board, with the suggested Fangcang, and dispatches it.
    log_in(page, base, "district")
    page.goto(f"{base}/cases/")
    row = page.locator(f"#transfer-{transfer.pk}")
    expect(row).to_contain_text(subject.name)
    expect(row).to_contain_text(subject.id_masked)
    expect(row.locator(".fk-suggestion")).to_contain_text("会展中心方舱医院")
    assert page.locator("[data-overdue]").count() >= 1  # yesterday's case, first on the board
    assert page.locator("[data-transfer]").first.get_attribute("data-overdue") is not None
    suggested = int(row.locator(".fk-suggestion").get_attribute("data-suggested"))
    assert suggested == fangcang.pk
    shot(page, "cases-board.png")
    if SCREENSHOTS:
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(300)
        shot(page, "cases-board-phone.png")
        page.set_viewport_size(LAPTOP)

    row.locator("summary", has_text="派车").click()
    expect(row.locator("select[name=facility]")).to_have_value(str(fangcang.pk))
    row.locator("input[name=vehicle]").fill("蒙A·J0921")
    row.locator("input[name=crew]").fill("司机 张强，医生 李娜")
    shot(page, "cases-dispatch.png")
    row.locator("input[name=vehicle]").fill("")
    row.get_by_role("button", name="确认派车").click()  # no vehicle: refused in the row, the form left open
    expect(row.locator(".invalid-feedback")).to_contain_text("请填写转运车辆")
    expect(row.locator("input[name=crew]")).to_have_value("司机 张强，医生 李娜")
    row.locator("input[name=vehicle]").fill("蒙A·J0921")
    row.get_by_role("button", name="确认派车").click()
    row = page.locator(f"#transfer-{transfer.pk}")
    expect(row).to_have_attribute("data-status", "dispatched")
    expect(row).to_contain_text("蒙A·J0921")
    row.get_by_role("button", name="已接到患者").click()
    expect(page.locator(f"#transfer-{transfer.pk}")).to_have_attribute("data-status", "picked_up")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.assigned_facility_id, transfer.assigned_bed_type) == ("picked_up", fangcang.pk, BedType.GENERAL)

    # The Fangcang's admission desk sees the patient coming and admits them: a bed is taken.
    log_in(page, base, "fangcang")
    page.goto(f"{base}/cases/")
    row = page.locator(f"#transfer-{transfer.pk}")
    expect(row).to_contain_text(subject.name)
    assert page.locator("[data-transfer]").count() == 1  # only the patients on their way to this Fangcang
    row.get_by_role("button", name="入院收治").click()
    expect(page.locator(f"#transfer-{transfer.pk}")).to_have_attribute("data-status", "admitted")
    expect(page.locator(f"#transfer-{transfer.pk}")).to_contain_text("已收治")

    case.refresh_from_db()
    assert (case.status, case.facility_id, case.bed_type) == (CaseStatus.ADMITTED, fangcang.pk, BedType.GENERAL)
    beds = FacilityBeds.objects.get(facility=fangcang, bed_type=BedType.GENERAL)
    assert (beds.occupied, beds.capacity) == (1, 800)

    page.goto(f"{base}/cases/cases/{case.pk}/")
    expect(page.locator("#case-status")).to_have_text("住院治疗")
    expect(page.locator("#case-facility")).to_contain_text("会展中心方舱医院")
    for step in ("核酸阳性", "登记病例", "分诊待转运", "派车转运", "接到患者", "入院收治"):
        expect(page.locator("#timeline")).to_contain_text(step)
    shot(page, "cases-case-detail.png")

    page.goto(f"{base}/cases/facilities/{fangcang.pk}/")
    expect(page.locator("#patients")).to_contain_text(subject.name)
    expect(page.locator("#beds [data-beds=general]")).to_contain_text("在院 1 / 床位 800")
    shot(page, "cases-facility.png")

    # The command centre's view of the beds and of the day's figures.
    log_in(page, base, "command")
    page.goto(f"{base}/cases/facilities/")
    expect(page.locator(f"[data-facility='{fangcang.pk}']")).to_contain_text("在院 1 / 床位 800")
    shot(page, "cases-facilities.png")
    page.goto(f"{base}/cases/figures/")
    expect(page.locator("#figures-zh")).to_contain_text("新增本土")
    page.wait_for_selector("#figures-chart canvas")
    page.wait_for_timeout(800)
    shot(page, "cases-figures.png")
