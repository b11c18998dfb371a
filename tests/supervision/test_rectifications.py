"""A rectification's states (整改): a finding opens it, the owner gives evidence, the inspector
verifies or sends it back; bad input is refused naming its field, with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.supervision.choices import RectificationStatus
from fangkong.supervision.models import Inspection, Rectification
from fangkong.supervision.services.inspections import FindingInput, inspection_record
from fangkong.supervision.services.rectifications import rectification_fix, rectification_verify

from .conftest import PNG, all_pass, jpeg, one_failed, record_finding

pytestmark = pytest.mark.django_db


def test_a_finding_opens_a_rectification_that_is_fixed_verified_and_closed_on_time(sup):
    inspection = record_finding(sup)
    rect = inspection.rectifications.get()
    assert rect.status == RectificationStatus.OPEN
    assert rect.owner == sup["owner"] and rect.owner_unit == "迎宾南路社区"
    assert rect.finding_photo_type == "image/jpeg"
    with rect.finding_photo.open("rb") as fh:  # stored encrypted, read back whole
        assert fh.read().startswith(b"\xff\xd8\xff")
    rect = rectification_fix(actor=sup["owner"], rectification=rect, evidence="已安排两人24小时轮班", photo=jpeg())
    assert rect.status == RectificationStatus.SUBMITTED and rect.fixed_by == sup["owner"]
    rect = rectification_verify(actor=sup["partner"], rectification=rect, accepted=True)
    assert rect.status == RectificationStatus.VERIFIED and rect.closed_on_time is True
    types = set(AuditEvent.objects.filter(object_type="supervision.rectification").values_list("event_type", flat=True))
    assert types == {"supervision.rectification_fixed", "supervision.rectification_verified"}


def test_a_fix_sent_back_is_fixed_again_and_a_late_fix_counts_late(sup):
    rect = record_finding(sup, at=timezone.now() - dt.timedelta(hours=30)).rectifications.get()
    rect = rectification_fix(actor=sup["owner"], rectification=rect, evidence="已整改", photo=jpeg())
    with pytest.raises(DomainError) as exc:
        rectification_verify(actor=sup["inspector"], rectification=rect, accepted=False)
    assert exc.value.field == "note"
    rect = rectification_verify(actor=sup["inspector"], rectification=rect, accepted=False, note="照片看不出值守")
    assert rect.status == RectificationStatus.RETURNED
    rect = rectification_fix(actor=sup["owner"], rectification=rect, evidence="补拍值守照片", photo=jpeg())
    rect = rectification_verify(actor=sup["inspector"], rectification=rect, accepted=True)
    assert rect.status == RectificationStatus.VERIFIED and rect.closed_on_time is False  # deadline was 6 hours ago


@pytest.mark.parametrize(
    ("evidence", "photo", "field"),
    [("", "jpeg", "evidence"), ("已整改", None, "photo"), ("已整改", "text", "photo"), ("已整改", "big", "photo")],
)
def test_a_fix_without_evidence_or_with_a_bad_photo_is_refused_and_nothing_changes(sup, evidence, photo, field, settings):
    rect = record_finding(sup).rectifications.get()
    upload = {
        "jpeg": jpeg(),
        None: None,
        "text": SimpleUploadedFile("x.jpg", b"<html>not an image</html>", content_type="image/jpeg"),
        "big": SimpleUploadedFile("big.png", PNG + b"\x00" * (8 * 1024 * 1024), content_type="image/png"),
    }[photo]
    with pytest.raises(DomainError) as exc:
        rectification_fix(actor=sup["owner"], rectification=rect, evidence=evidence, photo=upload)
    assert exc.value.field == field
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.OPEN and not rect.evidence_photo and rect.fixed_at is None


def test_nothing_is_verified_without_evidence(sup):
    rect = record_finding(sup).rectifications.get()
    with pytest.raises(DomainError) as exc:
        rectification_verify(actor=sup["inspector"], rectification=rect, accepted=True)
    assert "尚未提交整改证据" in exc.value.message
    assert Rectification.objects.get(pk=rect.pk).status == RectificationStatus.OPEN


def test_the_owner_may_not_verify_their_own_fix(sup, users):
    """An owner who is also an inspector (a supervisor named owner by another team) cannot close it."""
    rect = record_finding(sup).rectifications.get()
    rect = rectification_fix(actor=sup["owner"], rectification=rect, evidence="已整改", photo=jpeg())
    Rectification.objects.filter(pk=rect.pk).update(owner=sup["partner"])
    rect.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        rectification_verify(actor=sup["partner"], rectification=rect, accepted=True)
    assert exc.value.field == "verified_by"
    assert Rectification.objects.get(pk=rect.pk).status == RectificationStatus.SUBMITTED


def test_an_inspector_of_another_team_may_not_verify(sup):
    rect = record_finding(sup).rectifications.get()
    rect = rectification_fix(actor=sup["owner"], rectification=rect, evidence="已整改", photo=jpeg())
    with pytest.raises(PermissionRefused):
        rectification_verify(actor=sup["outsider"], rectification=rect, accepted=True)


def test_an_office_outside_the_place_may_not_give_evidence(sup, city):
    from fangkong.core.roles import Role

    from ..factories import make_user

    stranger = make_user("elsewhere", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    rect = record_finding(sup).rectifications.get()
    with pytest.raises(PermissionRefused):
        rectification_fix(actor=stranger, rectification=rect, evidence="已整改", photo=jpeg())


def test_an_inspection_dated_in_the_future_is_refused_and_nothing_is_written(sup):
    with pytest.raises(DomainError) as exc:
        record_finding(sup, at=timezone.now() + dt.timedelta(hours=2))
    assert exc.value.field == "inspected_at" and exc.value.rule == "time.not_in_future"
    assert not Inspection.objects.exists() and not Rectification.objects.exists()


def test_an_inspection_before_the_assignment_began_is_refused(sup):
    with pytest.raises(DomainError) as exc:
        record_finding(sup, at=timezone.now() - dt.timedelta(days=10))
    assert exc.value.field == "inspected_at"
    assert not Inspection.objects.exists()


def test_attack_an_inspector_posting_an_inspection_for_a_place_outside_their_assignment_is_refused(sup):
    with pytest.raises(DomainError) as exc:
        inspection_record(
            actor=sup["inspector"], assignment_id=sup["other"].pk, inspected_at=timezone.now(), answers=all_pass(), findings=[]
        )
    assert exc.value.field == "assignment"
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("deadline_before", "deadline"),
        ("no_text", "finding"),
        ("owner_is_inspector", "owner"),
        ("failed_without_finding", "finding"),
        ("unanswered", "answers"),
        ("bad_photo", "photo"),
        ("half_gps", "latitude"),
    ],
)
def test_bad_inspection_input_is_refused_naming_the_field_and_nothing_is_written(sup, change, field):
    at = timezone.now() - dt.timedelta(minutes=10)
    answers = one_failed()
    finding = FindingInput("口罩未戴", sup["owner"], at + dt.timedelta(hours=12), jpeg())
    extra = {}
    if change == "deadline_before":
        finding.deadline = at - dt.timedelta(hours=1)
    elif change == "no_text":
        finding.text = "  "
    elif change == "owner_is_inspector":
        finding.owner = sup["inspector"]
    elif change == "bad_photo":
        finding.photo = SimpleUploadedFile("x.jpg", b"GIF89a....", content_type="image/jpeg")
    elif change == "half_gps":
        extra = {"latitude": 40.8}
    findings = [finding]
    if change == "failed_without_finding":
        findings = []
    if change == "unanswered":
        answers.popitem()
    with pytest.raises(DomainError) as exc:
        inspection_record(
            actor=sup["inspector"], assignment_id=sup["assignment"].pk, inspected_at=at, answers=answers, findings=findings, **extra
        )
    assert exc.value.field == field
    assert not Inspection.objects.exists() and not Rectification.objects.exists()
