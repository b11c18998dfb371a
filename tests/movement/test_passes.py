"""Vehicle passes, 一车一事一证: the signed code (valid, altered, forged with another key, truncated),
and the checkpoint's scan — recorded, refused and flagged for reuse after the trip, a wrong plate or
driver (no lending), an expired or revoked pass; the pass's own rules (one pass per plate at a time,
four eyes, one trip)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.movement import codes, signing
from fangkong.movement.choices import PassStatus, ScanOutcome, ScanRefusal
from fangkong.movement.models import PassScan
from fangkong.movement.services.passes import pass_approve, pass_revoke
from fangkong.movement.services.scans import pass_scan

from .conftest import DRIVER_ID, request_pass

pytestmark = pytest.mark.django_db


def scan(users, checkpoint, token, **kw):
    return pass_scan(actor=users["district"], checkpoint=checkpoint, token=token, client_ref=kw.pop("ref", uuid.uuid4().hex), **kw)


def payload_of(token: str) -> dict:
    return json.loads(signing.unb64url(token.split(".")[1]))


def test_the_code_carries_what_a_checkpoint_shows_and_no_unmasked_personal_data(approved_pass):
    token = codes.pass_token(approved_pass)
    p = signing.verify(token, typ="pass")
    assert p["plate"] == "蒙A12345" and p["pur"] == "运送医疗物资" and p["from"] == "呼和浩特市新城区" and p["to"] == "包头市昆都仑区"
    assert p["dri"] == "150102********901X" and p["drv"] == "王**"
    assert p["no"] == approved_pass.number and p["na"] - p["nb"] == 24 * 3600
    assert DRIVER_ID not in token and DRIVER_ID not in json.dumps(p) and "王师傅" not in json.dumps(p, ensure_ascii=False)
    assert "<svg" in codes.qr_svg(token)


def test_a_valid_pass_passes_and_the_arrival_completes_the_trip(users, checkpoint, approved_pass):
    token = codes.pass_token(approved_pass)
    first = scan(users, checkpoint, token, plate="蒙A·12345", driver_id=DRIVER_ID)
    assert first.passed and first.scan.outcome == ScanOutcome.PASSED and first.scan.driver_checked
    arrived = scan(users, checkpoint, token, arrived=True)
    assert arrived.scan.outcome == ScanOutcome.ARRIVED
    approved_pass.refresh_from_db()
    assert approved_pass.status == PassStatus.COMPLETED


def test_replay_after_the_trip_is_completed_is_refused_and_flagged(users, checkpoint, approved_pass):
    token = codes.pass_token(approved_pass)
    scan(users, checkpoint, token, arrived=True)
    again = scan(users, checkpoint, token)
    assert not again.passed and again.scan.refusal == ScanRefusal.REUSED
    assert AuditEvent.objects.filter(event_type="movement.pass_scan_refused", object_id=str(approved_pass.pk)).count() == 1
    assert approved_pass.pk in codes.revocation_payload()["completed"]


def test_the_same_scan_sent_twice_is_recorded_once(users, checkpoint, approved_pass):
    token = codes.pass_token(approved_pass)
    a = scan(users, checkpoint, token, ref="phone-1-0001", arrived=True)
    b = scan(users, checkpoint, token, ref="phone-1-0001", arrived=True)
    assert a.scan.pk == b.scan.pk and b.passed
    assert PassScan.objects.count() == 1


@pytest.mark.parametrize(
    "alter",
    [
        pytest.param(lambda p: {**p, "plate": "蒙A99999"}, id="plate"),
        pytest.param(lambda p: {**p, "na": p["na"] + 86400 * 30}, id="validity"),
        pytest.param(lambda p: {**p, "dri": "150102********9999"}, id="driver"),
    ],
)
def test_an_altered_field_fails_the_signature(users, checkpoint, approved_pass, alter):
    token = codes.pass_token(approved_pass)
    prefix, body, sig = token.split(".")
    altered = json.dumps(alter(payload_of(token)), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    forged = f"{prefix}.{signing.b64url(altered)}.{sig}"
    with pytest.raises(signing.BadToken):
        signing.verify(forged, typ="pass")
    result = scan(users, checkpoint, forged)
    assert not result.passed and result.scan.refusal == ScanRefusal.FORGED and result.vehicle_pass is None


def test_a_code_signed_with_another_key_is_forged(users, checkpoint, approved_pass):
    other = Ed25519PrivateKey.generate()
    forged = signing.sign(codes.pass_payload(approved_pass), key=other)
    assert scan(users, checkpoint, forged).scan.refusal == ScanRefusal.FORGED


@pytest.mark.parametrize("cut", [1, 10, 40, 200], ids=lambda n: f"minus-{n}")
def test_a_truncated_code_is_forged(users, checkpoint, approved_pass, cut):
    token = codes.pass_token(approved_pass)
    assert scan(users, checkpoint, token[:-cut]).scan.refusal == ScanRefusal.FORGED


@pytest.mark.parametrize("junk", ["", "FK1..", "FK1.e30.AAAA", "hello", "FK1.!!!.???", "x" * 5000])
def test_junk_is_forged_and_recorded(users, checkpoint, junk):
    assert scan(users, checkpoint, junk).scan.refusal == ScanRefusal.FORGED


def test_a_revocation_list_cannot_pass_as_a_pass(users, checkpoint, approved_pass):
    assert scan(users, checkpoint, codes.revocation_token()).scan.refusal == ScanRefusal.FORGED


def test_a_revoked_pass_is_refused_and_on_the_signed_revocation_list(users, checkpoint, traffic, approved_pass):
    token = codes.pass_token(approved_pass)
    pass_revoke(actor=traffic["approver"], vehicle_pass=approved_pass, reason="行程取消")
    assert scan(users, checkpoint, token).scan.refusal == ScanRefusal.REVOKED
    listed = signing.verify(codes.revocation_token(), typ="revocations")
    assert approved_pass.pk in listed["revoked"]


def test_an_expired_pass_is_refused(users, checkpoint, approved_pass):
    token = codes.pass_token(approved_pass)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25), tick=False):
        assert scan(users, checkpoint, token).scan.refusal == ScanRefusal.EXPIRED


def test_a_pass_not_yet_valid_is_refused(city, users, traffic, checkpoint):
    vp = request_pass(traffic["requester"], city.home.district, start=timezone.now() + dt.timedelta(hours=5))
    vp = pass_approve(actor=traffic["approver"], vehicle_pass=vp)
    assert scan(users, checkpoint, codes.pass_token(vp)).scan.refusal == ScanRefusal.NOT_YET_VALID


def test_lending_a_pass_to_another_vehicle_or_driver_is_refused(users, checkpoint, approved_pass):
    token = codes.pass_token(approved_pass)
    assert scan(users, checkpoint, token, plate="蒙A54321").scan.refusal == ScanRefusal.WRONG_PLATE
    assert scan(users, checkpoint, token, driver_id="150102198106019031").scan.refusal == ScanRefusal.WRONG_DRIVER
    approved_pass.refresh_from_db()
    assert approved_pass.status == PassStatus.APPROVED  # a refused scan completes nothing


def test_a_malformed_driver_id_is_a_request_error_and_records_nothing(users, checkpoint, approved_pass):
    with pytest.raises(DomainError) as err:
        scan(users, checkpoint, codes.pass_token(approved_pass), driver_id="15010219800517901")
    assert err.value.field == "driver_id"
    assert PassScan.objects.count() == 0


def test_an_offline_scan_is_judged_at_its_time_and_a_future_time_refused(users, checkpoint, approved_pass):
    token = codes.pass_token(approved_pass)
    earlier = timezone.now() - dt.timedelta(minutes=30)
    result = scan(users, checkpoint, token, scanned_at=earlier)
    assert result.passed and result.scan.offline and result.scan.scanned_at == earlier
    with pytest.raises(DomainError):
        scan(users, checkpoint, token, scanned_at=timezone.now() + dt.timedelta(hours=1))


def test_a_re_signed_pass_voids_its_earlier_code(users, checkpoint, approved_pass):
    old = codes.pass_token(approved_pass)
    approved_pass.serial += 1  # as a re-issue would
    approved_pass.save(update_fields=["serial"])
    assert scan(users, checkpoint, old).scan.refusal == ScanRefusal.SUPERSEDED
    assert scan(users, checkpoint, codes.pass_token(approved_pass)).passed


def test_a_pending_pass_has_no_code(city, traffic):
    vp = request_pass(traffic["requester"], city.home.district)
    assert codes.pass_token(vp) == ""


def test_one_pass_per_vehicle_for_overlapping_trips(city, traffic, approved_pass):
    with pytest.raises(DomainError) as err:
        request_pass(traffic["requester"], city.home.district, start=timezone.now() + dt.timedelta(hours=3))
    assert err.value.field == "plate" and approved_pass.number in err.value.message
    later = request_pass(traffic["requester"], city.home.district, start=timezone.now() + dt.timedelta(hours=30))
    assert later.status == PassStatus.REQUESTED


def test_one_trip_only_the_window_is_bounded_by_policy(city, traffic):
    with pytest.raises(DomainError) as err:
        request_pass(traffic["requester"], city.home.district, hours=24 * 7)
    assert err.value.rule == "movement.pass_max_hours" and "72" in err.value.message and err.value.source


def test_four_eyes_the_requester_cannot_approve(city, users, traffic):
    vp = request_pass(traffic["requester"], city.home.district)
    with pytest.raises(DomainError):
        pass_approve(actor=traffic["requester"], vehicle_pass=vp)


def test_roles_without_the_capability_are_refused(city, users, traffic, checkpoint, approved_pass):
    with pytest.raises(PermissionRefused):
        request_pass(users["community"], city.home.district)
    with pytest.raises(PermissionRefused):
        pass_revoke(actor=users["community"], vehicle_pass=approved_pass, reason="x")
    with pytest.raises(PermissionRefused):
        pass_scan(actor=users["auditor"], checkpoint=checkpoint, token="", client_ref="r")


def test_a_pass_for_another_district_is_refused(city, traffic):
    with pytest.raises(DomainError) as err:
        request_pass(traffic["requester"], city.elsewhere.district)
    assert err.value.field == "district"


def test_a_bad_plate_and_driver_id_name_their_fields(city, traffic):
    with pytest.raises(DomainError) as err:
        request_pass(traffic["requester"], city.home.district, plate="ABC")
    assert err.value.field == "plate"
    with pytest.raises(DomainError) as err:
        request_pass(traffic["requester"], city.home.district, plate="蒙A55555", driver_id="15010219800517901Y")
    assert err.value.field == "driver_id"


def test_the_driver_id_is_stored_encrypted_and_masked(approved_pass):
    assert DRIVER_ID not in approved_pass.driver_id_cipher and approved_pass.driver_id_masked == "150102********901X"


def test_the_public_key_document_verifies_what_the_server_signs(approved_pass):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    doc = signing.public_key_document()
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(doc["public_key"] + "=="))
    assert signing.verify(codes.pass_token(approved_pass), typ="pass", public=public)["id"] == approved_pass.pk
    assert payload_of(codes.pass_token(approved_pass))["kid"] == doc["kid"]


def test_under_production_settings_no_pass_is_signed_with_a_key_generated_into_var(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from fangkong.movement import signing

    settings.FANGKONG_PRODUCTION, settings.FANGKONG_PASS_SIGNING_KEY, settings.VAR_DIR = True, "", tmp_path
    with pytest.raises(ImproperlyConfigured, match="FANGKONG_PASS_SIGNING_KEY"):
        signing.sign({"typ": "pass"})
    assert not (tmp_path / "pass-signing-key").exists()
