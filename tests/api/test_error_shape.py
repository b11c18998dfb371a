"""Every 4xx of the API is the documented `Error` (issue 12 item 14): each malformed or refused request
below is sent with a real sign-in token (or a browser session), its answer is validated against the
`Error` schema of the app's own OpenAPI document, and its status code is one the schema declares for
that operation — a malformed JSON body, the board actions' refusals, validation errors, pages that do
not exist, a wrong content type, a method the endpoint does not have, no or a bad token, a role that
may not, an object that is not there or not the caller's, a URL that is not the API's."""

from __future__ import annotations

import json
from dataclasses import dataclass

import jsonschema
import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from fangkong.accounts.services.tokens import api_token_sign_in
from fangkong.cases.choices import Classification, FacilityKind

from ..cases.factories import at, board_transfer, make_facility, open_case
from ..factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema() -> dict:
    """The OpenAPI document the app serves at /api/schema/ (as JSON)."""
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


def error_validator(schema: dict) -> jsonschema.Draft202012Validator:
    components = json.loads(json.dumps(schema["components"]))
    for component in components["schemas"].values():  # OpenAPI 3.0's `nullable` is JSON Schema's type list
        for field in component.get("properties", {}).values():
            if field.pop("nullable", False) and "type" in field:
                field["type"] = [field["type"], "null"]
    return jsonschema.Draft202012Validator({"$ref": "#/components/schemas/Error", "components": components})


def assert_error(schema: dict, response, status: int, *, rule: str | None = None, field: str | None = None, operation=None) -> dict:
    """The answer is `status`, JSON, a valid `Error`; `operation` (method, path template) declares `status`."""
    assert response.status_code == status, (response.status_code, response.content[:400])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    error_validator(schema).validate(body)
    assert body["message"] and body["rule"], body
    if rule is not None:
        assert body["rule"] == rule, body
    if field is not None:
        assert body["field"] == field, body
    if operation is not None:
        method, template = operation
        declared = schema["paths"][template][method]["responses"]
        assert str(status) in declared, f"{method.upper()} {template} does not declare {status}: {sorted(declared)}"
        assert declared[str(status)]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    return body


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_sign_in(user=user, second_factor=True).key}")
    return client


@dataclass
class Board:
    command: APIClient
    grid: APIClient
    awaiting: int  # a transfer on the board
    case: int  # its case (not admitted)
    elsewhere: int  # a case of another district: not the district office's


@pytest.fixture
def board(city, users) -> Board:
    make_facility("内蒙古自治区第四医院", FacilityKind.HOSPITAL, city.home.district, general=2, icu=1)
    make_facility("会展中心方舱医院", FacilityKind.FANGCANG, city.elsewhere.district, general=3)
    case = open_case(users["command"], make_person(city.home.household, "周建华"), Classification.MILD, confirmed_at=at(1))
    away = open_case(users["command"], make_person(city.elsewhere.household, "马强"), Classification.MILD, confirmed_at=at(1))
    return Board(
        command=token_client(users["command"]),
        grid=token_client(users["grid"]),
        awaiting=board_transfer(case).pk,
        case=case.pk,
        elsewhere=away.pk,
    )


TRANSFER = "/api/cases/transfers/{id}/"
ACTIONS = {  # the board's actions and discharge, with a body each would accept
    "pick-up": ({}, TRANSFER + "pick-up/"),
    "admit": ({}, TRANSFER + "admit/"),
    "refuse": ({"reason": "床位已满"}, TRANSFER + "refuse/"),
    "discharge": ({}, "/api/cases/{id}/discharge/"),
}


def action_url(board: Board, template: str) -> str:
    return template.replace("{id}", str(board.case if template.startswith("/api/cases/{id}") else board.awaiting))


# ---- 400: a malformed body, the actions' refusals, validation errors ----


@pytest.mark.parametrize("action", ACTIONS)
def test_a_malformed_json_body_is_an_error(action, board, schema):
    _, template = ACTIONS[action]
    response = board.command.post(action_url(board, template), data='{"at": "2022-11-14T09:00', content_type="application/json")
    assert_error(schema, response, 400, rule="api.request", field="body", operation=("post", template))


def test_a_malformed_json_body_anywhere_else_too(board, schema):
    for template, url in (
        ("/api/cases/", "/api/cases/"),
        ("/api/cases/{id}/withdraw/", f"/api/cases/{board.case}/withdraw/"),
        ("/api/people/search/", "/api/people/search/"),
        ("/api/token/", "/api/token/"),
    ):
        response = board.command.post(url, data="[{,", content_type="application/json")
        assert_error(schema, response, 400, rule="api.request", field="body", operation=("post", template))


def test_the_refusals_of_pick_up_admit_refuse_and_discharge(board, schema):
    """Each action refused by its service: the answer names the rule (and the field) that refused."""

    def refused(action: str, body, **expected) -> dict:
        response = board.command.post(action_url(board, ACTIONS[action][1]), body, format="json")
        return assert_error(schema, response, 400, operation=("post", ACTIONS[action][1]), **expected)

    # 接到患者 before a vehicle was sent; 出院 of a patient not admitted; 拒收 without a reason
    refused("pick-up", {}, rule="cases.transfer_transitions")
    refused("discharge", {}, rule="cases.case_transitions")
    refused("refuse", {"reason": " "}, rule="api.request", field="reason")
    # 就地收治 without naming the facility: a service's check of a value it was given is api.request, never ""
    refused("admit", {}, rule="api.request", field="facility")
    # a body that is not an object, a field of the wrong type
    refused("refuse", [1, 2], rule="api.request", field="request")
    body = refused("discharge", {"clinical": "x"}, rule="api.request", field="clinical")
    assert [e["field"] for e in body["errors"]] == ["clinical"]


def test_validation_errors_of_queries_name_the_parameter(board, schema):
    for url, template, parameter in (
        ("/api/cases/?status=zzz", "/api/cases/", "status"),
        ("/api/cases/transfers/?overdue=perhaps", "/api/cases/transfers/", "overdue"),
        ("/api/cases/day-figures/?date=14.11.2022", "/api/cases/day-figures/", "date"),
        # an id filter is a whole number: 2.9e+42 made SQLite raise OverflowError (a 500; found by schemathesis)
        ("/api/grids/?community=2.9265099248547216e%2B42", "/api/grids/", "community"),
        ("/api/households/?street=-1.79e%2B308", "/api/households/", "street"),
        ("/api/cases/monitoring/?grid=37.3", "/api/cases/monitoring/", "grid"),
        ("/api/testing/positives/?district=1e99", "/api/testing/positives/", "district"),
        ("/api/people/?page_size=abc", "/api/people/", "page_size"),
    ):
        body = assert_error(schema, board.command.get(url), 400, rule="api.request", field=parameter, operation=("get", template))
        assert body["errors"][0]["field"] == parameter


# ---- pages ----

LISTS = ("/api/cases/", "/api/cases/transfers/", "/api/people/")  # a queryset, the board's own sequence, geo


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5"])
def test_a_page_that_is_not_a_whole_number_from_1_is_a_malformed_query(page, board, schema):
    for url in LISTS:
        assert_error(schema, board.command.get(f"{url}?page={page}"), 400, rule="api.request", field="page", operation=("get", url))


def test_a_page_past_the_last_is_not_found(board, schema):
    assert board.command.get("/api/cases/?page=1").status_code == 200
    for url in LISTS:
        assert_error(schema, board.command.get(f"{url}?page=99"), 404, rule="api.page", field="page", operation=("get", url))
    page = schema["paths"]["/api/people/"]["get"]["parameters"]
    assert next(p["schema"] for p in page if p["name"] == "page") == {"type": "integer", "minimum": 1}


# ---- 401, 403, 404, 405, 415 ----


def test_no_token_or_a_bad_one(board, schema):
    template = ACTIONS["pick-up"][1]
    for client in (APIClient(), APIClient(HTTP_AUTHORIZATION="Token fk_not-a-token")):
        assert_error(schema, client.get("/api/cases/"), 401, rule="api.authentication", operation=("get", "/api/cases/"))
        response = client.post(action_url(board, template), {}, format="json")
        assert_error(schema, response, 401, rule="api.authentication", operation=("post", template))


def test_a_role_that_may_not(board, schema, city):
    template = ACTIONS["pick-up"][1]
    response = board.grid.post(action_url(board, template), {}, format="json")
    assert_error(schema, response, 403, rule="cases.view", operation=("post", template))  # need-to-know first: no cases.view
    person = city.home.household.members.first()
    response = board.grid.post(f"/api/people/{person.pk}/reveal/", {"reason": "核对转运名单"}, format="json")
    assert_error(schema, response, 403, rule="geo.reveal_id", operation=("post", "/api/people/{id}/reveal/"))


def test_a_session_without_its_csrf_token(board, schema, users):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["command"])
    assert browser.get("/api/cases/").status_code == 200
    template = ACTIONS["pick-up"][1]
    response = browser.post(action_url(board, template), "{}", content_type="application/json")
    assert_error(schema, response, 403, rule="api.permission", operation=("post", template))


def test_missing_and_out_of_jurisdiction_answer_alike(board, schema, users):
    district = token_client(users["district"])
    missing = assert_error(schema, district.get("/api/cases/999999/"), 404, rule="api.not_found", operation=("get", "/api/cases/{id}/"))
    theirs = assert_error(schema, district.get(f"/api/cases/{board.elsewhere}/"), 404, operation=("get", "/api/cases/{id}/"))
    assert missing == theirs and "Case" not in missing["message"]
    response = district.post(f"/api/cases/{board.elsewhere}/withdraw/", {"reason": "重复登记"}, format="json")
    assert assert_error(schema, response, 404, operation=("post", "/api/cases/{id}/withdraw/")) == missing


def test_a_method_the_endpoint_does_not_have(board, schema):
    assert_error(schema, board.command.delete("/api/cases/"), 405, rule="api.method")
    assert_error(schema, board.command.put(f"/api/cases/{board.case}/", {}, format="json"), 405, rule="api.method")


@pytest.mark.parametrize("action", ACTIONS)
def test_a_body_that_is_not_json(action, board, schema):
    body, template = ACTIONS[action]
    response = board.command.post(action_url(board, template), data="at=2022-11-14", content_type="text/plain")
    assert_error(schema, response, 415, rule="api.media_type", field="body", operation=("post", template))


def test_a_url_that_is_not_the_apis(board, schema):
    """Any other URL under /api/ answers 404 as an Error, also to a POST (not the CSRF page) and for
    an id that is not a number (the routes take digits only: found by schemathesis)."""
    for response in (
        board.command.get("/api/nothing-here/"),
        board.command.post("/api/nothing-here/", {}, format="json"),
        board.command.post("/api/cases/transfers/%C2%84/pick-up/", {}, format="json"),
        board.command.post("/api/cases/0.5/discharge/", {}, format="json"),
        APIClient().get("/api/cases/abc/"),
    ):
        assert_error(schema, response, 404, rule="api.not_found")
    assert APIClient().get("/api/nothing-here").status_code == 301  # no final slash: redirected to it first


def test_a_refusal_that_cites_a_rule_carries_its_source(schema):
    """A policy refusal names its rule and, like the pages' folded 依据, the document it comes from."""
    from fangkong.core.api import domain_error_body
    from fangkong.core.errors import DomainError

    cited = domain_error_body(DomainError("现行政策不再判定次密接", rule="secondary_contact.traced", source="《二十条》2022-11-11"))
    error_validator(schema).validate(cited)
    assert cited["rule"] == "secondary_contact.traced" and cited["source"] == "《二十条》2022-11-11"
    assert "source" not in domain_error_body(DomainError("请填写事由", field="reason"))
