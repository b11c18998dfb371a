"""Rotating FANGKONG_DATA_KEY without downtime: old, mixed and new rows all readable and findable.

The walk an operator takes (docs/operator-guide.md §5b): rows sealed under the old key → the new key
becomes current with the old one retired (pages read both) → `rotate_data_key` moves the rows a batch
at a time (stopped half way: a mixed table, still all readable and findable by number) → `--check`
passes → the old key is removed, and it no longer opens anything stored."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.exceptions import InvalidTag
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import override_settings

from fangkong.core import crypto
from fangkong.core.filestore import PrivateFileStorage
from fangkong.core.management.commands.rotate_data_key import SealedField, rotate_batch, sealed_fields
from fangkong.geo.lookup import person_ids_by_id_number, registered_person
from fangkong.geo.models import Person

from ..factories import ensure_reference_data, make_person, make_tree

OLD = base64.b64encode(os.urandom(32)).decode()
NEW = base64.b64encode(os.urandom(32)).decode()
PHONE = "13912345678"


def _everyone_readable_and_findable(people: dict[int, tuple[str, str]]) -> None:
    for pk, (number, phone) in people.items():
        person = Person.objects.get(pk=pk)
        assert crypto.decrypt(person.id_cipher) == number
        if phone:
            assert crypto.decrypt(person.phone_cipher) == phone
        assert registered_person(number).pk == pk
        assert list(Person.objects.search(number).values_list("pk", flat=True)) == [pk]
    assert person_ids_by_id_number({pk: number for pk, (number, _) in people.items()}) == {pk: pk for pk in people}
    assert set(Person.objects.search(PHONE).values_list("pk", flat=True)) == {pk for pk, (_, p) in people.items() if p == PHONE}


@pytest.mark.django_db
def test_a_key_rotation_keeps_every_row_readable_before_during_and_after(settings, tmp_path):
    ensure_reference_data()
    tree = make_tree()
    settings.FANGKONG_PRIVATE_FILES_ROOT = str(tmp_path)
    with override_settings(FANGKONG_DATA_KEY=OLD, FANGKONG_DATA_KEYS_RETIRED=()):
        people = {}
        for i in range(5):
            p = make_person(tree.household, name=f"居民{i}", phone=PHONE if i % 2 else "")
            people[p.pk] = (crypto.decrypt(p.id_cipher), PHONE if i % 2 else "")
        storage = PrivateFileStorage()
        upload = storage.save("lab/before-rotation.csv", ContentFile(b"tube,result\n1,negative\n"))

    with override_settings(FANGKONG_DATA_KEY=NEW, FANGKONG_DATA_KEYS_RETIRED=(OLD,)):
        # Before: the new key is current, nothing moved yet. Everything reads; new rows use the new key.
        _everyone_readable_and_findable(people)
        fresh = make_person(tree.household, name="新居民", phone=PHONE)
        assert fresh.id_cipher.startswith(crypto.current_prefix())
        people[fresh.pk] = (crypto.decrypt(fresh.id_cipher), PHONE)
        with PrivateFileStorage().open(upload) as fh:
            assert fh.read() == b"tube,result\n1,negative\n"  # a file written under the old key

        # During: one batch of two people moved, the rest still under the old key.
        id_field = SealedField(Person, "id_cipher", "id_hash", "id")
        last, moved, unmatched = rotate_batch(id_field, after=None, size=2, ring=crypto.key_ring())
        assert (moved, unmatched) == (2, 0)
        prefixes = {c.split("$")[0] for c in Person.objects.values_list("id_cipher", flat=True)}
        assert len(prefixes) == 2  # a mixed table
        _everyone_readable_and_findable(people)
        with pytest.raises(CommandError):
            call_command("rotate_data_key", "--check", stdout=open(os.devnull, "w"))  # noqa: SIM115

        # After: the command finishes the job (resuming where the batch stopped).
        call_command("rotate_data_key", "--batch-size", "2", stdout=open(os.devnull, "w"))  # noqa: SIM115
        call_command("rotate_data_key", "--check", stdout=open(os.devnull, "w"))  # noqa: SIM115
        _everyone_readable_and_findable(people)

    # The old key removed: still everything readable and findable.
    with override_settings(FANGKONG_DATA_KEY=NEW, FANGKONG_DATA_KEYS_RETIRED=()):
        _everyone_readable_and_findable(people)
    # And the old key alone opens nothing stored, and finds no one by number.
    with override_settings(FANGKONG_DATA_KEY=OLD, FANGKONG_DATA_KEYS_RETIRED=()):
        for person in Person.objects.filter(pk__in=people):
            for cipher in (person.id_cipher, person.phone_cipher):
                if cipher:
                    with pytest.raises(crypto.DataKeyError):
                        crypto.decrypt(cipher)
            assert registered_person(people[person.pk][0]) is None


def test_every_sealed_field_is_found_with_its_hash():
    found = {f.label: (f.hash, f.kind) for f in sealed_fields()}
    assert found["geo.Person.id_cipher"] == ("id_hash", "id")
    assert found["geo.Person.phone_cipher"] == ("phone_hash", "phone")
    assert found["geo.Person.birth_cipher"] == (None, "id")
    assert found["movement.VehiclePass.driver_id_cipher"] == ("driver_id_hash", "id")
    assert found["movement.BatchVehicle.driver_id_cipher"] == ("driver_id_hash", "id")  # a batch's drivers rotate too
    assert len(found) >= 9


def test_a_ciphertext_from_before_key_ids_is_read_with_whichever_key_of_the_ring_opens_it(settings):
    key = crypto.key_ring()[0]
    nonce = os.urandom(12)
    legacy = "1$" + base64.b64encode(nonce + key.aead.encrypt(nonce, b"150102199003071237", None)).decode()
    with override_settings(FANGKONG_DATA_KEY=NEW, FANGKONG_DATA_KEYS_RETIRED=(settings.FANGKONG_DATA_KEY,)):
        assert crypto.decrypt(legacy) == "150102199003071237"
    with override_settings(FANGKONG_DATA_KEY=NEW, FANGKONG_DATA_KEYS_RETIRED=()), pytest.raises(InvalidTag):
        crypto.decrypt(legacy)


@pytest.mark.django_db
def test_mid_rotation_a_number_registered_under_the_retired_key_is_not_registered_again(city, users):
    """Attack: register a resident again by their number once the new key is current, before the
    rotation reached their row (the registry's check must match the hash under every key)."""
    from fangkong.core.errors import DomainError
    from fangkong.geo.services import person_create

    from ..factories import next_id_number

    number = next_id_number(city.home.district.code)
    with override_settings(FANGKONG_DATA_KEY=OLD, FANGKONG_DATA_KEYS_RETIRED=()):
        make_person(city.home.household, "原住民", id_number=number)
    with override_settings(FANGKONG_DATA_KEY=NEW, FANGKONG_DATA_KEYS_RETIRED=(OLD,)), pytest.raises(DomainError, match="该证件号码已登记"):
        person_create(actor=users["community"], household=city.home.household, name="冒名者", id_type="resident_id", id_number=number)
    assert Person.objects.filter(name="冒名者").count() == 0
