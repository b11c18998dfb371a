"""有序流动 in a real browser.

1. A community worker files a departure for a resident (negative 10 hours ago): approved, each rule
   named; the district office puts them on a coach and the passenger list shows them.
2. A checkpoint phone verifies a vehicle pass OFFLINE (the network cut in the browser): the page checks
   the Ed25519 signature with the public key in WebCrypto and shows plate, driver, purpose, route and
   validity; a forged code is refused on the spot; the scans wait in the page's queue and are recorded
   on the server when the network is back.
3. The demo's roster at a checkpoint shows its one gap (the next shift's medic) and the vehicles
   logged during the shift under way; the community worker sees the residents' own applications
   waiting for them, masked.
4. A point-to-point batch on two minibuses (seats kept), handed over to the receiving district's office
   on its own page and, for a unit outside the city, through its one-time link.
With FANGKONG_SCREENSHOTS=1 the run saves the screenshots used in docs/user-guide/movement.md.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.core.crypto import decrypt
from fangkong.core.roles import Role
from fangkong.movement import codes
from fangkong.movement.choices import ScanOutcome, ScanRefusal
from fangkong.movement.models import Checkpoint, PassScan
from fangkong.movement.services.checkpoints import checkpoint_log
from fangkong.movement.services.passes import pass_approve, pass_request
from fangkong.movement.synthetic import demo_own_applications, demo_roster
from fangkong.results.history import TestEntry, sources

from ..factories import make_person, make_tree, make_user
from ..isolation.factories import use_profile
from .test_registry import PASSWORD, ensure_districts, log_in, shot

pytestmark = pytest.mark.e2e


def test_a_community_worker_files_a_departure_that_is_approved_and_boards_a_coach(transactional_db, live_server, page, monkeypatch):
    base = live_server.url
    ensure_districts()
    use_profile("twenty-measures")
    tree = make_tree()
    resident = make_person(tree.household, "归乡学子")
    sampled = timezone.now() - dt.timedelta(hours=10)
    entry = TestEntry(resident.pk, sampled, sampled + dt.timedelta(hours=2), "negative", "e2e", "全员核酸")
    monkeypatch.setitem(sources.fetchers, "e2e", lambda ids, before: [entry] if resident.pk in ids else [])
    make_user("shequ", Role.COMMUNITY_WORKER, [("community", tree.community)], password=PASSWORD)
    make_user("xinchengqu", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)

    log_in(page, base, "shequ")
    page.goto(f"{base}/movement/departures/applications/new/")
    page.fill("#id_id_number", decrypt(resident.id_cipher)[:18])
    page.select_option("#id_mode", "coach")
    page.fill("#id_destination", "巴彦淖尔市")
    shot(page, "movement-apply.png")
    page.locator("[data-action=submit]").click()
    row = page.locator("[data-applications] tr", has_text="归乡学子")
    expect(row.locator("[data-status]")).to_have_text("符合条件")
    expect(row.locator("[data-rule-outcome='negative:met']")).to_contain_text("48 小时内核酸阴性")
    expect(row.locator("[data-rule-outcome='area:met']")).to_be_visible()
    shot(page, "movement-applications.png")

    page.context.clear_cookies()
    log_in(page, base, "xinchengqu")
    page.goto(f"{base}/movement/departures/")
    page.select_option("#id_district", str(tree.district.pk))
    page.select_option("#id_mode", "coach")
    page.fill("#id_label", "蒙A·K0031")
    page.fill("#id_destination", "巴彦淖尔市")
    page.fill("#id_departs_at", timezone.localtime(timezone.now() + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_capacity", "45")
    page.locator("[data-action=submit]").click()
    page.get_by_label("归乡学子").check()
    page.locator("[data-action=assign]").click()
    expect(page.locator("[data-passengers]")).to_contain_text("归乡学子")
    expect(page.locator("[data-passengers]")).to_contain_text(resident.id_masked)
    shot(page, "movement-coach.png")


def test_a_checkpoint_verifies_a_pass_offline_and_records_it_when_back_online(transactional_db, live_server, page):
    base = live_server.url
    ensure_districts()
    use_profile("twenty-measures")
    tree = make_tree()
    issuer = make_user("jiaotong1", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    approver = make_user("jiaotong2", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    make_user("kakou", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    checkpoint = Checkpoint.objects.create(name="金桥收费站卡口", road="G6 京藏高速", district_id=tree.district.pk, status="approved")
    start = timezone.now() - dt.timedelta(hours=1)
    vp = pass_request(
        actor=issuer,
        district=tree.district,
        plate="蒙A12345",
        purpose="运送医疗物资",
        origin="呼和浩特市新城区",
        destination="包头市昆都仑区",
        valid_from=start,
        valid_until=start + dt.timedelta(hours=24),
        driver_name="王师傅",
        driver_id="15010219800517901X",
    )
    vp = pass_approve(actor=approver, vehicle_pass=vp)
    token = codes.pass_token(vp)

    log_in(page, base, "jiaotong2")
    page.goto(f"{base}/movement/passes/{vp.pk}/")
    expect(page.locator("[data-pass-qr] svg")).to_be_visible()
    shot(page, "movement-pass.png")
    page.context.clear_cookies()

    log_in(page, base, "kakou")
    page.goto(f"{base}/movement/check/")
    page.evaluate("localStorage.clear()")
    page.reload()
    expect(page.locator("#check-list-age")).not_to_have_text("尚未下载撤销名单")
    page.context.set_offline(True)
    try:
        expect(page.locator("#check-network")).to_have_text("离线")
        page.fill("#check-token", token)
        page.fill("#check-plate", "蒙A 12345")
        page.locator("#check-verify").click()
        result = page.locator("#check-result")
        expect(result).to_have_attribute("data-verdict", "valid")
        for shown in ("蒙A12345", "王**", "150102********901X", "运送医疗物资", "呼和浩特市新城区 → 包头市昆都仑区", vp.number):
            expect(page.locator("#check-fields")).to_contain_text(shown)
        assert int(result.get_attribute("data-verified-ms")) < 100  # offline verification, in the page
        expect(page.locator("#check-queue")).to_have_attribute("data-queued", "1")
        shot(page, "movement-check-offline.png")

        # A code altered in one character of its payload: refused on the phone, offline.
        body = token.split(".")
        forged = ".".join([body[0], body[1][:-2] + ("A" if body[1][-2] != "A" else "B") + body[1][-1], body[2]])
        page.fill("#check-token", forged)
        page.locator("#check-verify").click()
        expect(result).to_have_attribute("data-verdict", "forged")
        expect(page.locator("#check-queue")).to_have_attribute("data-queued", "2")
        assert PassScan.objects.count() == 0  # nothing reached the server
    finally:
        page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#check-queue")).to_have_attribute("data-queued", "0", timeout=10_000)
    scans = list(PassScan.objects.order_by("id"))
    assert [(s.outcome, s.refusal) for s in scans] == [(ScanOutcome.PASSED, ""), (ScanOutcome.REFUSED, ScanRefusal.FORGED)]
    assert scans[0].vehicle_pass_id == vp.pk and scans[0].checkpoint_id == checkpoint.pk and scans[0].plate_seen == "蒙A12345"
    expect(page.locator("#check-server")).to_have_attribute("data-server-outcome", "refused")


def test_the_demo_roster_shows_its_gap_and_the_community_sees_the_own_applications(transactional_db, live_server, page):
    base = live_server.url
    ensure_districts()
    use_profile("twenty-measures")
    tree = make_tree()
    for name in ("郝建平", "白雪梅"):
        make_person(tree.household, name)
    office = make_user("jiaotong", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    make_user("shequ", Role.COMMUNITY_WORKER, [("community", tree.community)], password=PASSWORD)
    checkpoint = Checkpoint.objects.create(name="金桥收费站卡口", road="G6 京藏高速", district_id=tree.district.pk, status="approved")
    assert demo_roster(office, checkpoint, timezone.now()) == 7
    for plate in ("蒙A30517", "蒙B21866"):  # logged now: during the shift under way
        checkpoint_log(actor=office, checkpoint=checkpoint, plate=plate, people=2)
    demo_own_applications(tree.district, timezone.now())

    log_in(page, base, "jiaotong")
    page.goto(f"{base}/movement/checkpoints/{checkpoint.pk}/")
    expect(page.locator("[data-gaps] .badge")).to_have_count(1)
    expect(page.locator("[data-gaps]")).to_contain_text("无医务人员（测温）")
    expect(page.locator("[data-shifts] tr.table-success")).to_have_count(2)  # police and medic on now
    expect(page.locator("[data-shifts] tr.table-success").first.locator("td").nth(3)).to_have_text("2")  # its two vehicles
    page.locator("[data-shifts]").scroll_into_view_if_needed()
    shot(page, "movement-shifts.png")
    page.context.clear_cookies()

    log_in(page, base, "shequ")
    page.goto(f"{base}/movement/departures/own/")
    rows = page.locator("[data-own] tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("郝建平")
    expect(rows.first).to_contain_text("待社区核实")
    expect(rows.first.locator("button[value=confirm]")).to_be_visible()
    shot(page, "movement-own.png")


def test_a_batch_is_planned_on_two_vehicles_and_handed_over_by_the_receiving_units(transactional_db, live_server, page, monkeypatch):
    """4. Point-to-point: the sending office plans two minibuses (drivers' IDs masked) and boards its
    students onto them; the batch leaves and shows 交接待确认. The receiving district's office (in this
    city) confirms on its own page — a wrong count refused, naming it — and a receiving unit outside
    the city confirms another batch through its one-time link, ticking the masked names."""
    from fangkong.geo.models import District
    from fangkong.movement.models import HandoverLink, ReceivingUnit
    from fangkong.movement.services.batches import VehiclePlan, batch_board, batch_check, batch_create, batch_depart, batch_plan
    from fangkong.movement.services.handover import link_token

    base = live_server.url
    ensure_districts()
    use_profile("twenty-measures")
    tree = make_tree()
    students = [make_person(tree.household, n) for n in ("王同学", "李同学", "张同学", "赵同学", "刘同学")]
    sampled = timezone.now() - dt.timedelta(hours=10)
    entries = [TestEntry(p.pk, sampled, sampled + dt.timedelta(hours=2), "negative", "e2e", "全员核酸") for p in students]
    monkeypatch.setitem(sources.fetchers, "e2e", lambda ids, before: [e for e in entries if e.person_id in set(ids)])
    office = make_user("xinchengqu", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    huimin = District.objects.exclude(pk=tree.district.pk).order_by("code").first()
    make_user("huiminqu", Role.DISTRICT_OFFICE, [("district", huimin)], password=PASSWORD)
    in_city = ReceivingUnit.objects.create(name=f"{huimin.name}防控办", region=f"呼和浩特市{huimin.name}", district=huimin)
    far = ReceivingUnit.objects.create(name="巴彦淖尔市临河区防控办", region="巴彦淖尔市临河区")

    def make_batch(receiver, people):
        batch = batch_create(
            actor=office,
            district=tree.district,
            kind="students",
            sending_unit="内蒙古工业大学",
            receiving_unit=receiver.name,
            destination=receiver.region,
            id_numbers=[decrypt(p.id_cipher)[:18] for p in people],
            requested_count=len(people),
            pickup_at=timezone.now() + dt.timedelta(hours=1),
            pickup_place="新城校区南门",
            receiver=receiver,
        )
        batch_check(actor=office, batch=batch, temperatures={m.pk: "36.5" for m in batch.members.all()})
        return batch

    # the sending office plans two minibuses on the page and boards the students onto them
    first = make_batch(in_city, students[:3])
    log_in(page, base, "xinchengqu")
    page.goto(f"{base}/movement/batches/{first.pk}/")
    plan = page.locator("[data-plan]")
    for n, (plate, seats, name, number) in enumerate(
        (("蒙A·K0518", "2", "陈建国", "150102197503120016"), ("蒙A·K0519", "7", "刘永强", "150102198811230019"))
    ):
        plan.locator(f"[name=v{n}-plate]").fill(plate)
        plan.locator(f"[name=v{n}-seats]").fill(seats)
        plan.locator(f"[name=v{n}-driver_name]").fill(name)
        plan.locator(f"[name=v{n}-driver_id]").fill(number)
    plan.locator("[name=route]").fill("G6 京藏高速 → 回民区")
    plan.locator("[name=departs_at]").fill(timezone.localtime(timezone.now() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    plan.get_by_role("button").click()
    expect(page.locator("[data-vehicles]")).to_contain_text("150102********0016")
    expect(page.locator("[data-vehicles]")).not_to_contain_text("150102197503120016")
    numbers = [decrypt(p.id_cipher)[:18] for p in students[:3]]
    board = page.locator("form[action$='/board/']")
    board.locator("[name=vehicle]").select_option(label="蒙AK0518（0/2）")
    board.locator("[name=id_numbers]").fill("\n".join(numbers))
    board.get_by_role("button").click()
    expect(page.locator(".alert-danger").first).to_contain_text("核载 2 人")  # seats not exceeded
    board = page.locator("form[action$='/board/']")
    board.locator("[name=vehicle]").select_option(label="蒙AK0518（0/2）")
    board.locator("[name=id_numbers]").fill("\n".join(numbers[:2]))
    board.get_by_role("button").click()
    # each boarding reloads the page: wait for it before the next form is filled, or the click lands on the old one
    expect(page.locator("[data-vehicles]")).to_contain_text("2/2")
    board = page.locator("form[action$='/board/']")
    board.locator("[name=vehicle]").select_option(label="蒙AK0519（0/7）")
    board.locator("[name=id_numbers]").fill(numbers[2])
    board.get_by_role("button").click()
    expect(page.locator("[data-vehicles]")).to_contain_text("1/7")
    page.locator("[data-action=depart]").click()
    expect(page.locator("[data-awaiting]")).to_have_text("交接待确认")
    expect(page.locator("[data-vehicles]")).to_contain_text("2/2")
    shot(page, "movement-batch.png")

    # the receiving district's office confirms on its own page
    page.context.clear_cookies()
    log_in(page, base, "huiminqu")
    page.goto(f"{base}/movement/batches/")
    page.locator("[data-to-receive] a", has_text="确认交接").click()
    expect(page.locator("[data-sheet]")).to_contain_text("王**")
    expect(page.locator("[data-sheet]")).not_to_contain_text("王同学")
    page.fill("#h-count", "2")
    page.locator("[data-sheet] input").nth(0).check()
    page.locator("[data-sheet] input").nth(1).check()
    page.locator("[data-action=confirm]").click()
    expect(page.locator("[data-error][data-field=count]")).to_contain_text("实到人数 2 与登车人数 3 不符")
    expect(page.locator("[data-unaccounted]")).to_have_count(1)  # the one not ticked is recorded as unaccounted
    page.fill("#h-count", "3")
    for box in page.locator("[data-sheet] input").all():
        box.check()
    shot(page, "movement-batch-receive.png")
    page.locator("[data-action=confirm]").click()
    expect(page.locator("[data-status]")).to_have_text("已交接")

    # a receiving unit outside the city: its one-time link (from its webhook), no account
    second = make_batch(far, students[3:])
    batch_plan(
        actor=office,
        batch=second,
        vehicles=[VehiclePlan("蒙A·K0520", 45, "王建军", "15010219800517901X")],
        route="G6",
        departs_at=timezone.now(),
    )
    batch_board(actor=office, batch=second, id_numbers=[decrypt(p.id_cipher)[:18] for p in students[3:]])
    batch_depart(actor=office, batch=second)
    token = link_token(HandoverLink.objects.get(batch=second))
    page.context.clear_cookies()
    page.goto(f"{base}/movement/handover/{token}/")
    expect(page).to_have_url(f"{base}/movement/handover/")  # the token is out of the address
    page.fill("#h-count", "2")
    for box in page.locator("[data-sheet] input").all():
        box.check()
    page.fill("#h-by", "临河区 王科长")
    shot(page, "movement-handover-link.png")
    page.locator("[data-action=confirm]").click()
    expect(page.locator("[data-done]")).to_contain_text("交接已确认")
    page.goto(f"{base}/movement/handover/{token}/")
    expect(page.locator("[data-error]")).to_contain_text("已使用")
