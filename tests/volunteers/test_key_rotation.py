"""Volunteer applications during a FANGKONG_DATA_KEY rotation (operator guide §5b): the register holds
one volunteer per number (a unique `id_hash`), but while `rotate_data_key` runs a volunteer may still
carry the retired key's hash and a new application hashes under the new key — the constraint alone
does not see them as the same number (attacks)."""

from __future__ import annotations

import base64
import os

import pytest
from django.test import override_settings
from django.urls import reverse

from fangkong.audit.models import AuditEvent
from fangkong.core import crypto
from fangkong.core.management.commands.rotate_data_key import SealedField, rotate_batch
from fangkong.volunteers.models import Volunteer
from fangkong.volunteers.services import Application, volunteer_apply, volunteers_import

from ..factories import next_id_number

pytestmark = pytest.mark.django_db

OLD = base64.b64encode(os.urandom(32)).decode()
NEW = base64.b64encode(os.urandom(32)).decode()
BEFORE = override_settings(FANGKONG_DATA_KEY=OLD, FANGKONG_DATA_KEYS_RETIRED=())
DURING = override_settings(FANGKONG_DATA_KEY=NEW, FANGKONG_DATA_KEYS_RETIRED=(OLD,))


def _application(world, number: str, name: str) -> Application:
    return Application(name=name, id_number=number, phone="13912345678", community_id=world.city.home.community.pk, skills=("sampling",))


def test_mid_rotation_a_duplicate_application_is_not_accepted(world):
    """Attack: a registered volunteer's number applies again (the public page) after the new key became
    current, before the rotation reached their row: still one volunteer, the repeat audited."""
    number = next_id_number()
    with BEFORE:
        first = volunteer_apply(_application(world, number, "王志愿"))
    with DURING:
        assert first.id_hash != crypto.lookup_hash("id", number)  # under the retired key
        assert volunteer_apply(_application(world, number, "冒名者")) is None
        assert list(Volunteer.objects.values_list("name", flat=True)) == ["王志愿"]
        assert AuditEvent.objects.filter(event_type="volunteers.applied_again").count() == 1
        # The rotation then moves the row without a clash, and the number is still taken.
        assert rotate_batch(SealedField(Volunteer, "id_cipher", "id_hash", "id"), after=None, size=10, ring=crypto.key_ring())[1:] == (1, 0)
        assert volunteer_apply(_application(world, number, "冒名者")) is None
        assert Volunteer.objects.count() == 1


def test_mid_rotation_the_public_page_answers_the_same_and_keeps_one_volunteer(client, world):
    number = next_id_number()
    form = {
        "name": "王志愿",
        "id_number": number,
        "phone": "13912345678",
        "community": str(world.city.home.community.pk),
        "skills": ["sampling"],
        "availability": "any",
        "organisation": str(world.organisation.pk),
        "website": "",
    }
    with BEFORE:
        first = client.post(reverse("volunteers:apply"), form)
    with DURING:
        second = client.post(reverse("volunteers:apply"), {**form, "name": "冒名者"})
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert list(Volunteer.objects.values_list("name", flat=True)) == ["王志愿"]


def test_mid_rotation_the_import_refuses_a_number_registered_under_the_retired_key(world):
    number = next_id_number()
    with BEFORE:
        volunteer_apply(_application(world, number, "王志愿"))
    with DURING:
        from fangkong.core.rows import RowsRefused

        c = world.city.home
        row = {"name": "冒名者", "id_number": number, "phone": "13912345678", "district": c.district.name, "street": c.street.name}
        with pytest.raises(RowsRefused):
            volunteers_import(actor=world.coordinator, rows=[{**row, "community": c.community.name}])
    assert Volunteer.objects.count() == 1


def test_mid_rotation_a_person_is_not_deployed_twice_for_the_same_days(world):
    """Attack: a person already deployed (phone hashed under the retired key) is deployed again for
    overlapping days after the new key became current: refused as before the rotation."""
    import datetime as dt

    from fangkong.core.errors import DomainError
    from fangkong.core.roles import Role
    from fangkong.volunteers.models import Deployment
    from fangkong.volunteers.services import deployment_add

    from ..factories import make_user

    office = make_user("rot-office", Role.DISTRICT_OFFICE, [("district", world.city.home.district)])
    day = dt.date(2022, 11, 10)

    def send():
        return deployment_add(
            actor=office, kind="party_member", name="党员甲", phone="13900000001", work_unit="市委组织部",
            community=world.city.home.community, starts_on=day,
        )  # fmt: skip

    with BEFORE:
        send()
    with DURING, pytest.raises(DomainError) as refused:
        send()
    assert refused.value.field == "phone" and Deployment.objects.count() == 1
