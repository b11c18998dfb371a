"""Builders for 快隔 tests: sites with rooms, site staff, the active policy, an episode through the loop."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from fangkong.accounts.models import Grant
from fangkong.core.roles import Role
from fangkong.isolation.choices import EpisodeKind, RoomType, TestPhase
from fangkong.isolation.models import IsolationEpisode, IsolationSite, Room, ScheduledTest
from fangkong.isolation.services import (
    RoomSpec,
    episode_check_in,
    episode_open,
    room_create_many,
    site_create,
    test_record,
)
from fangkong.policy.models import PolicyProfile
from fangkong.results.choices import Result

from ..factories import make_user

BEIJING = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2022, 11, 14, 9, 0, tzinfo=BEIJING)  # the day of the seed's press conference


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def local(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=BEIJING)


def use_profile(code: str) -> PolicyProfile:
    PolicyProfile.objects.update(is_active=False)
    PolicyProfile.objects.filter(code=code).update(is_active=True)
    return PolicyProfile.objects.get(code=code)


ROOMS = [
    RoomSpec("301", 3, RoomType.SINGLE),
    RoomSpec("302", 3, RoomType.SINGLE),
    RoomSpec("303", 3, RoomType.SINGLE),
    RoomSpec("401", 4, RoomType.DOUBLE),
    RoomSpec("402", 4, RoomType.DOUBLE),
    RoomSpec("501", 5, RoomType.FAMILY),
]


def make_site(actor, community, name: str = "如家酒店隔离点", rooms=ROOMS, receives_inbound: bool = False) -> IsolationSite:
    site = site_create(actor=actor, name=name, community=community, capacity=20, receives_inbound=receives_inbound)
    room_create_many(actor=actor, site=site, rooms=rooms)
    return site


def make_site_user(username: str, site: IsolationSite):
    user = make_user(username, Role.ISOLATION_SITE_STAFF)
    Grant.objects.create(user=user, level="facility", facility_kind="isolation_site", place_id=site.pk)
    return user


def room(site: IsolationSite, number: str) -> Room:
    return Room.objects.get(site=site, number=number)


def open_and_check_in(
    actor, person, site_room: Room, *, identified_at: dt.datetime, checked_in_at: dt.datetime, kind=EpisodeKind.CLOSE_CONTACT
):
    episode = episode_open(actor=actor, person=person, kind=kind, identified_at=identified_at)
    return episode_check_in(actor=actor, episode=episode, room=site_room, at=checked_in_at)


def sample_time(test: ScheduledTest, hour: int = 8) -> dt.datetime:
    """`hour` o'clock on the test's day; a central test on the day of check-in, half an hour after it."""
    at = dt.datetime.combine(test.due_date, dt.time(hour), tzinfo=BEIJING)
    checked_in = test.episode.checked_in_at if test.phase == TestPhase.CENTRAL else None
    return max(at, (checked_in + dt.timedelta(minutes=30)).astimezone(BEIJING)) if checked_in is not None else at


def record_central(actor, episode: IsolationEpisode, result: str = Result.NEGATIVE, days=None) -> list[ScheduledTest]:
    """Record every (or the given days') central test, sampled at 08:00 on its due day, result at 20:00."""
    tests = ScheduledTest.objects.filter(episode=episode, phase=TestPhase.CENTRAL).order_by("day_number")
    done = []
    for t in tests:
        if days is not None and t.day_number not in days:
            continue
        ct = 28.0 if result == Result.POSITIVE else None  # a positive carries its Ct (fangkong.results.rules)
        done.append(test_record(actor=actor, test=t, result=result, ct_value=ct, sampled_at=sample_time(t), resulted_at=sample_time(t, 20)))
    return done
