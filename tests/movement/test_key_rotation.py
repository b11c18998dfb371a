"""Orderly movement during a FANGKONG_DATA_KEY rotation (operator guide §5b): until `rotate_data_key`
has re-hashed every row, a pass, an application or a resident may carry the retired key's hash while
what is typed now hashes under the new one. Every comparison of a number must match the hash under
each key of the ring (fangkong.geo.lookup.id_keys), not only the current one (attacks)."""

from __future__ import annotations

import base64
import datetime as dt
import os
import uuid

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from fangkong.core import crypto
from fangkong.core.management.commands.rotate_data_key import SealedField, rotate_batch
from fangkong.movement import codes
from fangkong.movement.choices import ScanOutcome, ScanRefusal, SelfApplicationStatus
from fangkong.movement.models import SelfApplication
from fangkong.movement.services.passes import pass_approve
from fangkong.movement.services.scans import pass_scan
from fangkong.movement.services.self_service import self_confirm

from ..factories import make_person, next_id_number
from ..isolation.factories import use_profile
from .conftest import DRIVER_ID, request_pass

pytestmark = pytest.mark.django_db

OLD = base64.b64encode(os.urandom(32)).decode()
NEW = base64.b64encode(os.urandom(32)).decode()
BEFORE = override_settings(FANGKONG_DATA_KEY=OLD, FANGKONG_DATA_KEYS_RETIRED=())
DURING = override_settings(FANGKONG_DATA_KEY=NEW, FANGKONG_DATA_KEYS_RETIRED=(OLD,))


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def scan(users, checkpoint, token, **kw):
    return pass_scan(actor=users["district"], checkpoint=checkpoint, token=token, client_ref=uuid.uuid4().hex, **kw)


def test_mid_rotation_the_driver_of_a_pass_issued_under_the_retired_key_is_recognised(city, users, traffic, checkpoint):
    """A pass issued before the rotation began (its driver hashed under the old key) is shown at a
    checkpoint with the new key current: its own driver passes, another driver is still refused."""
    with BEFORE:
        vp = pass_approve(actor=traffic["approver"], vehicle_pass=request_pass(traffic["requester"], city.home.district))
    with DURING:
        assert vp.driver_id_hash != crypto.lookup_hash("id", DRIVER_ID)  # the stored hash is the retired key's
        token = codes.pass_token(vp)
        own = scan(users, checkpoint, token, plate=vp.plate, driver_id=DRIVER_ID)
        assert (own.scan.outcome, own.scan.refusal) == (ScanOutcome.PASSED, "")
        assert scan(users, checkpoint, token, driver_id="150102198106019031").scan.refusal == ScanRefusal.WRONG_DRIVER
        # Half way through the rotation the pass carries the new hash: still its driver, still no lending.
        rotate_batch(SealedField(type(vp), "driver_id_cipher", "driver_id_hash", "id"), after=None, size=10, ring=crypto.key_ring())
        vp.refresh_from_db()
        assert vp.driver_id_hash == crypto.lookup_hash("id", DRIVER_ID)
        assert scan(users, checkpoint, token, driver_id=DRIVER_ID).passed
        assert scan(users, checkpoint, token, driver_id="150102198106019031").scan.refusal == ScanRefusal.WRONG_DRIVER


def _apply(city, number: str, name: str = "周游"):
    data = {
        "name": name,
        "id_number": number,
        "phone": "13912345678",
        "community": str(city.home.community.pk),
        "mode": "car",
        "destination": "赤峰市",
        "travel_date": timezone.localdate().isoformat(),
        "website": "",
    }
    return Client().post(reverse("movement:apply"), data)


def test_mid_rotation_a_second_waiting_application_for_the_same_number_is_not_accepted(city):
    """Attack: the same number applies again once the new key is current; the first application,
    hashed under the old key, still waits. One pending application per number, as before."""
    number = next_id_number()
    with BEFORE:
        assert _apply(city, number).status_code == 302
    with DURING:
        again = _apply(city, number, name="冒名者")
        assert again.status_code == 302  # the same answer as any application (no oracle)
        assert list(SelfApplication.objects.values_list("name", flat=True)) == ["周游"]


def test_mid_rotation_the_community_confirms_an_application_against_a_resident_hashed_under_the_other_key(city, users, lab):
    use_profile("twenty-measures")
    number = next_id_number(city.home.district.code)
    with BEFORE:
        assert _apply(city, number).status_code == 302  # hashed under the old key
    with DURING:
        resident = make_person(city.home.household, "周游", id_number=number)  # registered under the new key
        lab.negative(resident, timezone.now() - dt.timedelta(hours=3))
        own = SelfApplication.objects.get()
        assert own.id_hash != resident.id_hash
        application = self_confirm(actor=users["community"], pk=own.pk)
        own.refresh_from_db()
        assert own.status == SelfApplicationStatus.CONFIRMED and application.person_id == resident.pk
