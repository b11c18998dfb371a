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
