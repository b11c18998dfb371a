"""The REST API: scoped lists and details for every endpoint, the audited reveal, tokens, schema."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from fangkong.accounts.services import api_token_create
from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt
from fangkong.geo.models import Community, District, Grid, Household, Person, Street

pytestmark = pytest.mark.django_db

# endpoint → (model, how to pick the home object, how to pick the object elsewhere)
ENDPOINTS = {
    "districts": (District, lambda c: c.home.district, lambda c: c.elsewhere.district),
    "streets": (Street, lambda c: c.home.street, lambda c: c.elsewhere.street),
    "communities": (Community, lambda c: c.home.community, lambda c: c.elsewhere.community),
    "grids": (Grid, lambda c: c.home.grid, lambda c: c.elsewhere.grid),
    "households": (Household, lambda c: c.home.household, lambda c: c.elsewhere.household),
    "people": (Person, lambda c: Person.objects.get(name="王秀英"), lambda c: Person.objects.get(name="马丽")),
}


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_community_worker_sees_only_their_community(endpoint, city, users):
    model, home, elsewhere = ENDPOINTS[endpoint]
    client = client_for(users["community"])
    seen = ids(client.get(f"/api/{endpoint}/?page_size=1000"))
    expected = set(model.objects.visible_to(users["community"]).values_list("id", flat=True))
    assert seen == expected
    assert home(city).pk in seen
    assert elsewhere(city).pk not in seen
    if endpoint not in ("districts", "streets"):
        # below the street level every row is inside the community
        community_ids = set(
            model.objects.filter(**{"id__in": seen}).values_list("community_id" if model is not Community else "id", flat=True)
        )
        assert community_ids == {city.home.community.pk}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_detail_inside_answers_and_outside_is_404(endpoint, city, users):
    model, home, elsewhere = ENDPOINTS[endpoint]
    client = client_for(users["community"])
    assert client.get(f"/api/{endpoint}/{home(city).pk}/").json()["id"] == home(city).pk
    assert client.get(f"/api/{endpoint}/{elsewhere(city).pk}/").status_code == 404
    assert client.get(f"/api/{endpoint}/987654321/").status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_user_without_grants_gets_empty_lists_and_404s(endpoint, city, users):
    model, home, elsewhere = ENDPOINTS[endpoint]
    client = client_for(users["nogrant"])
    response = client.get(f"/api/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert response.json()["results"] == []
    assert client.get(f"/api/{endpoint}/{home(city).pk}/").status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_is_refused(endpoint, city):
    model, home, elsewhere = ENDPOINTS[endpoint]
    client = APIClient()
    assert client.get(f"/api/{endpoint}/").status_code == 401
    assert client.get(f"/api/{endpoint}/{home(city).pk}/").status_code == 401


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_token_auth_works_and_keeps_the_scope(endpoint, city, users):
    model, home, elsewhere = ENDPOINTS[endpoint]
    issued = api_token_create(actor=users["community"], name="test", days=30, second_factor=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    seen = ids(client.get(f"/api/{endpoint}/?page_size=1000"))
    assert home(city).pk in seen and elsewhere(city).pk not in seen
    assert client.get(f"/api/{endpoint}/{elsewhere(city).pk}/").status_code == 404
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(f"/api/{endpoint}/").status_code == 401


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_city_user_sees_everything(endpoint, city, users):
    model, home, elsewhere = ENDPOINTS[endpoint]
    response = client_for(users["command"]).get(f"/api/{endpoint}/?page_size=1000")
    assert response.json()["count"] == model.objects.count()


def test_grid_worker_sees_only_their_grid(city, users):
    client = client_for(users["grid"])
    assert ids(client.get("/api/grids/")) == {city.home.grid.pk}
    assert ids(client.get("/api/households/")) == {city.home.household.pk}
    assert {p["name"] for p in client.get("/api/people/").json()["results"]} == {"王秀英", "李建国"}
    assert client.get(f"/api/households/{city.neighbour.household.pk}/").status_code == 404


def test_people_are_masked_never_cipher_or_hash(city, users):
    person = Person.objects.get(name="王秀英")
    row = client_for(users["community"]).get(f"/api/people/{person.pk}/").json()
    assert row["id_masked"] == person.id_masked and "*" in row["id_masked"]
    assert row["phone_masked"] == person.phone_masked and row["phone_masked"] == "138******11" and "13800001111" not in str(row)
    assert row["household"] == city.home.household.pk
    assert row["household_address"] == "迎宾小区1号楼1单元101"
    assert row["tags"] == ["elderly_alone"]
    full = decrypt(person.id_cipher)
    assert full not in str(row)
    for secret in ("id_cipher", "id_hash", "phone_cipher", "phone_hash", "id_tail"):
        assert secret not in row


def test_filters_are_the_shared_filtersets(city, users):
    client = client_for(users["command"])
    search = "/api/people/search/"
    assert [p["name"] for p in client.post(search, {"q": "王秀英"}, format="json").json()["results"]] == ["王秀英"]
    assert [p["name"] for p in client.get("/api/people/", {"tag": "elderly_alone"}).json()["results"]] == ["王秀英"]
    assert [p["name"] for p in client.post(search, {"q": "13900002222"}, format="json").json()["results"]] == ["马丽"]
    assert [p["name"] for p in client.post(search, {"q": "王", "tag": "elderly_alone"}, format="json").json()["results"]] == ["王秀英"]
    refused = client.get("/api/people/", {"q": "王秀英"})  # never in a URL
    body = refused.json()
    assert refused.status_code == 400 and body["field"] == "q" and "POST /api/people/search/" in body["errors"][0]["message"]
    in_household = client.get("/api/people/", {"household": city.neighbour.household.pk}).json()["results"]
    assert [p["name"] for p in in_household] == ["赵敏"]
    assert ids(client.get("/api/communities/", {"street": city.elsewhere.street.pk})) == {city.elsewhere.community.pk}
    assert ids(client.get("/api/grids/", {"community": city.home.community.pk})) == {city.home.grid.pk, city.neighbour.grid.pk}
    assert ids(client.get("/api/households/", {"grid": city.neighbour.grid.pk})) == {city.neighbour.household.pk}
    assert ids(client.get("/api/streets/", {"q": "环河"})) == {city.elsewhere.street.pk}
    assert ids(client.get("/api/districts/", {"q": "新城"})) == {city.home.district.pk}
    # a filter cannot widen the scope
    assert client_for(users["community"]).post(search, {"q": "马丽"}, format="json").json()["count"] == 0


def test_pagination(city, users):
    client = client_for(users["command"])
    body = client.get("/api/districts/", {"page_size": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert len(body["results"]) == 2 and body["next"]
    second = client.get(body["next"]).json()
    assert not {r["id"] for r in second["results"]} & {r["id"] for r in body["results"]}


# ---- reveal ----


def test_reveal_returns_the_number_and_is_audited(city, users):
    person = Person.objects.get(name="王秀英")
    response = client_for(users["community"]).post(f"/api/people/{person.pk}/reveal/", {"reason": "核对转运名单"}, format="json")
    assert response.status_code == 200
    number = decrypt(person.id_cipher)
    assert response.json() == {"id_number": number, "birth_date": f"{number[6:10]}-{number[10:12]}-{number[12:14]}"}
    event = AuditEvent.objects.get(event_type=EventType.ID_REVEALED)
    assert event.actor == users["community"] and event.reason == "核对转运名单" and event.object_id == str(person.pk)


@pytest.mark.parametrize("payload", [{}, {"reason": ""}, {"reason": "看看"}])
def test_reveal_needs_a_reason(payload, city, users):
    person = Person.objects.get(name="王秀英")
    response = client_for(users["community"]).post(f"/api/people/{person.pk}/reveal/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "reason"
    assert not AuditEvent.objects.filter(event_type=EventType.ID_REVEALED).exists()


def test_reveal_needs_the_capability(city, users):
    person = Person.objects.get(name="王秀英")
    response = client_for(users["grid"]).post(f"/api/people/{person.pk}/reveal/", {"reason": "核对转运名单"}, format="json")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(event_type=EventType.ID_REVEALED).exists()


def test_reveal_outside_the_jurisdiction_is_404(city, users):
    person = Person.objects.get(name="马丽")
    response = client_for(users["community"]).post(f"/api/people/{person.pk}/reveal/", {"reason": "核对转运名单"}, format="json")
    assert response.status_code == 404
    assert client_for(users["nogrant"]).post(f"/api/people/{person.pk}/reveal/", {"reason": "核对转运名单"}).status_code == 404
    assert APIClient().post(f"/api/people/{person.pk}/reveal/", {"reason": "核对转运名单"}).status_code == 401
    assert not AuditEvent.objects.filter(event_type=EventType.ID_REVEALED).exists()


def test_api_is_read_only(city, users):
    client = client_for(users["command"])
    assert client.post("/api/districts/", {"code": "150199", "name": "x"}).status_code == 405
    assert client.delete(f"/api/people/{Person.objects.first().pk}/").status_code == 405


# ---- schema and docs ----


def test_schema_is_valid_openapi(db):
    from drf_spectacular.validation import validate_schema

    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    for path in ("/api/people/", "/api/people/{id}/", "/api/people/{id}/reveal/", "/api/token/", "/api/households/", "/api/grids/"):
        assert path in schema["paths"], path
    person = schema["components"]["schemas"]["Person"]["properties"]
    assert "id_masked" in person and "id_cipher" not in person and "id_hash" not in person
    params = {p["name"] for p in schema["paths"]["/api/people/"]["get"]["parameters"]}
    assert {"community", "grid", "household", "tag", "page", "page_size"} <= params and "q" not in params
    assert "q" in schema["components"]["schemas"]["PersonSearch"]["properties"]


def test_schema_generates_without_warnings(db, tmp_path):
    """A warning (e.g. two enums colliding on one name) means the published names can change under
    API clients; --fail-on-warn turns it into a failure here."""
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "TransferReasonEnum" in (tmp_path / "schema.yaml").read_text()


def test_swagger_ui_is_served_from_the_sidecar(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
