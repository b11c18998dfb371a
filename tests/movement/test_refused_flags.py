"""Refused scans flagged to the issuing office (一车一事一证: the server refuses and flags reuse,
lending, forgery): a list on the passes pages of its passes' refusals — when, where, the plate on
the pass and the plate seen, why — and a notification for reuse, forgery and lending, to the office
that issued the pass (a forged code, whose claimed issuer cannot be trusted, to the office running
the checkpoint). Attack: another district's office sees none of it, in the list or its notices, even
when the refusal happened at its own checkpoint."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.core.roles import Role
from fangkong.movement import codes, signing
from fangkong.movement.alerts import SCAN_FLAGGED
from fangkong.movement.choices import ScanRefusal
from fangkong.movement.models import Checkpoint
from fangkong.movement.services.scans import pass_scan
from fangkong.notifications.models import Notification
from fangkong.notifications.rules import rules
from fangkong.notifications.services.delivery import deliver_rule
from fangkong.notifications.text import title_and_text

from ..factories import make_user
from .conftest import DRIVER_ID

pytestmark = pytest.mark.django_db


def scan(actor, checkpoint, token, **kw):
    return pass_scan(actor=actor, checkpoint=checkpoint, token=token, client_ref=uuid.uuid4().hex, **kw)


def run():
    return deliver_rule(rules.get(SCAN_FLAGGED), now=timezone.now() + dt.timedelta(seconds=1))


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def far(city):
    """回民区: another district's office, with its own checkpoint."""
    office = make_user("far-office", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    cp = Checkpoint.objects.create(name="回民区西出口卡口", road="G110", district_id=city.elsewhere.district.pk, status="approved")
    return office, cp


def forged(token: str) -> str:
    head, body, sig = token.split(".")
    return f"{head}.{signing.b64url(signing.unb64url(body).replace(b'2', b'9', 1))}.{sig}"


def test_reuse_and_forgery_are_flagged_to_the_issuing_office_only(city, users, traffic, checkpoint, approved_pass, far):
    far_office, far_cp = far
    token = codes.pass_token(approved_pass)
    scan(users["district"], checkpoint, token, arrived=True)
    # The home district's pass shown again after its trip — at the OTHER district's checkpoint.
    reused = scan(far_office, far_cp, token, plate="蒙A12345")
    assert reused.scan.refusal == ScanRefusal.REUSED
    fake = scan(users["district"], checkpoint, forged(token))  # a forged code at the home checkpoint
    assert fake.scan.refusal == ScanRefusal.FORGED
    stats = run()
    assert stats.events == 2
    told = Notification.objects.filter(rule=SCAN_FLAGGED)
    recipients = set(told.values_list("recipient_id", flat=True))
    assert {users["district"].pk, traffic["approver"].pk, users["command"].pk} <= recipients
    assert far_office.pk not in recipients  # its checkpoint saw it; the pass is not its own
    note = told.filter(recipient=users["district"], event_key=f"scan:{reused.scan.pk}").get()
    _title, text = title_and_text(note.message, note.params)
    assert "回民区西出口卡口" in text and approved_pass.number in text and "蒙A12345" in text and "重复使用" in text
    for n in told:
        blob = str(n.params)
        assert "王师傅" not in blob and DRIVER_ID not in blob and approved_pass.driver_id_masked not in blob
    run()  # told once
    assert told.filter(recipient=users["district"]).count() == 2


def test_expired_or_revoked_is_listed_but_not_notified(users, checkpoint, approved_pass):
    from fangkong.movement.services.passes import pass_revoke

    token = codes.pass_token(approved_pass)
    pass_revoke(actor=users["district"], vehicle_pass=approved_pass, reason="任务取消")
    assert scan(users["district"], checkpoint, token).scan.refusal == ScanRefusal.REVOKED
    assert run().events == 0
    page = client(users["district"]).get(reverse("movement:refused_scans")).content.decode()
    assert str(ScanRefusal.REVOKED.label) in page and checkpoint.name in page


def test_the_list_shows_the_offices_refusals_and_another_office_sees_none(city, users, checkpoint, approved_pass, far):
    far_office, far_cp = far
    token = codes.pass_token(approved_pass)
    lent = scan(far_office, far_cp, token, plate="蒙A77777")  # lent to another car, seen at the far checkpoint
    assert lent.scan.refusal == ScanRefusal.WRONG_PLATE
    fake = scan(users["district"], checkpoint, forged(token))
    home = client(users["district"]).get(reverse("movement:refused_scans"))
    body = home.content.decode()
    assert home.status_code == 200
    assert f'id="scan-{lent.scan.pk}"' in body and "蒙A77777" in body and "回民区西出口卡口" in body
    assert f'id="scan-{fake.scan.pk}"' in body and str(ScanRefusal.FORGED.label) in body
    assert "王师傅" not in body and approved_pass.driver_id_masked not in body  # reason, place, time, plate: no person
    other = client(far_office).get(reverse("movement:refused_scans")).content.decode()
    # Attack: the far office ran the checkpoint that refused the home pass; it is not its pass.
    assert f"scan-{lent.scan.pk}" not in other and "蒙A77777" not in other and f"scan-{fake.scan.pk}" not in other
    filtered = client(users["district"]).get(reverse("movement:refused_scans") + "?refusal=forged").content.decode()
    assert f"scan-{fake.scan.pk}" in filtered and f"scan-{lent.scan.pk}" not in filtered
    assert client(users["grid"]).get(reverse("movement:refused_scans")).status_code == 403
