"""The Ct-40 "positive" of the seams issue, and what a withdrawn case leaves behind.

Before: the isolation site's day sheet took a typed "positive" with Ct 40 without the Ct rule; it
ended the contact's isolation and opened a case (found at the site), while the case page refused the
same input. And withdrawing that case left the contact with no isolation at all while the trace page
still said 转为病例. Now every path goes through fangkong.results.rules, and a withdrawn case puts
its contact back into isolation the same day."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.audit.models import AuditEvent
from fangkong.cases.models import Case
from fangkong.cases.services import case_withdraw
from fangkong.isolation.choices import ContactState, EpisodeStatus, TestPhase
from fangkong.isolation.events import IsolationEvent
from fangkong.isolation.models import IsolationEpisode
from fangkong.isolation.services import episode_check_in, test_record
from fangkong.results.choices import Result

from .factories import local, room
from .pages import HTMX, as_user
from .tracing_factories import add


@pytest.fixture
def contact_in_room(setup, trace, users):
    """李建国, close contact of case A, checked in at 15:00 (day 1's test due that day)."""
    contact = add(users["district"], trace.case_a, trace.family).contact
    episode_check_in(actor=setup.site_user, episode=contact.episode, room=room(setup.site, "301"), at=local(2022, 11, 14, 15))
    contact.refresh_from_db()
    return contact


def _day1(contact):
    return contact.episode.tests.get(phase=TestPhase.CENTRAL, day_number=1)


def test_a_positive_with_ct_40_is_refused_on_the_day_sheet(client, setup, contact_in_room):
    test = _day1(contact_in_room)
    c = as_user(client, setup.site_user)
    data = {
        f"t{test.pk}-result": Result.POSITIVE,
        f"t{test.pk}-ct_value": "40",
        f"t{test.pk}-sampled_at": "2022-11-14T16:00",
        f"t{test.pk}-resulted_at": "2022-11-14T20:00",
        "return_to": "sheet",
        "day": "2022-11-14",
    }
    response = c.post(reverse("isolation:test_result", args=[test.pk]), data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422 and "按阈值 35" in html and 'data-rule="testing.positive_ct_threshold"' in html
    episode = IsolationEpisode.objects.get(pk=contact_in_room.episode_id)
    assert episode.status == EpisodeStatus.CHECKED_IN  # isolation goes on
    assert not Case.objects.filter(person=contact_in_room.person).exists()  # no case for a negative sample
    test.refresh_from_db()
    assert test.result == ""


def test_a_positive_without_a_ct_is_refused_and_the_same_input_is_refused_on_the_case_page(client, setup, contact_in_room, users):
    test = _day1(contact_in_room)
    c = as_user(client, setup.site_user)
    data = {
        f"t{test.pk}-result": Result.POSITIVE,
        f"t{test.pk}-ct_value": "",
        f"t{test.pk}-sampled_at": "2022-11-14T16:00",
        f"t{test.pk}-resulted_at": "2022-11-14T20:00",
    }
    response = c.post(reverse("isolation:test_result", args=[test.pk]), data, **HTMX)
    assert response.status_code == 422 and "阳性结果须报告 Ct 值" in response.content.decode()


def test_a_withdrawn_case_puts_its_contact_back_into_isolation(client, setup, trace, contact_in_room, users):
    test_record(
        actor=setup.site_user, test=_day1(contact_in_room), result=Result.POSITIVE, ct_value=28.5,
        sampled_at=local(2022, 11, 14, 16), resulted_at=local(2022, 11, 14, 20),
    )  # fmt: skip
    contact_in_room.refresh_from_db()
    case = contact_in_room.case
    assert contact_in_room.state == ContactState.TURNED_POSITIVE and case is not None
    old_episode = contact_in_room.episode

    case_withdraw(actor=users["command"], case=case, reason="实验室更正：复核阴性", at=local(2022, 11, 14, 22))

    contact_in_room.refresh_from_db()
    assert contact_in_room.case is None and contact_in_room.episode_id != old_episode.pk
    episode = contact_in_room.episode
    assert episode.status == EpisodeStatus.AWAITING_TRANSFER and episode.person == trace.family
    assert episode.isolate_by is not None and "撤销" in episode.source
    assert contact_in_room.state == ContactState.AWAITING  # isolated again, not 转为病例
    assert AuditEvent.objects.filter(event_type=IsolationEvent.CONTACT_ISOLATION_RESTORED, object_id=str(contact_in_room.pk)).exists()
    # the trace page of case A shows the contact awaiting isolation, no longer 转为病例
    page = as_user(client, users["district"]).get(reverse("isolation:trace_case", args=[trace.case_a.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and trace.family.name in html
    row = html.split(trace.family.name, 1)[1][:2000]
    assert "转为病例" not in row and str(ContactState.AWAITING.label) in row
