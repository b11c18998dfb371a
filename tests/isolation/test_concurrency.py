"""Room assignment under concurrency, on PostgreSQL: threads check people in at the same moment.

The room row lock (SELECT … FOR UPDATE) and the partial unique indexes must keep every room to one
party and its capacity, and every person to one open episode and one room, however the races fall."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from fangkong.core.errors import DomainError
from fangkong.isolation.choices import EpisodeKind
from fangkong.isolation.models import IsolationEpisode, RoomStay
from fangkong.isolation.services import episode_check_in, episode_open

from ..factories import make_person, make_tree
from .factories import local, room

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

T = local(2022, 11, 14, 10)


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread (own connection), released together; results or DomainErrors."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except DomainError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def refusals(results: list[Any]) -> list[str]:
    return sorted(r.rule for r in results if isinstance(r, DomainError))


def opened(users, people, party: str = "") -> list[IsolationEpisode]:
    return [episode_open(actor=users["command"], person=p, kind=EpisodeKind.CLOSE_CONTACT, identified_at=T, party=party) for p in people]


def test_two_strangers_for_one_empty_double_room(setup, users):
    a, b = opened(users, [setup.family[0], setup.stranger])
    double = room(setup.site, "402")
    results = race([lambda e=e: episode_check_in(actor=setup.site_user, episode=e, room=double, at=T) for e in (a, b)])
    assert refusals(results) == ["isolation.room_one_party"]
    assert RoomStay.objects.filter(room=double, ended_at__isnull=True).count() == 1
    loser = next(e for e, r in zip((a, b), results, strict=True) if isinstance(r, DomainError))
    loser.refresh_from_db()
    assert loser.status == "awaiting_transfer" and not loser.tests.exists()  # nothing half-done


def test_a_group_of_six_for_a_family_room_of_four(setup, users):
    people = [make_person(make_tree(household=f"70{i}").household, f"旅行团{i}") for i in range(6)]
    episodes = opened(users, people, party="group:旅行团")
    family_room = room(setup.site, "501")
    results = race([lambda e=e: episode_check_in(actor=setup.site_user, episode=e, room=family_room, at=T) for e in episodes])
    assert refusals(results) == ["isolation.room_capacity"] * 2
    assert RoomStay.objects.filter(room=family_room, ended_at__isnull=True).count() == 4


def test_one_person_into_two_rooms_at_once(setup, users):
    (episode,) = opened(users, [setup.family[0]])
    rooms = [room(setup.site, "301"), room(setup.site, "302")]
    results = race([lambda r=r: episode_check_in(actor=setup.site_user, episode=episode, room=r, at=T) for r in rooms])
    assert len(refusals(results)) == 1 and refusals(results)[0] in ("isolation.one_open_stay", "isolation.episode_transitions")
    assert RoomStay.objects.filter(person=setup.family[0], ended_at__isnull=True).count() == 1


def test_one_person_opened_twice_at_once(setup, users):
    person = setup.family[1]
    calls = [
        lambda: episode_open(actor=users["command"], person=person, kind=EpisodeKind.CLOSE_CONTACT, identified_at=T),
        lambda: episode_open(actor=users["district"], person=person, kind=EpisodeKind.CLOSE_CONTACT, identified_at=T),
    ]
    assert refusals(race(calls)) == ["isolation.one_open_episode"]
    assert IsolationEpisode.objects.filter(person=person).count() == 1
