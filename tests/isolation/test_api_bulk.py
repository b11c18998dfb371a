"""The 快隔 bulk API: a case's 流调 list (POST …/cases/{id}/contacts/bulk/) and a site's check-ins
(POST …/sites/{id}/check-ins/) — all or nothing, every bad row named by index, field and rule."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt
from fangkong.isolation.choices import EpisodeKind, EpisodeStatus, ExposureType
from fangkong.isolation.events import IsolationEvent
from fangkong.isolation.models import Contact, ContactLink, IsolationEpisode, RoomStay, ScheduledTest
from fangkong.isolation.services import episode_open, episode_transit

from .factories import local, room
from .test_api import API, client_for
from .tracing_factories import EXPOSED, TRACED

pytestmark = pytest.mark.django_db


def contact_row(person=None, *, by_id=False, **kwargs) -> dict:
    row = {"exposure": ExposureType.HOUSEHOLD, "place": "迎宾小区1号楼", "last_exposure_at": EXPOSED.isoformat()}
    if person is not None:
        row.update({"person_id": person.pk} if by_id else {"id_number": decrypt(person.id_cipher)})
    return {**row, **kwargs}


def written() -> tuple:
    return Contact.objects.count(), ContactLink.objects.count(), IsolationEpisode.objects.count(), RoomStay.objects.count()


def errors_of(response) -> list[tuple]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["message"] and body["rule"], body
    return [(e["index"], e["field"], e["rule"]) for e in body["errors"]]


# ---- 流调 list upload ----


def test_a_case_s_contact_list_by_api(trace, users):
    client = client_for(users["district"])
    url = f"{API}/cases/{trace.case_a.pk}/contacts/bulk/"
    body = {
        "identified_at": TRACED.isoformat(),
        "contacts": [contact_row(trace.family), contact_row(trace.lone[0], by_id=True, exposure=ExposureType.DINING, note="同桌")],
    }
    response = client.post(url, body, format="json")
    assert response.status_code == 201, response.content
    report = response.json()
    assert (report["contacts_added"], report["episodes_opened"], report["exposures_added"]) == (2, 2, 2)
    family = Contact.objects.get(person=trace.family)
    assert report["rows"][0] == {"row": 1, "person": trace.family.pk, "contact": family.pk, "episode": family.episode_id}
    assert family.identified_at == TRACED and family.episode.status == EpisodeStatus.AWAITING_TRANSFER
    link = ContactLink.objects.get(contact__person=trace.lone[0])
    assert (link.case, link.exposure, link.note) == (trace.case_a, ExposureType.DINING, "同桌")
    assert AuditEvent.objects.filter(event_type=IsolationEvent.CONTACT_ADDED, count=2).exists()
    # A bare array works as well; the same exposure again is refused naming the row and the rule.
    assert errors_of(client.post(url, [contact_row(trace.lone[1]), contact_row(trace.family)], format="json")) == [
        (1, "case", "tracing.duplicate_link")
    ]
    assert not Contact.objects.filter(person=trace.lone[1]).exists()


def test_every_bad_contact_row_is_named_and_nothing_is_written(trace, users):
    client = client_for(users["district"])
    url = f"{API}/cases/{trace.case_a.pk}/contacts/bulk/"
    before = written()
    rows = [
        contact_row(trace.family),
        contact_row(trace.lone[0], exposure="telepathy"),
        contact_row(trace.lone[1], last_exposure_at="yesterday evening"),
        {"place": "x", "exposure": ExposureType.HOUSEHOLD, "last_exposure_at": EXPOSED.isoformat()},
        contact_row(trace.lone[2], colour="red"),
    ]
    assert errors_of(client.post(url, {"contacts": rows}, format="json")) == [
        (1, "exposure", ""),
        (2, "last_exposure_at", ""),
        (3, "id_number", ""),
        (4, "colour", ""),
    ]
    # Unknown people, then the services' rules (an exposure after the identification, the case themself).
    rows = [contact_row(trace.family), contact_row(id_number="150102199001011239"), contact_row(person_id=999_999)]
    assert errors_of(client.post(url, rows, format="json")) == [
        (1, "id_number", "tracing.person_in_registry"),
        (2, "person_id", "tracing.person_in_registry"),
    ]
    late = contact_row(trace.lone[0], last_exposure_at=(TRACED + dt.timedelta(hours=1)).isoformat())
    body = {"identified_at": TRACED.isoformat(), "contacts": [contact_row(trace.family), late]}
    assert errors_of(client.post(url, body, format="json")) == [(1, "last_exposure_at", "tracing.exposure_before_identification")]
    body = {"identified_at": TRACED.isoformat(), "contacts": [contact_row(trace.family), contact_row(trace.case_a.person)]}
    assert errors_of(client.post(url, body, format="json")) == [(1, "person", "tracing.not_self")]
    assert errors_of(client.post(url, {"contacts": []}, format="json")) == [(None, "contacts", "")]
    assert written() == before


def test_a_contact_list_that_is_not_one_is_refused_not_a_server_error(trace, users):
    """Found by schemathesis: an exposure that is an object (unhashable) and a body of `null` were 500s."""
    client = client_for(users["district"])
    url = f"{API}/cases/{trace.case_a.pk}/contacts/bulk/"
    assert errors_of(client.post(url, [contact_row(trace.family, exposure={})], format="json")) == [(0, "exposure", "")]
    assert errors_of(client.post(url, [contact_row(trace.family, exposure=["household"])], format="json")) == [(0, "exposure", "")]
    assert errors_of(client.post(url, "null", content_type="application/json")) == [(None, "contacts", "")]
    assert not Contact.objects.exists()


def test_contact_list_scope_and_role(trace, users):
    rows = [contact_row(trace.family)]
    # 高峰 (case B) lives in 回民区: not the district office's case.
    assert client_for(users["district"]).post(f"{API}/cases/{trace.case_b.pk}/contacts/bulk/", rows, format="json").status_code == 404
    response = client_for(users["auditor"]).post(f"{API}/cases/{trace.case_a.pk}/contacts/bulk/", rows, format="json")
    assert response.status_code == 403
    assert not Contact.objects.exists()


# ---- a site's check-ins ----


def test_a_site_s_check_ins_by_api(setup, users):
    a, b = (episode_open(actor=users["command"], person=p, kind=EpisodeKind.CLOSE_CONTACT, identified_at=TRACED) for p in setup.family)
    c = episode_open(actor=users["command"], person=setup.lone[0], kind=EpisodeKind.CLOSE_CONTACT, identified_at=TRACED)
    at = local(2022, 11, 14, 15)
    body = {
        "at": at.isoformat(),
        "check_ins": [
            {"episode": a.pk, "room_number": "401"},
            {"episode": b.pk, "room": room(setup.site, "401").pk},
            {"episode": c.pk, "room_number": "301"},
        ],
    }
    response = client_for(setup.site_user).post(f"{API}/sites/{setup.site.pk}/check-ins/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json() == {"checked_in": 3, "tests_scheduled": 18, "within_deadline": 3, "by_site": {str(setup.site.pk): 3}}
    assert RoomStay.objects.filter(room=room(setup.site, "401"), ended_at__isnull=True).count() == 2
    assert ScheduledTest.objects.filter(episode=c).count() == 6
    assert IsolationEpisode.objects.get(pk=c.pk).checked_in_at == at


def test_every_bad_check_in_row_is_named_and_nothing_is_written(setup, users):
    people = [*setup.lone, setup.stranger]
    eps = [episode_open(actor=users["command"], person=p, kind=EpisodeKind.CLOSE_CONTACT, identified_at=TRACED) for p in people]
    episode_transit(actor=users["command"], episode=eps[3], site=setup.other_site, at=TRACED + dt.timedelta(hours=1))
    client = client_for(setup.site_user)
    url = f"{API}/sites/{setup.site.pk}/check-ins/"
    other_room = room(setup.other_site, "301").pk
    both = {"episode": eps[1].pk, "room_number": "301", "room": 1}
    rows = [{"episode": eps[0].pk, "room_number": 301}, {"episode": "x", "room": 1}, both]
    assert errors_of(client.post(url, rows, format="json")) == [(0, "room_number", ""), (1, "episode", ""), (2, "room", "")]
    rows = [{"episode": eps[0].pk, "room_number": "999"}, {"episode": eps[1].pk, "room": other_room}]
    assert errors_of(client.post(url, rows, format="json")) == [(0, "room_number", ""), (1, "room", "")]
    at = (TRACED + dt.timedelta(hours=3)).isoformat()
    rows = [
        {"episode": eps[0].pk, "room_number": "301"},
        {"episode": eps[1].pk, "room_number": "301"},  # a stranger in the same single room
        {"episode": eps[2].pk, "room_number": "302"},
        {"episode": eps[3].pk, "room_number": "303"},  # sent to the other site
    ]
    assert errors_of(client.post(url, {"at": at, "check_ins": rows}, format="json")) == [
        (1, "room", "isolation.room_one_party"),
        (3, "room", "isolation.site_assignment"),
    ]
    early = (TRACED - dt.timedelta(hours=1)).isoformat()
    assert errors_of(client.post(url, {"at": early, "check_ins": rows[:1]}, format="json")) == [(0, "at", "time.order")]
    assert RoomStay.objects.count() == 0 and not ScheduledTest.objects.exists()
    assert client.post(url, {"at": at, "check_ins": [rows[0], rows[2]]}, format="json").status_code == 201


def test_check_ins_without_rows_are_refused_not_a_server_error(setup, users):
    """Found by schemathesis: a body of `null` was a 500."""
    client = client_for(setup.site_user)
    url = f"{API}/sites/{setup.site.pk}/check-ins/"
    assert errors_of(client.post(url, "null", content_type="application/json")) == [(None, "check_ins", "")]
    assert errors_of(client.post(url, "7", content_type="application/json")) == [(None, "check_ins", "")]
    assert RoomStay.objects.count() == 0


def test_check_ins_scope_and_role(setup, users):
    e = episode_open(actor=users["command"], person=setup.lone[0], kind=EpisodeKind.CLOSE_CONTACT, identified_at=TRACED)
    rows = [{"episode": e.pk, "room_number": "301"}]
    assert client_for(setup.other_site_user).post(f"{API}/sites/{setup.site.pk}/check-ins/", rows, format="json").status_code == 404
    response = client_for(users["community"]).post(f"{API}/sites/{setup.site.pk}/check-ins/", rows, format="json")
    assert response.status_code == 403
    assert not RoomStay.objects.exists()
