"""督导 in a real browser, on a phone (390 px wide): an inspector records an inspection of an
assigned checkpoint with a finding and its photo; the owner (the community worker) closes the
rectification with evidence and a photo; the inspector verifies it (销号); a district office reads
跟踪问效 per responsible person, opens a figure's items and downloads the table. With
FANGKONG_SCREENSHOTS=1 the run saves the screenshots of docs/user-guide/supervision.md."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.core.roles import Role
from fangkong.movement.models import Checkpoint
from fangkong.supervision.choices import PlaceKind, RectificationStatus
from fangkong.supervision.models import Assignment, InspectionTeam, Rectification
from fangkong.supervision.synthetic import photo_png

from ..factories import make_tree, make_user
from .test_registry import PASSWORD, ensure_districts, log_in, shot

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def fits(page) -> None:
    """Nothing wider than the phone: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_an_inspector_records_a_finding_with_a_photo_the_owner_fixes_it_and_the_inspector_verifies(transactional_db, live_server, page):
    base = live_server.url
    ensure_districts()
    tree = make_tree()
    inspector = make_user("duchayuan", Role.SUPERVISOR, [("district", tree.district)], password=PASSWORD)
    owner = make_user("shequ", Role.COMMUNITY_WORKER, [("community", tree.community)], password=PASSWORD)
    owner.full_name = "迎宾南路社区王主任"
    owner.save(update_fields=["full_name"])
    team = InspectionTeam.objects.create(name="社会管控第一督导组", district=tree.district)
    team.members.set([inspector])
    cp = Checkpoint.objects.create(
        name="金桥收费站卡口", district_id=tree.district.pk, street_id=tree.street.pk, community_id=tree.community.pk
    )
    Assignment.objects.create(
        team=team,
        place_kind=PlaceKind.CHECKPOINT,
        place_id=cp.pk,
        place_name=cp.name,
        district_id=tree.district.pk,
        street_id=tree.street.pk,
        community_id=tree.community.pk,
        starts_on=timezone.localdate() - dt.timedelta(days=1),
    )
    page.set_viewport_size(PHONE)

    log_in(page, base, "duchayuan")
    page.goto(f"{base}/supervision/")
    page.locator("[data-action=inspect]").click()
    page.locator("[data-assignments] a", has_text="金桥收费站卡口").click()
    page.wait_for_url(lambda url: "?assignment=" in url)  # .all() below does not wait for the form
    for radio in page.locator("[data-item] input[value=pass]").all():
        radio.check()
    page.locator("[data-item] input[value=fail]").first.check()
    page.fill("#id_finding", "夜班值守人员不在岗，未逐车查验")
    page.set_input_files("#id_photo", files=[{"name": "xianchang.png", "mimeType": "image/png", "buffer": photo_png((190, 90, 60))}])
    page.select_option("#id_owner", str(owner.pk))
    fits(page)
    shot(page, "supervision-inspect.png")
    page.locator("[data-action=submit]").click()
    expect(page.locator("[data-findings]")).to_contain_text("夜班值守人员不在岗")
    rect = Rectification.objects.get()
    assert rect.finding_photo and rect.owner == owner

    page.context.clear_cookies()
    log_in(page, base, "shequ")
    page.goto(f"{base}/supervision/rectifications/{rect.pk}/")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "open")
    expect(page.locator("img[data-photo=finding]")).to_be_visible()
    page.locator("[data-action=fix]").click()  # no evidence: refused, naming the field
    expect(page.locator("#form-errors")).to_contain_text("请写明整改情况")
    page.fill("#id_evidence", "已安排两人轮班，24小时值守，逐车查验")
    page.set_input_files("#id_photo", files=[{"name": "zhenggai.png", "mimeType": "image/png", "buffer": photo_png((60, 160, 90))}])
    fits(page)
    page.locator("[data-action=fix]").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "submitted")
    expect(page.locator("img[data-photo=evidence]")).to_be_visible()
    shot(page, "supervision-fix.png")

    page.context.clear_cookies()
    log_in(page, base, "duchayuan")
    page.goto(f"{base}/supervision/rectifications/{rect.pk}/")
    page.locator("[data-verify] input[value=verified]").check()
    page.locator("[data-action=verify]").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "verified")
    fits(page)
    shot(page, "supervision-verified.png")
    assert Rectification.objects.get().status == RectificationStatus.VERIFIED


def test_an_office_reads_accountability_per_person_drills_down_and_exports_it(transactional_db, live_server, page):
    """跟踪问效 per responsible person: a district office sees each owner's findings, closed on time,
    late and open, opens one figure's rectifications and downloads the table as .xlsx."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangkong.supervision.services.inspections import FindingInput, inspection_record
    from fangkong.supervision.services.rectifications import rectification_fix, rectification_verify

    from ..supervision.conftest import one_failed

    base = live_server.url
    ensure_districts()
    tree = make_tree()
    make_user("quxian", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    inspector = make_user("duchayuan", Role.SUPERVISOR, [("district", tree.district)])
    community = make_user("shequ", Role.COMMUNITY_WORKER, [("community", tree.community)])
    street = make_user("jiedao", Role.STREET_OFFICE, [("street", tree.street)])
    for user, name in ((community, "迎宾南路社区王主任"), (street, "中山东路街道李科长")):
        user.full_name = name
        user.save(update_fields=["full_name"])
    team = InspectionTeam.objects.create(name="社会管控第一督导组", district=tree.district)
    team.members.set([inspector])
    places = {"district_id": tree.district.pk, "street_id": tree.street.pk, "community_id": tree.community.pk}
    cp = Checkpoint.objects.create(name="金桥收费站卡口", **places)
    assignment = Assignment.objects.create(
        team=team,
        place_kind=PlaceKind.CHECKPOINT,
        place_id=cp.pk,
        place_name=cp.name,
        starts_on=timezone.localdate() - dt.timedelta(days=3),
        **places,
    )
    now = timezone.now()

    def finding(text: str, owner, ago: dt.timedelta, deadline: dt.timedelta) -> Rectification:
        at = now - ago
        found = FindingInput(text, owner, at + deadline, None)
        inspection = inspection_record(
            actor=inspector, assignment_id=assignment.pk, inspected_at=at, answers=one_failed(), findings=[found]
        )
        return inspection.rectifications.get()

    def closed(rect: Rectification, owner) -> None:
        photo = SimpleUploadedFile("zhenggai.png", photo_png((60, 160, 90)), content_type="image/png")
        rectification_fix(actor=owner, rectification=rect, evidence="已整改，附现场照片", photo=photo)
        rectification_verify(actor=inspector, rectification=Rectification.objects.get(pk=rect.pk), accepted=True)

    finding("夜班值守人员不在岗", community, dt.timedelta(days=2), dt.timedelta(hours=24))  # open, overdue
    closed(finding("扫码查验不到位", community, dt.timedelta(hours=3), dt.timedelta(hours=24)), community)  # on time
    closed(finding("登记台账不完整", street, dt.timedelta(days=2), dt.timedelta(hours=12)), street)  # late
    finding("消杀记录缺失", street, dt.timedelta(hours=1), dt.timedelta(hours=24))  # open

    log_in(page, base, "quxian")
    page.goto(f"{base}/supervision/accountability/")
    table = page.locator("[data-accountability]")
    expect(table).to_contain_text("迎宾南路社区王主任")
    expect(table).to_contain_text("中山东路街道李科长")
    late = table.locator("tr", has_text="中山东路街道李科长").locator("[data-figure=late]")
    expect(late).to_have_text("1")
    late.click()
    expect(page.locator("[data-items]")).to_contain_text("登记台账不完整")
    expect(page.locator("[data-items]")).not_to_contain_text("消杀记录缺失")
    shot(page, "supervision-accountability.png")
    with page.expect_download() as download:
        page.locator("[data-export]").click()
    assert download.value.suggested_filename.startswith("supervision-accountability-")
