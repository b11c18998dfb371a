"""Security review E: the 流调 contact list (and the single add) as an oracle of who is registered,
who is an active case and who is isolated, city-wide.

A district office that traces one case holds the full number of a contact who may live anywhere.
The attack: post candidate numbers as a contact list with one row bound to fail, so nothing is
written, and read the refusal — the unregistered rows were named, the registered ones not; then the
registered numbers again, and each person who was an active case anywhere was flagged "已是在管病例".
Neither counted against the number-search limit nor was audited. Now a refusal about a number
(not registered; a person outside the tracer's places who cannot be recorded, said neutrally) counts
as a search by full number, and past the limit the answer is 429, naming no row (docs/security.md
§2.12); the single add follows the same rule."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt
from fangkong.isolation.choices import ExposureType
from fangkong.isolation.models import Contact, ContactLink, IsolationEpisode
from fangkong.isolation.services import episode_check_in

from ..factories import next_id_number
from .factories import local, room
from .test_api import API, client_for
from .tracing_factories import EXPOSED, TRACED, add, open_case

pytestmark = pytest.mark.django_db

SEARCHED = "geo.number_searched"


@pytest.fixture(autouse=True)
def fresh_limits(settings):
    cache.clear()
    settings.FANGKONG_NUMBER_SEARCH_LIMITS = ((30, 600),)


def row(number: str, last=EXPOSED) -> dict:
    return {"id_number": number, "exposure": ExposureType.HOUSEHOLD, "place": "x", "last_exposure_at": last.isoformat()}


def number_of(person) -> str:
    return decrypt(person.id_cipher)


def searches(where: str) -> list[AuditEvent]:
    return [e for e in AuditEvent.objects.filter(event_type=SEARCHED).order_by("pk") if e.after.get("where") == where]


def written() -> tuple[int, int, int]:
    return Contact.objects.count(), ContactLink.objects.count(), IsolationEpisode.objects.count()


def test_a_refused_contact_list_of_candidate_numbers_is_no_unlimited_oracle(trace, users):
    """40 candidate numbers and one registered person of another district: the unregistered rows count
    as searches, and past the limit the list is refused as too many searches, naming no row."""
    client = client_for(users["district"])  # 新城区; 马丽 lives in 回民区
    url = f"{API}/cases/{trace.case_a.pk}/contacts/bulk/"
    before = written()
    candidates = [next_id_number("150103") for _ in range(40)] + [number_of(trace.far)]
    response = client.post(url, {"identified_at": TRACED.isoformat(), "contacts": [row(n) for n in candidates]}, format="json")
    assert response.status_code == 429, response.content
    body = response.content.decode()
    assert response.json()["rule"] == "geo.number_search_limit" and response["Retry-After"]
    assert "人口库中没有该证件号码" not in body and '"row"' not in body and "index" not in body
    assert written() == before
    counted = searches("isolation.contacts_bulk")
    assert len(counted) == 31 and counted[-1].after["refused"] and not counted[0].after["refused"]
    assert all(number not in str(e.after) for e in counted for number in candidates)  # masked and hashed only
    # the search box is past the limit as well
    assert client.post("/api/people/search/", {"q": candidates[0]}, format="json").status_code == 429


def test_an_honest_typo_is_still_named_and_counted_once(trace, users):
    client = client_for(users["district"])
    url = f"{API}/cases/{trace.case_a.pk}/contacts/bulk/"
    rows = [row(number_of(trace.family)), row(next_id_number("150103"))]
    response = client.post(url, {"identified_at": TRACED.isoformat(), "contacts": rows}, format="json")
    assert response.status_code == 400
    assert [(e["row"], e["field"], e["rule"]) for e in response.json()["errors"]] == [(2, "id_number", "tracing.person_in_registry")]
    assert len(searches("isolation.contacts_bulk")) == 1 and not Contact.objects.exists()


def test_a_refused_contact_list_does_not_tell_who_is_a_case_elsewhere(trace, users):
    """The review's attack, second step: registered numbers of another district and one row bound to
    fail (the case's own number). 高峰 is an active case in 回民区: his row is refused in the same
    neutral words as any refusal of a person's own situation outside the tracer's places, and counted."""
    client = client_for(users["district"])
    url = f"{API}/cases/{trace.case_a.pk}/contacts/bulk/"
    before = written()
    contacts = [row(number_of(trace.case_b.person)), row(number_of(trace.far)), row(number_of(trace.case_a.person))]
    response = client.post(url, {"identified_at": TRACED.isoformat(), "contacts": contacts}, format="json")
    assert response.status_code == 400
    errors = [(e["row"], e["field"], e["rule"]) for e in response.json()["errors"]]
    assert errors == [(1, "person", "tracing.contact_elsewhere"), (3, "person", "tracing.not_self")]
    body = response.content.decode()
    assert "tracing.contact_is_case" not in body and "在管病例" not in body and f"#{trace.case_b.pk}" not in body
    assert "高峰" not in body
    assert written() == before
    counted = searches("isolation.contacts_bulk")
    assert [e.after["masked"] for e in counted] == [trace.case_b.person.id_masked]


def test_a_case_the_tracer_may_see_is_still_named(trace, users):
    other = open_case(users["command"], trace.lone[0])  # 新城区: the district office sees them
    client = client_for(users["district"])
    response = client.post(
        f"{API}/cases/{trace.case_a.pk}/contacts/bulk/",
        {"identified_at": TRACED.isoformat(), "contacts": [row(number_of(trace.lone[0]))]},
        format="json",
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["rule"] == "tracing.contact_is_case" and f"#{other.pk}" in error["message"] and trace.lone[0].name in error["message"]
    assert not searches("isolation.contacts_bulk")


def test_the_single_add_refuses_the_same_way_and_counts(client, trace, users):
    """One rule for one contact and for a list: the API and the 流调 page answer about an active case
    elsewhere with the same neutral refusal, counted as a search; a number not registered is counted too."""
    api = client_for(users["district"])
    url = f"{API}/cases/{trace.case_a.pk}/contacts/"
    body = {
        "id_number": number_of(trace.case_b.person),
        "exposure": "household",
        "place": "迎宾小区",
        "last_exposure_at": EXPOSED.isoformat(),
        "identified_at": TRACED.isoformat(),
    }
    response = api.post(url, body, format="json")
    assert response.status_code == 400 and response.json()["rule"] == "tracing.contact_elsewhere"
    assert "在管病例" not in response.content.decode() and "高峰" not in response.content.decode()
    client.force_login(users["district"])
    page = client.post(
        reverse("isolation:contact_add", args=[trace.case_a.pk]),
        {**body, "last_exposure_at": "2022-11-13T19:00", "identified_at": "2022-11-14T10:00"},
    )
    html = page.content.decode()
    assert page.status_code == 422 and "tracing.contact_elsewhere" in html and "在管病例" not in html
    assert len(searches("isolation.contact_add")) == 2
    assert api.post(url, body | {"id_number": next_id_number("150103")}, format="json").json()["rule"] == "tracing.person_in_registry"
    assert len(searches("isolation.contact_add")) == 3
    assert not Contact.objects.exists()
    # past the limit: 429, nothing said about the number
    for _ in range(27):
        api.post(url, body | {"id_number": next_id_number("150103")}, format="json")
    response = api.post(url, body, format="json")
    assert response.status_code == 429 and response.json()["rule"] == "geo.number_search_limit"
    # a contact recorded counts nothing
    cache.clear()
    assert api.post(url, body | {"id_number": number_of(trace.far)}, format="json").status_code == 201
    assert len(searches("isolation.contact_add")) == 31


def test_an_outside_contacts_isolation_is_not_described(trace, users, setup):
    """马丽 is 高峰's contact, checked in at 回民区's site at 09:00: an exposure to 王秀英 at 09:30 is
    refused, without telling 新城区 that she is in central isolation, nor since when."""
    episode = add(users["command"], trace.case_b, trace.far, at=local(2022, 11, 14, 8)).contact.episode
    episode_check_in(actor=setup.other_site_user, episode=episode, room=room(setup.other_site, "301"), at=local(2022, 11, 14, 9))
    client = client_for(users["district"])
    late = row(number_of(trace.far), last=local(2022, 11, 14, 9, 30))
    response = client.post(
        f"{API}/cases/{trace.case_a.pk}/contacts/bulk/", {"identified_at": TRACED.isoformat(), "contacts": [late]}, format="json"
    )
    assert response.status_code == 400
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("person", "tracing.contact_elsewhere")]
    assert "隔离" not in response.json()["errors"][0]["message"] and "09:00" not in response.content.decode()
    response = client.post(
        f"{API}/cases/{trace.case_a.pk}/contacts/",
        {"id_number": late["id_number"], "exposure": "household", "place": "x", "last_exposure_at": late["last_exposure_at"],
         "identified_at": TRACED.isoformat()},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and response.json()["rule"] == "tracing.contact_elsewhere"
    assert "09:00" not in response.content.decode()
    # the command centre sees her: told in full
    response = client_for(users["command"]).post(
        f"{API}/cases/{trace.case_a.pk}/contacts/bulk/", {"identified_at": TRACED.isoformat(), "contacts": [late]}, format="json"
    )
    assert [e["rule"] for e in response.json()["errors"]] == ["tracing.exposure_before_isolation"]
    assert "09:00" in response.content.decode()
