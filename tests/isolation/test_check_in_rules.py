"""Check-in and transfer refuse times out of order or in the future, and check-in needs the person as
well as the site: the single path and the bulk path alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.rows import RowsRefused
from fangkong.isolation.choices import EpisodeKind, EpisodeStatus
from fangkong.isolation.models import IsolationEpisode, RoomStay, ScheduledTest
from fangkong.isolation.services import BulkCheckIn, episode_check_in, episode_open, episode_transit, episodes_check_in_bulk

from .factories import local, room

pytestmark = pytest.mark.django_db

T = local(2022, 11, 14, 10)


def opened(actor, person, at=T):
    return episode_open(actor=actor, person=person, kind=EpisodeKind.CLOSE_CONTACT, identified_at=at)


def untouched(episode) -> bool:
    episode.refresh_from_db()
    return episode.status == EpisodeStatus.AWAITING_TRANSFER and not RoomStay.objects.filter(episode=episode).exists()


# ---- times ----


def test_check_in_before_the_identification_is_refused(setup, users):
    episode = opened(users["command"], setup.family[0])
    with pytest.raises(DomainError) as exc:
        episode_check_in(actor=setup.site_user, episode=episode, room=room(setup.site, "401"), at=T - dt.timedelta(hours=1))
    assert (exc.value.rule, exc.value.field) == ("time.order", "at")
    assert "判定时间" in exc.value.message and "2022-11-14 10:00" in exc.value.message
    assert untouched(episode) and not ScheduledTest.objects.filter(episode=episode).exists()


def test_check_in_before_the_transfer_set_off_is_refused(setup, users):
    episode = opened(users["command"], setup.family[0])
    episode_transit(actor=users["command"], episode=episode, site=setup.site, at=T + dt.timedelta(hours=2))
    with pytest.raises(DomainError) as exc:
        episode_check_in(actor=setup.site_user, episode=episode, room=room(setup.site, "401"), at=T + dt.timedelta(hours=1))
    assert exc.value.rule == "time.order" and "转运出发时间" in exc.value.message
    checked = episode_check_in(actor=setup.site_user, episode=episode, room=room(setup.site, "401"), at=T + dt.timedelta(hours=3))
    assert checked.status == EpisodeStatus.CHECKED_IN


def test_check_in_in_the_future_is_refused(setup, users):
    episode = opened(users["command"], setup.family[0])
    later = timezone.now() + dt.timedelta(hours=1)
    with pytest.raises(DomainError) as exc:
        episode_check_in(actor=setup.site_user, episode=episode, room=room(setup.site, "401"), at=later)
    assert (exc.value.rule, exc.value.field) == ("time.not_in_future", "at")
    assert untouched(episode)
    # A clock a minute or two ahead is tolerated.
    soon = timezone.now() + dt.timedelta(minutes=2)
    assert episode_check_in(actor=setup.site_user, episode=episode, room=room(setup.site, "401"), at=soon).checked_in_at == soon


def test_transit_before_the_identification_or_in_the_future_is_refused(setup, users):
    episode = opened(users["command"], setup.family[0])
    with pytest.raises(DomainError) as exc:
        episode_transit(actor=users["command"], episode=episode, site=setup.site, at=T - dt.timedelta(minutes=30))
    assert exc.value.rule == "time.order" and "判定时间" in exc.value.message
    with pytest.raises(DomainError) as exc:
        episode_transit(actor=users["command"], episode=episode, site=setup.site, at=timezone.now() + dt.timedelta(hours=2))
    assert exc.value.rule == "time.not_in_future"
    assert untouched(episode) and IsolationEpisode.objects.get(pk=episode.pk).site_id is None


def test_bulk_check_in_refuses_the_same_times(setup, users):
    early = opened(users["command"], setup.family[0], at=T + dt.timedelta(hours=2))
    sent = opened(users["command"], setup.lone[0])
    episode_transit(actor=users["command"], episode=sent, site=setup.site, at=T + dt.timedelta(hours=3))
    fine = opened(users["command"], setup.lone[1])
    rows = [BulkCheckIn(e.pk, room(setup.site, n).pk) for e, n in ((fine, "301"), (early, "401"), (sent, "302"))]
    with pytest.raises(RowsRefused) as exc:
        episodes_check_in_bulk(actor=setup.site_user, assignments=rows, at=T + dt.timedelta(hours=1))
    assert [(e.row, e.field, e.rule) for e in exc.value.errors] == [(2, "at", "time.order"), (3, "at", "time.order")]
    assert "判定时间" in exc.value.errors[0].message and "转运出发时间" in exc.value.errors[1].message
    with pytest.raises(DomainError) as exc:
        episodes_check_in_bulk(actor=setup.site_user, assignments=rows[:1], at=timezone.now() + dt.timedelta(hours=1))
    assert exc.value.rule == "time.not_in_future"
    assert untouched(early) and untouched(fine) and not RoomStay.objects.exists()
    report = episodes_check_in_bulk(actor=setup.site_user, assignments=rows, at=T + dt.timedelta(hours=4))
    assert report.checked_in == 3


# ---- the person, not only the site ----


def test_an_office_may_check_in_only_the_people_it_sees(setup, users):
    """The district office holds the site (in its district) but not a person living in another district."""
    outsider = opened(users["command"], setup.elsewhere)
    with pytest.raises(PermissionRefused) as exc:
        episode_check_in(actor=users["district"], episode=outsider, room=room(setup.site, "301"), at=T + dt.timedelta(hours=1))
    assert exc.value.rule == "isolation.episode_scope"
    assert untouched(outsider)
    with pytest.raises(RowsRefused) as exc:
        episodes_check_in_bulk(
            actor=users["district"], assignments=[BulkCheckIn(outsider.pk, room(setup.site, "301").pk)], at=T + dt.timedelta(hours=1)
        )
    assert [(e.row, e.field, e.rule) for e in exc.value.errors] == [(1, "episode", "isolation.episode_scope")]
    assert untouched(outsider)
    # Their own resident, yes; and the site's staff receive whoever is brought to the site.
    own = opened(users["command"], setup.family[0])
    assert episode_check_in(actor=users["district"], episode=own, room=room(setup.site, "401"), at=T + dt.timedelta(hours=1)).site_id
    report = episodes_check_in_bulk(
        actor=setup.site_user, assignments=[BulkCheckIn(outsider.pk, room(setup.site, "301").pk)], at=T + dt.timedelta(hours=1)
    )
    assert report.checked_in == 1


def test_staff_of_another_site_are_told_where_the_person_was_sent(setup, users):
    episode = opened(users["command"], setup.family[0])
    episode_transit(actor=users["command"], episode=episode, site=setup.site, at=T + dt.timedelta(hours=1))
    with pytest.raises(DomainError) as exc:
        episode_check_in(actor=setup.other_site_user, episode=episode, room=room(setup.other_site, "301"), at=T + dt.timedelta(hours=2))
    assert exc.value.rule == "isolation.site_assignment" and setup.site.name in exc.value.message
