"""Security review E, finding 1: the coverage drill-down named who tested positive. A supervisor, a
volunteer coordinator or an isolation site's staff granted the district (no cases.view, no
geo.view_people) opened a household's coverage and read each resident's name, masked ID and 阳性; a
unit's page gave a 阳性 count per household, and the API's `group_by=household` a positive per
household (a household of one is that person's result).

Now: the residents only with geo.view_people; a resident's result (阴性 / 混管阳性 / 阳性) only with
cases.view, else 已出结果; 阳性 and 待单采复核 of a building, unit or household only with cases.view
(left out on the page, null in the API — never a 0). Each attack test fails on the old code."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.core.roles import Role
from fangkong.testing.services import Binding, bulk_bind, tube_receive

from ..factories import make_user
from .factories import at, upload

pytestmark = pytest.mark.django_db

UNCLEARED = [Role.SUPERVISOR, Role.VOLUNTEER_COORDINATOR, Role.ISOLATION_SITE_STAFF]


@pytest.fixture
def positive(setup, users, city):
    """赵敏, alone in the neighbour grid's household 202, tested positive in a single tube."""
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode="single",
        bindings=[Binding("S1", person_id=setup.other_grid[0].pk)], at=at(2),
    )  # fmt: skip
    tube_receive(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, barcodes=["S1"], at=at(3))
    upload(setup.lab_user, setup.round, setup.lab, [("S1", "阳性", 30, 31, "2022-02-25 16:00")], at(9))
    return setup


def _page(client, user, testing_round, level, place):
    client.force_login(user)
    return client.get(reverse("testing:coverage", args=[testing_round.pk]), {"level": level, "place": place.pk})


def _api(client, user, testing_round, **query):
    client.force_login(user)
    response = client.get(f"/api/testing/rounds/{testing_round.pk}/coverage/", query)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("role", UNCLEARED)
def test_a_households_coverage_names_nobody_and_no_result_to_a_role_without_the_capabilities(client, city, positive, role):
    attacker = make_user("att", role, [("district", city.home.district)])
    response = _page(client, attacker, positive.round, "household", city.neighbour.household)
    assert response.status_code == 200
    body = response.content.decode()
    assert "赵敏" not in body and positive.other_grid[0].id_masked not in body
    assert response.context["residents"] is None and "data-withheld" in body  # the notice in place of the table
    assert 'data-total="positive"' not in body and 'data-total="awaiting_retest"' not in body
    assert response.context["total"].positive is None and response.context["total"].residents == 1  # the figures stay


def test_a_unit_gives_no_positive_count_per_household_without_cases_view(client, city, positive):
    attacker = make_user("att", Role.SUPERVISOR, [("district", city.home.district)])
    response = _page(client, attacker, positive.round, "unit", city.neighbour.unit)
    assert response.status_code == 200
    body = response.content.decode()
    assert [(c.residents, c.positive, c.awaiting_retest) for c in response.context["rows"]] == [(1, None, None)]
    assert "badge text-bg-danger" not in body and 'id="results-not-counted"' in body
    # a grid's buildings: the same; the community's grids keep their counts (aggregate figures)
    grid = _page(client, attacker, positive.round, "grid", city.neighbour.grid)
    assert [c.positive for c in grid.context["rows"]] == [None] and grid.context["total"].positive == 1
    community = _page(client, attacker, positive.round, "community", city.home.community)
    assert sorted(c.positive for c in community.context["rows"]) == [0, 1]


def test_a_grid_worker_sees_who_lives_there_but_not_who_tested_positive(client, city, positive):
    worker = make_user("g2", Role.GRID_WORKER, [("grid", city.neighbour.grid)])  # geo.view_people, no cases.view
    response = _page(client, worker, positive.round, "household", city.neighbour.household)
    body = response.content.decode()
    assert [(s.person.name, s.status, s.status_label) for s in response.context["residents"]] == [("赵敏", "resulted", "已出结果")]
    assert 'data-status="positive"' not in body and "data-withheld" not in body
    assert response.context["total"].positive is None


def test_the_district_office_reads_every_figure_and_the_residents_result(client, city, positive, users):
    response = _page(client, users["district"], positive.round, "household", city.neighbour.household)
    assert [(s.person.name, s.status) for s in response.context["residents"]] == [("赵敏", "positive")]
    assert 'data-total="positive"' in response.content.decode() and response.context["total"].positive == 1
    unit = _page(client, users["district"], positive.round, "unit", city.neighbour.unit)
    assert [c.positive for c in unit.context["rows"]] == [1] and 'id="results-not-counted"' not in unit.content.decode()


def test_the_api_gives_no_positive_per_household_without_cases_view(client, city, positive, users):
    attacker = make_user("att", Role.SUPERVISOR, [("district", city.home.district)])
    body = _api(client, attacker, positive.round, group_by="household")
    assert body["children"] and all(c["positive"] is None and c["awaiting_retest"] is None for c in body["children"])
    assert body["totals"]["positive"] == 1  # the city's figure stays
    one = _api(client, attacker, positive.round, level="household", place=city.neighbour.household.pk)
    assert (one["totals"]["residents"], one["totals"]["positive"], one["totals"]["awaiting_retest"]) == (1, None, None)
    # grouped upwards from a household, its rows are still that household
    up = _api(client, attacker, positive.round, level="household", place=city.neighbour.household.pk, group_by="district")
    assert [c["positive"] for c in up["children"]] == [None]
    # the district office reads them
    office = _api(client, users["district"], positive.round, group_by="household")
    assert [c["place_id"] for c in office["children"] if c["positive"]] == [city.neighbour.household.pk]


def test_the_schema_says_the_figures_may_be_withheld(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    coverage = schema["components"]["schemas"]["Coverage"]["properties"]
    assert coverage["positive"].get("nullable") and coverage["awaiting_retest"].get("nullable")
