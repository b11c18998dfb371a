import datetime as dt

import pytest

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.geo.birth import person_birth_date
from fangkong.geo.models import Person
from fangkong.geo.services import person_create, person_reveal, person_reveal_id, person_set_tags


def test_person_create_seals_and_audits(city, users):
    p = person_create(
        actor=users["community"],
        household=city.home.household,
        name="孙立",
        id_type="resident_id",
        id_number="150102199003071237",
        phone="13912345678",
        tags=("dibao",),
    )
    p.refresh_from_db()
    assert p.id_masked == "150102********1237"
    assert decrypt(p.id_cipher) == "150102199003071237"
    assert p.sex == "M" and (p.birth_year, p.birth_year_to, p.birth_cipher) == (1990, 1990, "")  # the date stays in the number
    assert person_birth_date(p) == dt.date(1990, 3, 7)
    assert p.phone_masked == "139******78" and "13912345678" not in p.phone_cipher
    assert (p.community_id, p.grid_id) == (city.home.community.pk, city.home.grid.pk)
    assert list(p.tags.values_list("tag", flat=True)) == ["dibao"]
    event = AuditEvent.objects.get(event_type=EventType.PERSON_CREATED)
    assert event.actor == users["community"] and "150102199003071237" not in str(event.after)


def test_person_create_rejects_duplicates_and_mismatches(city, users):
    kwargs = {"actor": users["community"], "household": city.home.household, "name": "孙立", "id_type": "resident_id"}
    person_create(**kwargs, id_number="150102199003071237")
    with pytest.raises(DomainError, match="已登记"):
        person_create(**kwargs, id_number="150102199003071237")
    with pytest.raises(DomainError) as err:
        person_create(**kwargs, id_number="150102199003071253", sex="F")
    assert err.value.field == "sex"
    with pytest.raises(DomainError) as err:
        person_create(**kwargs, id_number="150102199003071238")
    assert err.value.field == "id_number"


def test_reveal_needs_capability_and_reason(city, users):
    person = Person.objects.get(name="王秀英")
    with pytest.raises(PermissionRefused):
        person_reveal_id(actor=users["grid"], person=person, reason="上门核查身份")
    with pytest.raises(DomainError):
        person_reveal_id(actor=users["community"], person=person, reason=" ")
    assert not AuditEvent.objects.filter(event_type=EventType.ID_REVEALED).exists()
    full = person_reveal_id(actor=users["community"], person=person, reason="上门核查身份")
    assert full[:6] == "150102" and len(full) == 18
    revealed = person_reveal(actor=users["community"], person=person, reason="上门核查身份")
    assert revealed.id_number == full and f"{revealed.birth_date:%Y%m%d}" == full[6:14]
    event = AuditEvent.objects.filter(event_type=EventType.ID_REVEALED).order_by("id").first()
    assert AuditEvent.objects.filter(event_type=EventType.ID_REVEALED).count() == 2  # one per reveal
    assert event.reason == "上门核查身份" and event.object_id == str(person.pk)


def test_set_tags_audits_before_and_after(city, users):
    person = Person.objects.get(name="王秀英")
    person_set_tags(actor=users["community"], person=person, tags=("dibao", "disabled"))
    assert sorted(person.tags.values_list("tag", flat=True)) == ["dibao", "disabled"]
    event = AuditEvent.objects.get(event_type=EventType.PERSON_UPDATED)
    assert event.before == {"tags": ["elderly_alone"]} and event.after == {"tags": ["dibao", "disabled"]}


@pytest.mark.parametrize(
    "term,expected",
    [("王", ["王秀英"]), ("13800001111", ["王秀英"]), ("13900002222", [])],
)
def test_search_is_scoped(city, users, term, expected):
    qs = Person.objects.visible_to(users["community"]).search(term)
    assert sorted(qs.values_list("name", flat=True)) == expected


def test_search_by_full_and_tail_id(city, users):
    person = Person.objects.get(name="赵敏")
    full = decrypt(person.id_cipher)
    visible = Person.objects.visible_to(users["command"])
    assert list(visible.search(full).values_list("name", flat=True)) == ["赵敏"]
    assert "赵敏" in visible.search(full[-4:]).values_list("name", flat=True)
    # Never more of the end than the mask shows: the 5th–8th from the end are the birth date's.
    assert not visible.search(full[-6:]).exists()
