"""Applying, verifying and approving: the ID number validated, the applicant matched to the registry,
field work refused (with the reason) to someone isolated, a case, or living in a sealed area."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from fangkong.core.errors import DomainError
from fangkong.core.rows import RowsRefused
from fangkong.results.history import TestEntry, sources
from fangkong.volunteers.choices import VolunteerStatus
from fangkong.volunteers.models import Volunteer
from fangkong.volunteers.services import Application, volunteer_apply, volunteer_approve, volunteer_reject, volunteer_verify
from fangkong.zoning.rules import naming
from fangkong.zoning.services import area_approve, area_propose

from ..factories import make_person, make_user, next_id_number
from .conftest import DAY0


def _form(world, **over):
    data = {
        "name": "王志愿",
        "id_number": next_id_number(),
        "phone": "13912345678",
        "community": str(world.city.home.community.pk),
        "skills": ["sampling", "driving"],
        "availability": "any",
        "organisation": str(world.organisation.pk),
        "website": "",
    }
    data.update(over)
    return data


def test_a_phone_application_is_stored_sealed_and_awaits_verification(client, world):
    number = next_id_number()
    response = client.post(reverse("volunteers:apply"), _form(world, id_number=number))
    assert response.status_code == 302 and response["Location"] == reverse("volunteers:applied")
    v = Volunteer.objects.get()
    assert v.status == VolunteerStatus.APPLIED and v.skill_codes == ["sampling", "driving"]
    assert v.id_masked == number[:6] + "********" + number[-4:] and v.phone_masked == "139******78"
    with connection.cursor() as cursor:  # nothing personal in clear in the row
        cursor.execute("SELECT * FROM volunteers_volunteer")
        row = " ".join(str(c) for c in cursor.fetchone())
    assert number not in row and "13912345678" not in row
    assert v.district_id == world.city.home.district.pk and v.street_id == world.city.home.street.pk


def test_a_mistyped_id_number_is_refused_on_its_field(client, world):
    number = next_id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = client.post(reverse("volunteers:apply"), _form(world, id_number=wrong, phone="123"))
    assert response.status_code == 422
    form = response.context["form"]
    assert "校验位" in form.errors["id_number"][0] and "phone" in form.errors
    assert not Volunteer.objects.exists()


def test_a_second_application_answers_the_same_and_changes_nothing(client, world):
    """No oracle: a stranger cannot learn whether a number is registered."""
    number = next_id_number()
    first = client.post(reverse("volunteers:apply"), _form(world, id_number=number))
    second = client.post(reverse("volunteers:apply"), _form(world, id_number=number, name="冒名者"))
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert list(Volunteer.objects.values_list("name", flat=True)) == ["王志愿"]


def test_the_public_form_is_rate_limited_and_traps_scripts(client, world, settings):
    settings.FANGKONG_VOLUNTEER_APPLY_LIMITS = ((2, 600),)
    trapped = client.post(reverse("volunteers:apply"), _form(world, website="http://spam.example"))
    assert trapped.status_code == 302 and not Volunteer.objects.exists()  # answered as a success, nothing written
    client.post(reverse("volunteers:apply"), _form(world))
    refused = client.post(reverse("volunteers:apply"), _form(world))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Volunteer.objects.count() == 1


def test_the_application_is_checked_by_the_same_rules_as_the_import(world):
    with pytest.raises(RowsRefused) as refused:
        volunteer_apply(Application(name="", id_number="12!", phone="1", community_id=None, skills=("flying",)))
    assert {e.field for e in refused.value.errors} == {"name", "id_number", "phone", "community", "skills"}


def test_verification_matches_the_registry_by_id_number(world):
    number = next_id_number()
    resident = make_person(world.city.home.household, "刘registry", id_number=number)
    v = world.apply("刘志愿", id_number=number)
    v = volunteer_verify(actor=world.coordinator, volunteer=v)
    assert v.person_id == resident.pk and v.status == VolunteerStatus.VERIFIED
    stranger = volunteer_verify(actor=world.coordinator, volunteer=world.apply("外地人"))
    assert stranger.person_id is None and "未找到" in stranger.decision_note
    with pytest.raises(DomainError) as refused:  # cannot be cleared for field work: nothing to check against
        volunteer_approve(actor=world.coordinator, volunteer=stranger, field_work=True)
    assert "未与人口登记库匹配" in refused.value.message and refused.value.field == "field_work"
    desk = volunteer_approve(actor=world.coordinator, volunteer=stranger, field_work=False)
    assert desk.status == VolunteerStatus.APPROVED and not desk.field_work and desk.link_nonce


def test_field_work_is_refused_to_someone_in_isolation_with_the_reason(world, isolated, office):
    number = next_id_number()
    resident = make_person(world.city.home.household, "隔离者", id_number=number)
    v = volunteer_verify(actor=world.coordinator, volunteer=world.apply("隔离者", id_number=number))
    isolated(resident.pk)
    with pytest.raises(DomainError) as refused:
        volunteer_approve(actor=office, volunteer=v, field_work=True)
    assert "集中隔离" in refused.value.message and refused.value.rule == "volunteers.field_work_block"
    assert Volunteer.objects.get(pk=v.pk).status == VolunteerStatus.VERIFIED  # nothing written


def test_field_work_is_refused_after_a_positive_result(world, monkeypatch, office):
    number = next_id_number()
    resident = make_person(world.city.home.household, "阳性者", id_number=number)
    v = volunteer_verify(actor=world.coordinator, volunteer=world.apply("阳性者", id_number=number))
    entry = TestEntry(resident.pk, DAY0.replace(hour=1), DAY0.replace(hour=2), "positive", "test", "测试")
    monkeypatch.setitem(sources.fetchers, "test", lambda ids, before: [entry] if resident.pk in ids else [])
    with pytest.raises(DomainError) as refused:
        volunteer_approve(actor=office, volunteer=v, field_work=True)
    assert "阳性" in refused.value.message


def test_field_work_is_refused_to_a_resident_of_a_sealed_area(world, clock, office):
    number = next_id_number()
    make_person(world.city.home.household, "封控者", id_number=number)
    v = volunteer_verify(actor=world.coordinator, volunteer=world.apply("封控者", id_number=number))
    district = make_user("qu", "district_office", [("district", world.city.home.district)])
    command = make_user("zhb", "command_centre", [("city", None)])
    area = area_propose(
        actor=district, name="迎宾小区1号楼", area_class="sealed", places=[("building", world.city.home.building.pk)], reason="阳性"
    )
    area_approve(actor=command, area=area)
    clock(DAY0.replace(hour=8))
    with pytest.raises(DomainError) as refused:
        volunteer_approve(actor=office, volunteer=v, field_work=True)
    assert naming().label("sealed") in refused.value.message and "迎宾小区1号楼" in refused.value.message


def test_reject_needs_a_reason_and_ends_the_application(world):
    v = world.apply()
    with pytest.raises(DomainError) as refused:
        volunteer_reject(actor=world.coordinator, volunteer=v, reason=" ")
    assert refused.value.field == "reason"
    v = volunteer_reject(actor=world.coordinator, volunteer=v, reason="年龄不符")
    with pytest.raises(DomainError):
        volunteer_verify(actor=world.coordinator, volunteer=v)


def test_the_volunteer_page_shows_the_block_and_the_approval_refusal(client, world, isolated, office):
    number = next_id_number()
    resident = make_person(world.city.home.household, "隔离者", id_number=number)
    v = volunteer_verify(actor=world.coordinator, volunteer=world.apply("隔离者", id_number=number))
    isolated(resident.pk)
    client.force_login(office)  # the coordinator is told the block without the status: test_need_to_know.py
    page = client.get(reverse("volunteers:volunteer_detail", args=[v.pk]))
    assert "集中隔离" in page.content.decode()
    refused = client.post(reverse("volunteers:volunteer_approve", args=[v.pk]), {"field_work": "on"})
    assert refused.status_code == 422 and "今天不能批准从事一线工作" in refused.content.decode()
    ok = client.post(reverse("volunteers:volunteer_approve", args=[v.pk]), {})
    assert ok.status_code == 302 and Volunteer.objects.get(pk=v.pk).status == VolunteerStatus.APPROVED
