"""The scoping harness (NetBox's ViewTestCases idea): every list, detail, figures page and write of
tests/scoping/endpoints.py, against the real URLs, as four kinds of caller:

- in grant, with the capabilities: the home district's people are shown, the other district's never;
- out of grant (the same caller, the other district's object): 404, as if it did not exist;
- without the capability (the volunteer coordinator, the supervisor — a grant on the district and no
  capability but the coordinator's own, the volunteers'): 403 with the capability's refusal, or, on a
  page of figures, the figures without a name;
- without a grant (a district office with no grant): nothing — an empty page or list, 404, or 403.

A write is only ever refused here (nothing is posted that could succeed).
"""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from fangkong.core.modules import registry
from fangkong.core.permissions import user_can

from .endpoints import ACTION, DETAIL, ENDPOINTS, FIGURES, LIST, Endpoint
from .world import World

UNCLEARED = ("volunteer", "supervisor")  # a grant on the home district, no capability


def url(endpoint: Endpoint, world: World, side: str = "home") -> str:
    """The endpoint's URL for the home (or the other district's) object of its subject."""
    subject = world.subjects[endpoint.subject] if endpoint.subject else None
    try:
        path = reverse(endpoint.name)
    except NoReverseMatch:
        assert subject is not None, f"{endpoint}: its URL takes an object; give it a subject"
        target = getattr(subject, side)
        path = reverse(endpoint.name, args=list(target) if isinstance(target, tuple) else [target])
    return path + (endpoint.query.format(**subject.params[side]) if subject is not None and subject.params else endpoint.query)


def client_for(endpoint: Endpoint, user: Any) -> Client:
    client = APIClient() if endpoint.api else Client()
    client.force_login(user)
    return client


def call(endpoint: Endpoint, world: World, user: Any, side: str = "home"):
    client = client_for(endpoint, user)
    target = url(endpoint, world, side)
    if endpoint.kind == ACTION or endpoint.method == "post":
        data = dict(endpoint.data)
        return client.post(target, data, format="json") if endpoint.api else client.post(target, data)
    return client.get(target)


def text(response) -> str:
    """The body as a reader sees it: JSON decoded (names not \\u-escaped), a spreadsheet's cells."""
    kind = response.get("Content-Type", "")
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(raw))
        return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    body = raw.decode()
    if kind.startswith("application/json"):
        return json.dumps(json.loads(body), ensure_ascii=False)
    return body


def shown(response) -> bytes:
    """The start of a body, for a failure's message."""
    return b"<a file>" if response.streaming else response.content[:300]


def named(body: str, names: tuple[str, ...] | set[str]) -> list[str]:
    return sorted(n for n in names if n in body)


def refusal(endpoint: Endpoint) -> str:
    return str(registry.capability(endpoint.needs[0]).refusal)


def reads(kinds: tuple[str, ...]) -> list[Any]:
    repeated = {name for name, n in Counter(e.name for e in ENDPOINTS).items() if n > 1}  # told apart by their query
    return [pytest.param(e, id=e.name + (e.query if e.name in repeated else "")) for e in ENDPOINTS if e.kind in kinds]


# ---- in grant, with the capabilities ----


@pytest.mark.parametrize("endpoint", reads((LIST, DETAIL)))
def test_in_grant_the_home_districts_people_and_never_the_others(endpoint, scoped):
    subject = scoped.subjects[endpoint.subject] if endpoint.subject else None
    response = call(endpoint, scoped, scoped.users[endpoint.viewer])
    assert response.status_code == 200, shown(response)
    body = text(response)
    if subject is not None:
        if endpoint.names:
            assert named(body, subject.home_names) == sorted(subject.home_names)
        assert named(body, subject.far_names) == []
    assert named(body, endpoint.withheld) == sorted(endpoint.withheld)  # the marks the others must not read are there


@pytest.mark.parametrize("endpoint", reads((FIGURES,)))
def test_figures_name_nobody(endpoint, scoped):
    response = call(endpoint, scoped, scoped.users[endpoint.viewer])
    assert response.status_code == 200, shown(response)
    assert named(text(response), scoped.every_name) == []


# ---- out of grant ----


@pytest.mark.parametrize("endpoint", [e for e in reads((DETAIL, FIGURES, ACTION)) if e.values[0].subject])
def test_out_of_grant_is_not_found(endpoint, scoped):
    """The other district's object: 404 as if it did not exist (a city resource — a facility — is
    shown, without the other district's people; a write on one is refused by its service)."""
    if endpoint.outside == "city" and endpoint.kind != DETAIL:
        pytest.skip("a city resource: anyone with a grant sees it (its writes are refused by their services)")
    if scoped.subjects[endpoint.subject].far is None:
        pytest.skip("the city's own (a testing round covers the city): nothing of it is outside a grant")
    response = call(endpoint, scoped, scoped.users[endpoint.viewer], side="far")
    subject = scoped.subjects[endpoint.subject]
    if endpoint.outside == "hidden":
        assert response.status_code == 200 and named(text(response), subject.far_names) == []
    elif endpoint.kind == ACTION:
        assert response.status_code in (403, 404), shown(response)
    else:
        assert response.status_code == 404, shown(response)


# ---- without the capability ----


@pytest.mark.parametrize("role", UNCLEARED)
@pytest.mark.parametrize("endpoint", reads((LIST, DETAIL, FIGURES, ACTION)))
def test_without_the_capability(endpoint, role, scoped):
    """Refused before any look-up, with the capability's refusal; a page of figures shows them
    without a name; a write is refused whatever it is. (A role that holds what the endpoint needs —
    the volunteer coordinator on the volunteers' pages, 督导's supervisor — is the viewer's case, tested above.)"""
    if role in endpoint.holders or (endpoint.needs and all(user_can(scoped.users[role], n) for n in endpoint.needs)):
        pytest.skip(f"the {role} role holds what this endpoint needs")
    response = call(endpoint, scoped, scoped.users[role])
    body = text(response)
    if endpoint.kind == ACTION:
        assert response.status_code == 403, shown(response)
    elif endpoint.mixed:
        assert response.status_code == 200, shown(response)
        assert named(body, scoped.every_name) == []
        assert named(body, endpoint.withheld) == []
    elif endpoint.needs:
        assert response.status_code == 403, shown(response)
        assert named(body, scoped.every_name) == []
        if registry.capability(endpoint.needs[0]).personal:  # a need-to-know refusal names what is withheld
            assert refusal(endpoint) in body
        if endpoint.api:
            assert json.loads(body)["rule"] == endpoint.needs[0]
    elif endpoint.kind == FIGURES:
        assert response.status_code == 200, shown(response)
        assert named(body, scoped.every_name) == []
    else:  # the grant alone opens it
        assert response.status_code == 200


# ---- without a grant ----


@pytest.mark.parametrize("endpoint", reads((LIST, DETAIL, FIGURES, ACTION)))
def test_without_a_grant_nothing(endpoint, scoped):
    """A district office with every capability and no grant: an empty page or list, or 404/403."""
    response = call(endpoint, scoped, scoped.users["nogrant"])
    if endpoint.kind in (DETAIL, ACTION) and endpoint.subject:
        assert response.status_code in (403, 404), shown(response)
    else:  # a list, a page of figures, a write naming no object (it finds nothing to act on)
        assert response.status_code in (200, 302, 403, 404, 422), shown(response)
    assert named(text(response), scoped.every_name) == []
