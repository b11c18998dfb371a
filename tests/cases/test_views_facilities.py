"""定点医院 and 方舱医院: occupancy by bed type for everyone with a jurisdiction; a facility's patients
as far as the user sees them; beds set by the facility's own staff or the command centre (refusals
named); facilities set up by the command centre only."""

from __future__ import annotations

from django.urls import reverse

from fangkong.audit.models import AuditEvent
from fangkong.cases import events
from fangkong.cases.models import TreatmentFacility

from .factories import beds
from .pages import as_user, scene_fixture  # noqa: F401  (a fixture)

LIST = reverse("cases:facility_list")


def detail(facility) -> str:
    return reverse("cases:facility_detail", args=[facility.pk])


def beds_url(facility) -> str:
    return reverse("cases:facility_beds", args=[facility.pk])


def test_the_list_shows_occupancy_by_bed_type(client, scene, users, wards):
    response = as_user(client, users["community"]).get(LIST)
    assert response.status_code == 200
    hospital = next(o for o in response.context["occupancy"].facilities if o.facility == wards.hospital)
    general = next(b for b in hospital.beds if b.bed_type == "general")
    assert (general.capacity, general.occupied, general.en_route) == (2, 1, 1)  # one admitted, one on the way
    content = response.content.decode()
    assert f'data-facility="{wards.hospital.pk}"' in content and 'data-beds="icu"' in content
    assert "在院 1 / 床位 2" in content and "途中 1" in content
    assert as_user(client, users["nogrant"]).get(LIST).context["occupancy"].facilities == []


def test_a_facility_shows_the_patients_the_user_may_see(client, scene, users, wards):
    own = as_user(client, wards.hospital_user).get(detail(wards.hospital))
    assert [c.pk for c in own.context["page_obj"].object_list] == [scene.in_hospital.pk]
    assert [t.case_id for t in own.context["incoming"]] == [scene.coming.pk]
    assert own.context["can_set_beds"]
    # the Fangcang is a city resource the hospital may look at, but its patients are not theirs
    other = as_user(client, wards.hospital_user).get(detail(wards.fangcang))
    assert other.status_code == 200 and list(other.context["page_obj"].object_list) == []
    assert not other.context["can_set_beds"] and 'id="beds-form"' not in other.content.decode()
    district = as_user(client, users["district"]).get(detail(wards.fangcang))
    assert [c.pk for c in district.context["page_obj"].object_list] == [scene.in_fangcang.pk]
    assert as_user(client, users["nogrant"]).get(detail(wards.fangcang)).status_code == 404


def test_a_facilitys_staff_set_their_own_beds(client, scene, wards):
    c = as_user(client, wards.hospital_user)
    response = c.post(beds_url(wards.hospital), {"bed_type": "general", "capacity": "40"})
    assert response.status_code == 302
    assert beds(wards.hospital) == (1, 40)
    assert AuditEvent.objects.filter(event_type=events.BEDS_SET).count() == 1
    response = c.post(beds_url(wards.hospital), {"bed_type": "general", "capacity": "40", "occupied": "3"})
    assert response.status_code == 422 and "修改在院人数须填写原因" in response.content.decode()
    response = c.post(beds_url(wards.hospital), {"bed_type": "general", "capacity": "0"})
    assert response.status_code == 422 and "少于在院人数" in response.content.decode()
    response = c.post(
        beds_url(wards.hospital), {"bed_type": "general", "capacity": "40", "occupied": "3", "reason": "系统上线前已收治 2 人"}
    )
    assert response.status_code == 302 and beds(wards.hospital) == (3, 40)


def test_beds_of_another_facility_or_without_the_role_are_refused(client, scene, users, wards):
    assert as_user(client, wards.hospital_user).post(beds_url(wards.fangcang), {"bed_type": "general", "capacity": "9"}).status_code == 403
    assert as_user(client, users["district"]).post(beds_url(wards.hospital), {"bed_type": "general", "capacity": "9"}).status_code == 403
    assert beds(wards.fangcang) == (1, 3) and beds(wards.hospital) == (1, 2)
    response = as_user(client, users["command"]).post(beds_url(wards.fangcang), {"bed_type": "general", "capacity": "500"})
    assert response.status_code == 302 and beds(wards.fangcang) == (1, 500)


def test_the_command_centre_sets_up_and_changes_facilities(client, users, wards, city):
    c = as_user(client, users["command"])
    assert c.get(reverse("cases:facility_create")).status_code == 200
    data = {
        "kind": "fangcang",
        "name": "体育馆方舱医院",
        "district": city.home.district.pk,
        "is_active": "on",
        "admits_high_risk": "unknown",
        "beds_general": "600",
    }
    response = c.post(reverse("cases:facility_create"), data)
    facility = TreatmentFacility.objects.get(name="体育馆方舱医院")
    assert response.status_code == 302 and beds(facility) == (0, 600)
    assert c.post(reverse("cases:facility_create"), data).status_code == 422  # the name is taken
    edit = reverse("cases:facility_edit", args=[facility.pk])
    response = c.post(edit, {"name": "体育馆方舱医院", "admits_high_risk": "unknown", "max_age": "80", "admission_note": "不收治透析患者"})
    facility.refresh_from_db()
    assert response.status_code == 302 and (facility.max_age, facility.is_active) == (80, False)
    for user in (wards.hospital_user, users["district"]):
        assert as_user(client, user).get(reverse("cases:facility_create")).status_code == 403
        assert as_user(client, user).post(edit, {"name": "x"}).status_code == 403
