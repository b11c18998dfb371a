"""Helpers for the 快隔 page tests: signing in, htmx headers, and people put at a stage of the loop
through the services (with times in Nov 2022, so every page action 'now' comes after them)."""

from __future__ import annotations

import datetime as dt

from fangkong.isolation.choices import EpisodeKind, TestPhase
from fangkong.isolation.models import Handover, IsolationEpisode, ScheduledTest
from fangkong.isolation.services import episode_open, episode_transit, handover_confirm, home_isolation_start, release_order
from fangkong.results.choices import Result

from .factories import local, open_and_check_in, record_central, room, sample_time

HTMX = {"HTTP_HX_REQUEST": "true"}
CHECK_IN = local(2022, 11, 14, 15)


def as_user(client, user):
    client.force_login(user)
    return client


def checked_in(actor, person, site, number: str, *, at=CHECK_IN) -> IsolationEpisode:
    """Identified five hours before check-in (10:00 for the default 15:00). Not `at.replace(hour=10)`:
    for a check-in "now" before 10:00 that put identification after check-in, and the service refused."""
    return open_and_check_in(actor, person, room(site, number), identified_at=at - dt.timedelta(hours=5), checked_in_at=at)


def waiting(actor, person, *, at=None) -> IsolationEpisode:
    """Identified on 14 Nov 2022 at 20:00: long past its same-day deadline."""
    return episode_open(actor=actor, person=person, kind=EpisodeKind.CLOSE_CONTACT, identified_at=at or local(2022, 11, 14, 20))


def in_transit(actor, person, site) -> IsolationEpisode:
    e = waiting(actor, person)
    return episode_transit(actor=actor, episode=e, site=site, at=local(2022, 11, 14, 21))


def released(actor, person, site, number: str) -> Handover:
    """Checked in on 14 Nov, every central test negative, released on 19 Nov: a pending handover."""
    e = checked_in(actor, person, site, number)
    record_central(actor, e)
    release_order(actor=actor, episode=e, at=local(2022, 11, 19, 9))
    return Handover.objects.get(episode=e)


def handed_over(actor, receiver, person, site, number: str) -> IsolationEpisode:
    h = released(actor, person, site, number)
    handover_confirm(actor=receiver, handover=h, at=local(2022, 11, 19, 10), receiver_name="社区 李书记", receiver_phone="13800000000")
    return IsolationEpisode.objects.get(pk=h.episode_id)


def at_home(actor, receiver, person, site, number: str) -> IsolationEpisode:
    e = handed_over(actor, receiver, person, site, number)
    return home_isolation_start(actor=receiver, episode=e, at=local(2022, 11, 19, 11))


def central_test(episode: IsolationEpisode, day: int) -> ScheduledTest:
    return ScheduledTest.objects.get(episode=episode, phase=TestPhase.CENTRAL, day_number=day)


def home_test(episode: IsolationEpisode, day: int) -> ScheduledTest:
    return ScheduledTest.objects.get(episode=episode, phase=TestPhase.HOME, day_number=day)


def result_data(test: ScheduledTest, result: str = Result.NEGATIVE, **extra) -> dict:
    """The POST of one test's result form (prefix t<pk>), sampled on its due day at 08:00."""
    data = {
        f"t{test.pk}-result": result,
        f"t{test.pk}-sampled_at": sample_time(test).strftime("%Y-%m-%dT%H:%M"),
        f"t{test.pk}-resulted_at": sample_time(test, 20).strftime("%Y-%m-%dT%H:%M"),
        f"t{test.pk}-ct_value": "",
    }
    return data | extra
