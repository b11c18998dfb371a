"""A scan sent again from the phone's queue is found by its client_ref when its row is written (no
look-up first): answered as when it was first recorded — even once its offline time is past the
24 hours a new scan may be held — and refused for another account."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError
from fangkong.movement import codes
from fangkong.movement.models import PassScan
from fangkong.movement.services.scans import pass_scan

pytestmark = pytest.mark.django_db


def test_a_queued_scan_sent_again_after_its_hold_is_answered_as_recorded(users, traffic, checkpoint, approved_pass):
    token = codes.pass_token(approved_pass)
    held = timezone.now() - dt.timedelta(hours=23)
    first = pass_scan(actor=users["district"], checkpoint=checkpoint, token=token, client_ref="phone-2-0007", scanned_at=held)
    events = AuditEvent.objects.count()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2), tick=False):
        again = pass_scan(actor=users["district"], checkpoint=checkpoint, token=token, client_ref="phone-2-0007", scanned_at=held)
        assert again.scan.pk == first.scan.pk and again.scan.outcome == first.scan.outcome
        with pytest.raises(DomainError) as new:  # a scan never sent before, held as long: refused
            pass_scan(actor=users["district"], checkpoint=checkpoint, token=token, client_ref="phone-2-0008", scanned_at=held)
        assert new.value.field == "scanned_at"
    with pytest.raises(DomainError) as other:
        pass_scan(actor=traffic["approver"], checkpoint=checkpoint, token=token, client_ref="phone-2-0007")
    assert other.value.field == "client_ref"
    assert PassScan.objects.count() == 1 and AuditEvent.objects.count() == events
