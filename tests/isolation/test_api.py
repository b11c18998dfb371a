"""The 快隔 REST API: each endpoint scoped to the caller (404 outside, empty lists), masked ID
numbers, the capability refusals as {message, field, rule}, adding a contact and confirming a
handover."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from fangkong.core.crypto import decrypt
from fangkong.isolation.choices import EpisodeKind, EpisodeStatus, HandoverStatus
from fangkong.isolation.models import Contact, Handover, IsolationEpisode

from .pages import checked_in, released, waiting
from .tracing_factories import add

pytestmark = pytest.mark.django_db

API = "/api/isolation"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.content
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def refused(response, code: int, rule: str) -> dict:
    assert response.status_code == code, response.content
    body = response.json()
    assert body["rule"] == rule and body["message"], body
    return body


# ---- sites, rooms, day sheet ----


def test_sites_with_occupancy_are_scoped(setup, users):
    cmd = users["command"]
    checked_in(cmd, setup.family[0], setup.site, "401")
    rows = {r["name"]: r for r in rows_of(client_for(cmd).get(f"{API}/sites/"))}
    assert set(rows) == {setup.site.name, setup.other_site.name}
    home = rows[setup.site.name]
    assert (home["rooms"], home["rooms_occupied"], home["people_in"], home["beds"]) == (6, 1, 1, 11)
    assert home["free_rooms_by_type"] == {"single": 3, "double": 1, "family": 1}
    staff = client_for(setup.site_user)
    assert [r["id"] for r in rows_of(staff.get(f"{API}/sites/"))] == [setup.site.pk]
    assert staff.get(f"{API}/sites/{setup.site.pk}/").json()["people_in"] == 1
    assert staff.get(f"{API}/sites/{setup.other_site.pk}/").status_code == 404
    assert rows_of(client_for(users["nogrant"]).get(f"{API}/sites/")) == []


def test_rooms_show_who_is_in_masked(setup, users):
    e = checked_in(users["command"], setup.family[0], setup.site, "401")
    response = client_for(setup.site_user).get(f"{API}/sites/{setup.site.pk}/rooms/")
    rooms = {r["number"]: r for r in rows_of(response)}
    assert rooms["401"]["free_beds"] == 1 and rooms["401"]["occupants"][0]["episode"] == e.pk
    assert rooms["401"]["occupants"][0]["id_masked"] == setup.family[0].id_masked
    assert decrypt(setup.family[0].id_cipher) not in response.content.decode()
    assert client_for(setup.other_site_user).get(f"{API}/sites/{setup.site.pk}/rooms/").status_code == 404


def test_the_day_sheet_with_make_ups(setup, users):
    e = checked_in(users["command"], setup.family[0], setup.site, "401")
    staff = client_for(setup.site_user)
    rows = rows_of(staff.get(f"{API}/sites/{setup.site.pk}/day-sheet/?date=2022-11-15"))
    assert [(r["episode"], r["day_number"], r["is_make_up"], r["room_number"]) for r in rows] == [
        (e.pk, 1, True, "401"),
        (e.pk, 2, False, "401"),
    ]
    refused(staff.get(f"{API}/sites/{setup.site.pk}/day-sheet/?date=yesterday"), 400, "api.request")
    assert client_for(setup.other_site_user).get(f"{API}/sites/{setup.site.pk}/day-sheet/").status_code == 404


# ---- episodes, the board, figures ----


def test_episodes_filter_scope_and_mask(setup, users):
    cmd = users["command"]
    home = checked_in(cmd, setup.family[0], setup.site, "401")
    away = waiting(cmd, setup.elsewhere)
    everyone = client_for(cmd)
    assert {r["id"] for r in rows_of(everyone.get(f"{API}/episodes/"))} == {home.pk, away.pk}
    assert [r["id"] for r in rows_of(everyone.get(f"{API}/episodes/?status=checked_in"))] == [home.pk]
    assert [r["id"] for r in rows_of(everyone.get(f"{API}/episodes/?site={setup.site.pk}"))] == [home.pk]
    assert [r["id"] for r in rows_of(everyone.get(f"{API}/episodes/?community={away.community_id}"))] == [away.pk]
    assert len(rows_of(everyone.get(f"{API}/episodes/?kind=inbound"))) == 0
    community = client_for(users["community"])
    response = community.get(f"{API}/episodes/")
    assert [r["id"] for r in rows_of(response)] == [home.pk]
    assert decrypt(setup.family[0].id_cipher) not in response.content.decode()
    detail = community.get(f"{API}/episodes/{home.pk}/").json()
    assert detail["id_masked"] == setup.family[0].id_masked and [t["day_number"] for t in detail["tests"] if t["phase"] == "central"] == [
        1,
        2,
        3,
        5,
    ]
    assert community.get(f"{API}/episodes/{away.pk}/").status_code == 404
    assert client_for(setup.site_user).get(f"{API}/episodes/{away.pk}/").status_code == 404


def test_the_awaiting_board_overdue_first_and_scoped(setup, users):
    cmd = users["command"]
    late = waiting(cmd, setup.family[0])
    away = waiting(cmd, setup.elsewhere)
    rows = rows_of(client_for(cmd).get(f"{API}/episodes/awaiting/"))
    assert {r["id"] for r in rows} == {late.pk, away.pk} and all(r["is_overdue"] for r in rows)
    assert [r["id"] for r in rows_of(client_for(users["district"]).get(f"{API}/episodes/awaiting/"))] == [late.pk]
    assert rows_of(client_for(setup.site_user).get(f"{API}/episodes/awaiting/")) == []


def test_figures_of_a_day_are_scoped(setup, users):
    cmd = users["command"]
    checked_in(cmd, setup.family[0], setup.site, "401")
    waiting(cmd, setup.elsewhere)
    body = client_for(cmd).get(f"{API}/episodes/figures/?date=2022-11-14").json()
    assert body["day"] == "2022-11-14" and body["identified"][EpisodeKind.CLOSE_CONTACT] == 2 and body["checked_in"] == 1
    district = client_for(users["district"]).get(f"{API}/episodes/figures/?date=2022-11-14").json()
    assert district["identified"][EpisodeKind.CLOSE_CONTACT] == 1
    nobody = client_for(users["nogrant"]).get(f"{API}/episodes/figures/?date=2022-11-14").json()
    assert sum(nobody["identified"].values()) == 0 and nobody["checked_in"] == 0
    refused(client_for(cmd).get(f"{API}/episodes/figures/?date=14.11.2022"), 400, "api.request")


# ---- handovers ----


def test_pending_handovers_each_side_and_the_confirmation(setup, users, city):
    cmd = users["command"]
    home = released(cmd, setup.family[0], setup.site, "401")
    away = released(cmd, setup.elsewhere, setup.other_site, "301")
    assert {r["id"] for r in rows_of(client_for(cmd).get(f"{API}/handovers/"))} == {home.pk, away.pk}
    assert [r["id"] for r in rows_of(client_for(users["community"]).get(f"{API}/handovers/"))] == [home.pk]
    assert [r["id"] for r in rows_of(client_for(setup.site_user).get(f"{API}/handovers/"))] == [home.pk]
    url = f"{API}/handovers/{home.pk}/confirm/"
    body = {"receiver_name": "迎宾南路社区 李书记", "receiver_phone": "13800000000"}
    # the site cannot confirm its own handover to a community: its role lacks the capability; the auditor
    # may not even see the people in isolation (need-to-know), refused before the handover is looked up
    refused(client_for(setup.site_user).post(url, body, format="json"), 403, "isolation.handover")
    refused(client_for(users["auditor"]).post(url, body, format="json"), 403, "isolation.view")
    assert client_for(users["community"]).post(f"{API}/handovers/{away.pk}/confirm/", body, format="json").status_code == 404
    assert Handover.objects.get(pk=home.pk).status == HandoverStatus.PENDING
    response = client_for(users["community"]).post(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed" and response.json()["receiver_name"] == "迎宾南路社区 李书记"
    assert IsolationEpisode.objects.get(pk=home.episode_id).status == EpisodeStatus.HANDED_OVER
    assert rows_of(client_for(users["community"]).get(f"{API}/handovers/")) == []


def test_a_handover_is_not_confirmed_before_it_began(setup, users):
    """Found by schemathesis: a confirmation dated in the year 269 was taken (and its time then
    answered with Beijing's local-mean-time offset, +08:05:43, which is not ISO 8601)."""
    home = released(users["command"], setup.family[0], setup.site, "401")
    url = f"{API}/handovers/{home.pk}/confirm/"
    community = client_for(users["community"])
    early = (home.created_at - dt.timedelta(hours=1)).isoformat()
    receiver = {"receiver_name": "李书记", "receiver_phone": "13800000000"}
    body = refused(community.post(url, {"at": early, **receiver}, format="json"), 400, "time.order")
    assert body["field"] == "at"
    body = refused(community.post(url, {"at": "0269-04-01T08:01:09Z", **receiver}, format="json"), 400, "api.request")
    assert body["field"] == "at"
    assert Handover.objects.get(pk=home.pk).status == HandoverStatus.PENDING


def test_a_handover_names_its_receiver_and_their_phone(setup, users):
    """Issue 13: a handover was confirmed with an empty receiver name and phone; each is refused by field."""
    home = released(users["command"], setup.family[0], setup.site, "401")
    url = f"{API}/handovers/{home.pk}/confirm/"
    community = client_for(users["community"])
    assert refused(community.post(url, {}, format="json"), 400, "isolation.handover_receiver")["field"] == "receiver_name"
    body = refused(community.post(url, {"receiver_name": "李书记"}, format="json"), 400, "isolation.handover_receiver")
    assert body["field"] == "receiver_phone"
    body = refused(
        community.post(url, {"receiver_name": "李书记", "receiver_phone": "1380"}, format="json"), 400, "isolation.handover_receiver"
    )
    assert body["field"] == "receiver_phone"
    assert Handover.objects.get(pk=home.pk).status == HandoverStatus.PENDING
    response = community.post(url, {"receiver_name": "李书记", "receiver_phone": "138 0000 0000"}, format="json")
    assert response.status_code == 200 and response.json()["receiver_phone"] == "13800000000"


# ---- 流调 ----


def test_a_cases_contacts_and_adding_one(trace, users):
    district = client_for(users["district"])
    add(users["command"], trace.case_a, trace.neighbour)
    url = f"{API}/cases/{trace.case_a.pk}/contacts/"
    rows = rows_of(district.get(url))
    assert [r["name"] for r in rows] == [trace.neighbour.name] and rows[0]["state"] == "awaiting"
    assert rows[0]["id_masked"] == trace.neighbour.id_masked
    body = {
        "id_number": decrypt(trace.family.id_cipher),
        "exposure": "household",
        "place": "迎宾小区1号楼1单元101",
        "last_exposure_at": "2022-11-13T19:00",
        "identified_at": "2022-11-14T10:00",
    }
    # the community worker's role may not trace; 回民区's case is not the district's
    refused(client_for(users["community"]).post(url, body, format="json"), 403, "isolation.trace")
    assert district.post(f"{API}/cases/{trace.case_b.pk}/contacts/", body, format="json").status_code == 404
    assert district.get(f"{API}/cases/{trace.case_b.pk}/contacts/").status_code == 404
    refused(district.post(url, body | {"id_number": "150102"}, format="json"), 400, "tracing.person_in_registry")
    refused(
        district.post(url, body | {"last_exposure_at": "2022-11-14T11:00"}, format="json"), 400, "tracing.exposure_before_identification"
    )
    response = district.post(url, body, format="json")
    assert response.status_code == 201, response.content
    added = response.json()
    assert added["name"] == trace.family.name and added["kind"] == "close_contact" and added["episode_status"] == "awaiting_transfer"
    assert added["isolate_by"].startswith("2022-11-15T00:00")
    assert decrypt(trace.family.id_cipher) not in response.content.decode()
    assert Contact.objects.get(person=trace.family).episode_id == added["episode"]
    refused(district.post(url, body, format="json"), 400, "tracing.duplicate_link")
    assert len(rows_of(district.get(url))) == 2


def test_the_cluster_graph_is_scoped(trace, users):
    add(users["command"], trace.case_a, trace.far)
    add(users["command"], trace.case_b, trace.far, exposure="workplace", place="某公司")
    response = client_for(users["district"]).get(f"{API}/cases/{trace.case_a.pk}/graph/")
    assert response.status_code == 200, response.content
    graph = response.json()
    assert graph["root"] == trace.case_a.pk and len(graph["nodes"]) == 3 and len(graph["edges"]) == 2
    hidden = [n for n in graph["nodes"] if not n["visible"]]
    assert len(hidden) == 1 and hidden[0]["name"] == "" and hidden[0]["id_masked"] == ""  # 回民区's case
    assert client_for(users["district"]).get(f"{API}/cases/{trace.case_b.pk}/graph/").status_code == 404
    assert client_for(users["nogrant"]).get(f"{API}/cases/{trace.case_a.pk}/graph/").status_code == 404
