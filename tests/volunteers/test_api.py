"""The 志愿者 API: volunteers by grant and need-to-know, needs and assigning, the check-in by personal
link and point code (the phone page's services), the totals, and the people who serve. Attack tests:
another district's objects, a role without the capability, a forged or revoked link, a posted
community outside the grant — each refused, nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from fangkong.core.roles import Role
from fangkong.volunteers.models import Assignment, Deployment
from fangkong.volunteers.services import (
    deployment_add,
    personal_link_issue,
    shift_assign,
    volunteer_approve,
    volunteer_verify,
)
from fangkong.volunteers.tokens import point_code

from ..factories import make_person, make_user, next_id_number
from .conftest import at_hour

pytestmark = pytest.mark.django_db


def far_approved(world, name: str):
    """An approved volunteer of the other district (verified and approved by its own coordinator)."""
    number = next_id_number(world.city.elsewhere.district.code)
    make_person(world.city.elsewhere.household, name, id_number=number)
    v = world.apply(name, tree=world.city.elsewhere, id_number=number)
    volunteer_verify(actor=world.other, volunteer=v)
    return volunteer_approve(actor=world.other, volunteer=v, field_work=True)


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def supervisor(world):
    return make_user("api-supervisor", Role.SUPERVISOR, [("district", world.city.home.district)])


@pytest.fixture
def office(world):
    return make_user("api-office", Role.DISTRICT_OFFICE, [("district", world.city.home.district)])


def test_volunteers_by_grant_masked_and_need_to_know(world, supervisor):
    mine = world.approved("本区志愿者")
    theirs = far_approved(world, "外区志愿者")
    body = api(world.coordinator).get("/api/volunteers/").json()
    names = [r["name"] for r in body["results"]]
    assert "本区志愿者" in names and "外区志愿者" not in names
    row = next(r for r in body["results"] if r["name"] == "本区志愿者")
    assert "*" in row["id_masked"] and "*" in row["phone_masked"] and "id_cipher" not in row
    detail = api(world.coordinator).get(f"/api/volunteers/{mine.pk}/")
    assert detail.status_code == 200 and detail.json()["record"]["attended"] == 0
    assert api(world.coordinator).get(f"/api/volunteers/{theirs.pk}/").status_code == 404
    refused = api(supervisor).get("/api/volunteers/")
    assert refused.status_code == 403 and refused.json()["rule"] == "volunteers.view" and "本区志愿者" not in refused.content.decode()
    assert api().get("/api/volunteers/").status_code in (401, 403)


def test_assign_through_the_api_checks_capability_and_grant(world, supervisor):
    need = world.need(at_hour(8), at_hour(12))
    v = world.approved()
    far = far_approved(world, "外区")
    assert api(supervisor).post(f"/api/volunteers/needs/{need.pk}/assign/", {"volunteer": v.pk}, format="json").status_code == 403
    refused = api(world.coordinator).post(f"/api/volunteers/needs/{need.pk}/assign/", {"volunteer": far.pk}, format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "volunteer"
    ok = api(world.coordinator).post(f"/api/volunteers/needs/{need.pk}/assign/", {"volunteer": v.pk}, format="json")
    assert ok.status_code == 201 and ok.json()["status"] == "assigned"
    # The other district's coordinator does not see the need at all.
    assert api(world.other).post(f"/api/volunteers/needs/{need.pk}/assign/", {"volunteer": v.pk}, format="json").status_code == 404
    listed = api(world.coordinator).get("/api/volunteers/needs/", {"day": "2022-11-10"}).json()["results"]
    assert [(n["id"], n["taken"]) for n in listed] == [(need.pk, 1)]


def test_check_in_and_out_by_personal_link_and_point_code(world, clock):
    v = world.approved()
    need = world.need(at_hour(8), at_hour(12))
    shift_assign(actor=world.coordinator, volunteer=v, need=need)
    link, code = personal_link_issue(actor=world.coordinator, volunteer=v), point_code(world.point)
    clock(at_hour(7, 50))
    first = api().post("/api/volunteers/check-ins/", {"link": link, "code": code}, format="json")
    assert first.status_code == 200 and first.json()["status"] == "checked_in"
    again = api().post("/api/volunteers/check-ins/", {"link": link, "code": code}, format="json")
    assert again.status_code == 400 and again.json()["field"] == "code"
    clock(at_hour(12, 5))
    out = api().post("/api/volunteers/check-ins/", {"link": link, "code": code, "action": "out"}, format="json")
    assert out.status_code == 200 and out.json()["minutes"] == 255
    assert Assignment.objects.get(volunteer=v).minutes == 255


def test_a_forged_or_revoked_link_checks_nobody_in(world, clock):
    v = world.approved()
    shift_assign(actor=world.coordinator, volunteer=v, need=world.need(at_hour(8), at_hour(12)))
    old = personal_link_issue(actor=world.coordinator, volunteer=v)
    personal_link_issue(actor=world.coordinator, volunteer=v)  # a new link revokes the old one
    clock(at_hour(8, 5))
    code = point_code(world.point)
    for link in (old, old[:-2] + "xx", f"{v.pk}:forged"):
        refused = api().post("/api/volunteers/check-ins/", {"link": link, "code": code}, format="json")
        assert refused.status_code == 400 and refused.json()["field"] == "link"
    assert not Assignment.objects.filter(checked_in_at__isnull=False).exists()


def test_totals_name_nobody_and_follow_the_grant(world, supervisor, clock):
    v = world.approved("统计志愿者")
    shift_assign(actor=world.coordinator, volunteer=v, need=world.need(at_hour(8), at_hour(12)))
    link = personal_link_issue(actor=world.coordinator, volunteer=v)
    clock(at_hour(8))
    api().post("/api/volunteers/check-ins/", {"link": link, "code": point_code(world.point)}, format="json")
    body = api(supervisor).get("/api/volunteers/totals/", {"start": "2022-11-10", "end": "2022-11-10"}).json()
    assert body["attendance"] == 1 and body["sentence"].startswith("累计出勤 1 人次") and "统计志愿者" not in str(body)
    assert api(world.other).get("/api/volunteers/totals/", {"start": "2022-11-10", "end": "2022-11-10"}).json()["attendance"] == 0
    bad = api(supervisor).get("/api/volunteers/totals/", {"start": "2022-11-12", "end": "2022-11-10"})
    assert bad.status_code == 400 and bad.json()["field"] == "end" and bad.json()["rule"] == "core.period"


def test_deployments_through_the_api(world, office, supervisor):
    home, far = world.city.home, world.city.elsewhere
    body = {"kind": "cadre", "name": "干部甲", "phone": "13900000003", "work_unit": "市发改委", "community": home.community.pk,
            "compound": home.compound.pk, "rank": "division", "starts_on": "2022-11-10"}  # fmt: skip
    assert api(supervisor).post("/api/volunteers/serving/", body, format="json").status_code == 403
    outside = api(office).post("/api/volunteers/serving/", {**body, "community": far.community.pk}, format="json")
    assert outside.status_code == 404 and not Deployment.objects.exists()
    made = api(office).post("/api/volunteers/serving/", body, format="json")
    assert made.status_code == 201 and made.json()["phone_masked"] == "139******03"
    pk = made.json()["id"]
    clash = api(office).post("/api/volunteers/serving/", {**body, "name": "干部乙"}, format="json")
    assert clash.status_code == 400 and clash.json()["rule"] == "volunteers.deployment_overlap"
    roster = api(office).post(f"/api/volunteers/serving/{pk}/roster/", format="json")
    assert roster.status_code == 200 and roster.json()["on_duty_roster"] is True
    figures = api(supervisor).get("/api/volunteers/serving/figures/", {"day": "2022-11-10"})
    assert figures.status_code == 200 and figures.json()["cadres"] == 1 and "干部甲" not in figures.content.decode()
    assert api(supervisor).get("/api/volunteers/serving/").status_code == 403
    other_office = make_user("api-hm-office", Role.DISTRICT_OFFICE, [("district", far.district)])
    assert api(other_office).get(f"/api/volunteers/serving/{pk}/").status_code == 404
    assert api(other_office).post(f"/api/volunteers/serving/{pk}/end/", {}, format="json").status_code == 404
    ended = api(office).post(f"/api/volunteers/serving/{pk}/end/", {"ends_on": "2022-11-12"}, format="json")
    assert ended.status_code == 200 and ended.json()["ends_on"] == "2022-11-12"
    deployment_add(
        actor=office, kind="police", name="干警丙", phone="13900000004", work_unit="公安局", community=home.community,
        starts_on=dt.date(2022, 11, 10),
    )  # fmt: skip
    listed = api(office).get("/api/volunteers/serving/", {"kind": "police", "on": "2022-11-10"}).json()["results"]
    assert [r["name"] for r in listed] == ["干警丙"]


def test_ids_past_any_rows_are_refused_as_malformed_not_a_server_error(world):
    huge = "9" * 30
    for url, params in (("/api/volunteers/needs/", {"point": huge}), ("/api/volunteers/", {"organisation": "²"})):
        refused = api(world.coordinator).get(url, params)
        assert refused.status_code == 400 and refused.json()["rule"] == "api.request"
    need = world.need(at_hour(8), at_hour(12))
    refused = api(world.coordinator).post(f"/api/volunteers/needs/{need.pk}/assign/", {"volunteer": int(huge)}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "volunteer"
