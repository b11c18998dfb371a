"""Checkpoints and passes in a real browser (issue 19, items 3 and 4).

1. The traffic group proposes a checkpoint; its proposer is offered no decision; another of its staff
   approves it, then logs a coach with three travellers found with a fever — each with the
   temperature and what was done (a third row added with "再加一人"); a temperature out of range is
   refused naming the row and nothing is written. The figures page counts the day's fevers by action.
2. A pass used and then shown again (reuse) and a forged code: the issuing office's list of refused
   scans flags them, and another district's office sees none of them.
3. The driver opens the pass's link on a phone: the QR code and the masked pass; once revoked, the
   same link shows the refusal and no code.
With FANGKONG_SCREENSHOTS=1 the run saves the screenshots used in docs/user-guide/movement.md.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.core.roles import Role
from fangkong.movement import codes, signing
from fangkong.movement.choices import CheckpointStatus
from fangkong.movement.driver_link import driver_token
from fangkong.movement.models import Checkpoint, CheckpointFever, CheckpointLog
from fangkong.movement.services.passes import pass_approve, pass_request, pass_revoke
from fangkong.movement.services.scans import pass_scan

from ..factories import make_tree, make_user
from ..isolation.factories import use_profile
from .test_registry import PASSWORD, ensure_districts, log_in, shot

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 780}


def _pass(issuer, approver, district, plate="蒙A12345"):
    start = timezone.now() - dt.timedelta(hours=1)
    vp = pass_request(
        actor=issuer,
        district=district,
        plate=plate,
        purpose="运送医疗物资",
        origin="呼和浩特市新城区",
        destination="包头市昆都仑区",
        valid_from=start,
        valid_until=start + dt.timedelta(hours=24),
        driver_name="王师傅",
        driver_id="15010219800517901X",
    )
    return pass_approve(actor=approver, vehicle_pass=vp)


def test_a_checkpoint_is_approved_then_logs_fevers_and_refused_scans_are_flagged(transactional_db, live_server, page):
    base = live_server.url
    ensure_districts()
    use_profile("twenty-measures")
    tree = make_tree()
    far = make_tree(district_code="150103", street="环河街街道", community="通顺社区", compound="通顺小区")
    issuer = make_user("jiaotong1", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    approver = make_user("jiaotong2", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    make_user("huimin", Role.DISTRICT_OFFICE, [("district", far.district)], password=PASSWORD)

    # 1. Proposed by one, approved by another.
    log_in(page, base, "jiaotong1")
    page.goto(f"{base}/movement/checkpoints/")
    page.select_option("#id_district", str(tree.district.pk))
    page.fill("#id_name", "金桥收费站卡口")
    page.fill("#id_road", "G6 京藏高速 金桥收费站")
    page.locator("[data-action=submit]").click()
    expect(page.locator("[data-checkpoint-status]")).to_have_attribute("data-checkpoint-status", "proposed")
    expect(page.locator("[data-decide]")).to_have_count(0)  # not the proposer's to approve
    expect(page.locator("[data-log-form]")).to_have_count(0)  # nothing logged before approval
    checkpoint = Checkpoint.objects.get()
    page.context.clear_cookies()

    log_in(page, base, "jiaotong2")
    page.goto(f"{base}/movement/checkpoints/{checkpoint.pk}/")
    page.locator("[data-decide] input[value=approve]").check()
    page.fill("[data-decide] #id_reason", "同意")
    page.locator("[data-decide] [data-action=submit]").click()
    expect(page.locator("[data-checkpoint-status]")).to_have_attribute("data-checkpoint-status", "approved")
    checkpoint.refresh_from_db()
    assert checkpoint.status == CheckpointStatus.APPROVED and checkpoint.decided_by_id == approver.pk

    # A coach with three travellers with a fever; the first try has a misreading.
    form = page.locator("[data-log-form]")
    form.locator("#id_plate").fill("蒙A·K0031")
    form.locator("#id_people").fill("38")
    rows = form.locator("[data-fever-row]")
    expect(rows).to_have_count(3)
    readings = [("38.4", "fever_clinic", ""), ("37.6", "retest_normal", "36.8"), ("45.1", "isolation", "")]
    for i, (t, a, r) in enumerate(readings):
        rows.nth(i).locator("[name=fever_temperature]").fill(t)
        rows.nth(i).locator("[name=fever_action]").select_option(a)
        rows.nth(i).locator("[name=fever_retest]").fill(r)
    form.locator("[data-action=submit]").click()
    expect(page.locator("#form-errors")).to_contain_text("第 3 名")
    assert not CheckpointLog.objects.exists()
    form = page.locator("[data-log-form]")
    form.locator("[data-fever-row]").nth(2).locator("[name=fever_temperature]").fill("37.9")
    expect(form.locator("[data-fever-row]")).to_have_count(4)  # the three typed come back, and a blank one
    form.locator("[data-add-fever]").click()  # one more, left blank: ignored
    expect(form.locator("[data-fever-row]")).to_have_count(5)
    form.locator("[data-action=submit]").click()
    logs = page.locator("[data-logs]")
    expect(logs).to_contain_text("38.4℃ 转运发热门诊")
    expect(logs).to_contain_text("37.6℃ 复测正常（复测 36.8℃）")
    expect(logs).to_contain_text("37.9℃ 隔离观察")
    assert CheckpointLog.objects.get().fevers == 3 == CheckpointFever.objects.count()
    page.locator("[data-logs]").scroll_into_view_if_needed()
    shot(page, "movement-checkpoint-log.png")

    # 2. Refused scans: a pass reused after its trip, and a forged code.
    vp = _pass(issuer, approver, tree.district)
    token = codes.pass_token(vp)
    for kw in ({"arrived": True}, {"plate": "蒙A12345"}):
        pass_scan(actor=approver, checkpoint=checkpoint, token=token, client_ref=uuid.uuid4().hex, **kw)
    head, body, sig = token.split(".")
    forged = f"{head}.{signing.b64url(signing.unb64url(body).replace(b'2', b'9', 1))}.{sig}"
    pass_scan(actor=approver, checkpoint=checkpoint, token=forged, client_ref=uuid.uuid4().hex)

    page.goto(f"{base}/movement/")
    expect(page.locator("[data-figures=fever-actions]")).to_contain_text("转运发热门诊")
    expect(page.locator("[data-figures=checkpoints]")).to_contain_text("金桥收费站卡口")
    expect(page.locator("[data-figures=checkpoints] tr", has_text="金桥收费站卡口").locator("td").nth(3)).to_have_text("3")
    shot(page, "movement-figures.png")

    page.goto(f"{base}/movement/passes/refused/")
    flagged = page.locator("[data-refused-scans] tr[data-flagged]")
    expect(flagged).to_have_count(2)
    expect(page.locator("[data-refused-scans]")).to_contain_text("行程已完成，通行证不得重复使用")
    expect(page.locator("[data-refused-scans]")).to_contain_text("伪造")
    expect(page.locator("[data-refused-scans]")).not_to_contain_text("王师傅")
    shot(page, "movement-refused.png")
    page.context.clear_cookies()

    log_in(page, base, "huimin")  # another district's office
    page.goto(f"{base}/movement/passes/refused/")
    expect(page.locator("[data-refused-scans]")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("蒙A12345")


def test_the_driver_shows_the_pass_on_a_phone_until_it_is_revoked(transactional_db, live_server, page):
    base = live_server.url
    ensure_districts()
    use_profile("twenty-measures")
    tree = make_tree()
    issuer = make_user("jiaotong1", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    approver = make_user("jiaotong2", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    vp = _pass(issuer, approver, tree.district, plate="蒙A6F789")

    log_in(page, base, "jiaotong2")
    page.goto(f"{base}/movement/passes/{vp.pk}/")
    link = page.locator("[data-driver-url]").input_value()
    assert "/movement/d/" in link and driver_token(vp).split(":")[0] in link
    page.context.clear_cookies()

    page.set_viewport_size(PHONE)
    page.goto(link)  # no account: the driver's phone
    expect(page.locator("[data-pass-qr] svg")).to_be_visible()
    expect(page.locator("[data-plate]")).to_have_text("蒙A6F789")
    expect(page.locator("[data-driver]")).to_contain_text("王**")
    expect(page.locator("[data-driver]")).to_contain_text("150102********901X")
    expect(page.locator("main")).not_to_contain_text("王师傅")
    box = page.locator("[data-pass-qr] svg").bounding_box()
    assert box is not None and box["width"] <= PHONE["width"] and box["width"] > 250  # fills the phone's width
    shot(page, "movement-driver-pass.png")

    pass_revoke(actor=approver, vehicle_pass=vp, reason="运输任务取消")
    page.reload()
    expect(page.locator("[data-refusal]")).to_contain_text("撤销")
    expect(page.locator("[data-pass-qr]")).to_have_count(0)
