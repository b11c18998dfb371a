"""Need-to-know: a grant on a district says where a user works, not what they may read. The volunteer
coordinator and the supervisor of a district (a grant, no capability) used to open every case's and
contact's name and exposure place there; now the pages, fragments and API that name cases, people in
isolation and contacts answer 403 with the capability's refusal, and the boards that mix figures and
names show the figures alone. The district office (cases.view, isolation.view) reads them as before.

The city is tests/scoping/world.py's (built once for this module): a case on the transfer board with
a close contact (exposure place recorded), a patient at the district's hospital, people at every
stage of isolation — in the home district and in another.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.accounts.models import Grant
from fangkong.core.roles import Role
from tests.factories import make_user
from tests.scoping.world import EXPOSURE_PLACES, HOME, NAMES

CASE_REFUSAL = "您的角色无权查看病例的个人信息"
PEOPLE_REFUSAL = "您的角色无权查看隔离人员与密接的个人信息"
UNCLEARED = ("volunteer", "supervisor")


def page(user, name: str, *args, query: str = "") -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse(name, args=args) + query)
    return response.status_code, response.content.decode()


def api(user, path: str) -> tuple[int, object]:
    client = APIClient()
    client.force_login(user)
    response = client.get(path)
    return response.status_code, response.json()


def names_in(body: str, world) -> list[str]:
    return sorted(n for n in world.every_name if n in body)


def the_pages(world) -> list[tuple[str, tuple, str, tuple[str, ...], str]]:
    """(url name, args, query, names the district office reads there, the refusal for the others)."""
    s, home = world.subjects, NAMES[HOME]
    place = EXPOSURE_PLACES[HOME]
    return [
        ("cases:case_list", (), "", (home["board"], home["patient"]), CASE_REFUSAL),
        ("cases:case_detail", (s["case"].home,), "", (home["board"],), CASE_REFUSAL),
        ("cases:monitoring_list", (), "", (home["monitored"],), CASE_REFUSAL),
        ("cases:queue", (), "", (home["positive"],), CASE_REFUSAL),
        ("isolation:episode_list", (), "", (home["resident"],), PEOPLE_REFUSAL),
        ("isolation:episode_detail", (s["episode"].home,), "", (home["resident"],), PEOPLE_REFUSAL),
        ("isolation:awaiting_board", (), "", (home["waiting"],), PEOPLE_REFUSAL),
        ("isolation:day_sheet", (s["site"].home,), "?day=2022-11-15", (home["resident"],), PEOPLE_REFUSAL),
        ("isolation:handover_list", (), "", (home["released"],), PEOPLE_REFUSAL),
        ("isolation:home_list", (), "", (home["at_home"],), PEOPLE_REFUSAL),
        ("isolation:arrival_list", (), "", (home["arrival"],), PEOPLE_REFUSAL),
        ("isolation:tracing_home", (), "", (home["board"],), CASE_REFUSAL),
        ("isolation:trace_case", (s["trace"].home,), "", (home["contact"], place), CASE_REFUSAL),
        ("isolation:contact_detail", (s["contact"].home,), "", (home["contact"], place), CASE_REFUSAL),
        ("isolation:contacts_awaiting", (), "", (home["contact"],), CASE_REFUSAL),
        ("isolation:cluster_graph", (s["trace"].home,), "", (home["contact"],), CASE_REFUSAL),
    ]


def the_api(world) -> list[tuple[str, tuple[str, ...], str]]:
    """(path, names the district office reads there, the capability that refuses the others)."""
    s, home = world.subjects, NAMES[HOME]
    place = EXPOSURE_PLACES[HOME]
    return [
        ("/api/cases/", (home["board"],), "cases.view"),
        (f"/api/cases/{s['case'].home}/", (home["board"],), "cases.view"),
        ("/api/cases.json", (home["board"],), "cases.view"),  # the format suffix: the same list, as a file
        ("/api/cases/transfers/", (home["board"],), "cases.view"),
        ("/api/cases/monitoring/", (home["monitored"],), "cases.view"),
        (f"/api/cases/monitoring/{s['monitoring'].home}/", (home["monitored"],), "cases.view"),
        ("/api/isolation/episodes/", (home["resident"],), "isolation.view"),
        (f"/api/isolation/episodes/{s['episode'].home}/", (home["resident"],), "isolation.view"),
        ("/api/isolation/episodes/awaiting/", (home["waiting"],), "isolation.view"),
        ("/api/isolation/handovers/", (home["released"],), "isolation.view"),
        (f"/api/isolation/sites/{s['site'].home}/rooms/", (home["resident"],), "isolation.view"),
        (f"/api/isolation/sites/{s['site'].home}/day-sheet/?date=2022-11-15", (home["resident"],), "isolation.view"),
        (f"/api/isolation/cases/{s['trace'].home}/contacts/", (home["contact"], place), "cases.view"),
        (f"/api/isolation/cases/{s['trace'].home}/graph/", (home["contact"],), "cases.view"),
    ]


# ---- pages ----


@pytest.mark.parametrize("role", UNCLEARED)
def test_a_grant_without_the_capability_opens_no_personal_page(scoped, role):
    user = scoped.users[role]
    for name, args, query, _names, refusal in the_pages(scoped):
        status, body = page(user, name, *args, query=query)
        assert status == 403, name
        assert refusal in body and names_in(body, scoped) == [], name


def test_the_district_office_reads_them(scoped):
    office = scoped.users["office"]
    for name, args, query, names, _refusal in the_pages(scoped):
        status, body = page(office, name, *args, query=query)
        assert status == 200, name
        assert all(n in body for n in names), name


@pytest.mark.parametrize("role", UNCLEARED)
def test_the_boards_show_their_figures_and_withhold_the_names(scoped, role):
    """The transfer board, a facility, an isolation site, its room plan and the incidents: the same
    counts the office sees, no name, and a notice in place of the names."""
    user, office = scoped.users[role], scoped.users["office"]
    s, home = scoped.subjects, NAMES[HOME]
    boards = [
        ("cases:board", (), "", home["board"], 'data-card="total"'),
        ("cases:facility_detail", (s["facility"].home,), "", home["patient"], "床位"),
        ("isolation:site_detail", (s["site"].home,), "", home["resident"], 'data-card="people"'),
        ("isolation:room_grid", (s["site"].home,), "", home["resident"], 'data-room="301"'),
        ("isolation:incident_list", (), "?show=all", home["resident"], "data-incident"),
    ]
    for name, args, query, person, figure in boards:
        status, body = page(user, name, *args, query=query)
        assert status == 200 and figure in body, name
        assert names_in(body, scoped) == [], name
        status, seen = page(office, name, *args, query=query)
        assert status == 200 and person in seen, name
    _status, board = page(user, "cases:board")
    assert "data-withheld" in board and CASE_REFUSAL in board
    _status, site = page(user, "isolation:site_detail", s["site"].home)
    assert "data-withheld" in site and PEOPLE_REFUSAL in site


# ---- the API ----


@pytest.mark.parametrize("role", UNCLEARED)
def test_the_api_refuses_them_in_the_error_shape(scoped, role):
    user = scoped.users[role]
    for path, _names, capability in the_api(scoped):
        status, body = api(user, path)
        assert status == 403, path
        assert body["rule"] == capability and body["message"], path
        assert names_in(json.dumps(body, ensure_ascii=False), scoped) == [], path


def test_the_api_answers_the_district_office(scoped):
    office = scoped.users["office"]
    for path, names, _capability in the_api(scoped):
        status, body = api(office, path)
        text = json.dumps(body, ensure_ascii=False)
        assert status == 200, path
        assert all(n in text for n in names), path


@pytest.mark.parametrize("role", UNCLEARED)
def test_figures_stay_open_to_everyone_in_scope(scoped, role):
    user = scoped.users[role]
    for path in ("/api/cases/day-figures/?date=2022-11-14", "/api/isolation/episodes/figures/?date=2022-11-14", "/api/isolation/sites/"):
        status, body = api(user, path)
        assert status == 200 and names_in(json.dumps(body, ensure_ascii=False), scoped) == [], path
    for name in ("cases:day_figures", "cases:facility_list", "isolation:figures", "isolation:site_list"):
        status, body = page(user, name)
        assert status == 200 and names_in(body, scoped) == [], name


# ---- 流调 needs both ----


def test_tracing_needs_both_capabilities(scoped):
    """Hospital staff read cases, not contacts; a grid worker reads people in isolation, not cases:
    neither opens a trace, each refused for the capability they lack."""
    district = scoped.subjects["trace"].home
    hospital = scoped.users["hospital"]
    grid = make_user("sc-grid", Role.GRID_WORKER)
    Grant.objects.create(user=grid, level="district", place_id=scoped.users["office"].grants.get().place_id)
    for user, refusal, rule in ((hospital, PEOPLE_REFUSAL, "isolation.view"), (grid, CASE_REFUSAL, "cases.view")):
        status, body = page(user, "isolation:trace_case", district)
        assert status == 403 and refusal in body and names_in(body, scoped) == []
        status, body = api(user, f"/api/isolation/cases/{district}/contacts/")
        assert status == 403 and body["rule"] == rule


# ---- menus ----


@pytest.mark.parametrize("role", UNCLEARED)
def test_menus_offer_no_page_the_role_cannot_open(scoped, role):
    user, office = scoped.users[role], scoped.users["office"]
    pages = {
        "cases:board": [reverse("cases:case_list"), reverse("cases:monitoring_list")],
        "isolation:site_list": [reverse(f"isolation:{n}") for n in ("awaiting_board", "episode_list", "handover_list", "arrival_list")],
        "reports:home": [reverse("isolation:tracing_home")],
    }
    for name, links in pages.items():
        _status, theirs = page(user, name)
        _status, offices = page(office, name)
        for link in links:
            assert f'href="{link}"' not in theirs, (name, link)
            assert f'href="{link}"' in offices, (name, link)
