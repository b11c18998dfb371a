"""The episode's state machine: check-in → regimen → release → handover (手递手) → home isolation → completed,
and every refusal on the way (the rule named, nothing half-done)."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.roles import Role
from fangkong.isolation import events
from fangkong.isolation.choices import EPISODE_TRANSITIONS, EpisodeStatus, HandoverStatus, StayEnd, TestPhase
from fangkong.isolation.models import Handover, ReleaseOrder, RoomStay
from fangkong.isolation.services import (
    episode_cancel,
    episode_complete,
    episode_transit,
    handover_confirm,
    home_check_record,
    home_isolation_start,
    home_test_record,
    release_order,
    test_record,
)
from fangkong.results.choices import Result

from ..factories import make_user
from .factories import BEIJING, local, open_and_check_in, record_central, room, sample_time, use_profile

CHECK_IN = local(2022, 11, 14, 15, 0)  # day 1 = 14 Nov; central ends 19 Nov 00:00; home days 19–21 Nov
RELEASE = local(2022, 11, 19, 9, 0)
HANDOVER = local(2022, 11, 19, 10, 0)


def test_the_transition_table_ends_in_terminal_states():
    for terminal in (EpisodeStatus.COMPLETED, EpisodeStatus.TURNED_POSITIVE, EpisodeStatus.CANCELLED):
        assert EPISODE_TRANSITIONS[terminal] == frozenset()
    # Released people cannot be cancelled or lost: only the handover moves them on.
    assert EPISODE_TRANSITIONS[EpisodeStatus.RELEASED_PENDING_HANDOVER] == {EpisodeStatus.HANDED_OVER}
    assert set(EPISODE_TRANSITIONS) == set(EpisodeStatus.values)


@pytest.fixture
def checked_in(setup, users):
    return open_and_check_in(
        users["command"], setup.family[0], room(setup.site, "401"), identified_at=local(2022, 11, 14, 10), checked_in_at=CHECK_IN
    )


def home_tests(episode):
    return list(episode.tests.filter(phase=TestPhase.HOME).order_by("day_number"))


def test_the_whole_loop_under_the_twenty_measures(setup, users, checked_in):
    site_user, community = setup.site_user, users["community"]
    record_central(site_user, checked_in)
    order = release_order(actor=site_user, episode=checked_in, at=RELEASE)
    checked_in.refresh_from_db()
    assert checked_in.status == EpisodeStatus.RELEASED_PENDING_HANDOVER
    assert [t["day"] for t in order.tests] == [1, 2, 3, 5] and all(t["result"] == "negative" for t in order.tests)
    handover = Handover.objects.get(episode=checked_in)
    assert handover.status == HandoverStatus.PENDING and handover.to_community_id == setup.family[0].community_id
    # Until the community confirms, the person is still in the room: the site's responsibility.
    assert RoomStay.objects.get(episode=checked_in).ended_at is None

    handover_confirm(actor=community, handover=handover, at=HANDOVER, receiver_name="社区 李书记", receiver_phone="13800000000")
    checked_in.refresh_from_db()
    assert checked_in.status == EpisodeStatus.HANDED_OVER
    stay = RoomStay.objects.get(episode=checked_in)
    assert stay.ended_at == HANDOVER and stay.end_reason == StayEnd.HANDED_OVER

    home_isolation_start(actor=community, episode=checked_in, at=local(2022, 11, 19, 11))
    for day in (19, 20, 21):
        home_check_record(actor=users["grid"], episode=checked_in, at=local(2022, 11, day, 10), temperature="36.5")
    for t in home_tests(checked_in):
        home_test_record(actor=community, test=t, result=Result.NEGATIVE, sampled_at=sample_time(t), resulted_at=sample_time(t, 18))
    episode_complete(actor=community, episode=checked_in, at=local(2022, 11, 22, 8))
    checked_in.refresh_from_db()
    assert checked_in.status == EpisodeStatus.COMPLETED and checked_in.ended_at == local(2022, 11, 22, 8)
    kinds = list(
        AuditEvent.objects.filter(object_type="isolation.isolationepisode", object_id=str(checked_in.pk)).values_list(
            "event_type", flat=True
        )
    )
    for e in (
        events.EPISODE_OPENED,
        events.CHECKED_IN,
        events.RELEASE_ORDERED,
        events.HANDOVER_CONFIRMED,
        events.HOME_STARTED,
        events.EPISODE_COMPLETED,
    ):
        assert e in kinds


def test_release_is_refused_before_the_central_period_is_over(setup, checked_in):
    record_central(setup.site_user, checked_in)
    with pytest.raises(DomainError) as exc:
        release_order(actor=setup.site_user, episode=checked_in, at=local(2022, 11, 18, 23, 59))
    assert exc.value.rule == "close_contact.central_days"
    checked_in.refresh_from_db()
    assert checked_in.status == EpisodeStatus.CHECKED_IN
    assert not ReleaseOrder.objects.exists() and not Handover.objects.exists()


def test_release_is_refused_with_a_missing_test(setup, checked_in):
    record_central(setup.site_user, checked_in, days=[1, 2, 3])
    with pytest.raises(DomainError) as exc:
        release_order(actor=setup.site_user, episode=checked_in, at=RELEASE)
    assert exc.value.rule == "close_contact.central_test_days" and "5" in exc.value.message
    assert not ReleaseOrder.objects.exists() and not Handover.objects.exists()


def test_an_invalid_result_must_be_sampled_again_before_release(setup, checked_in):
    record_central(setup.site_user, checked_in, days=[1, 2, 3])
    day5 = checked_in.tests.get(phase=TestPhase.CENTRAL, day_number=5)
    test_record(actor=setup.site_user, test=day5, result=Result.INVALID, sampled_at=sample_time(day5), resulted_at=sample_time(day5, 20))
    with pytest.raises(DomainError):
        release_order(actor=setup.site_user, episode=checked_in, at=RELEASE)
    test_record(
        actor=setup.site_user, test=day5, result=Result.NEGATIVE, sampled_at=local(2022, 11, 19, 7), resulted_at=local(2022, 11, 19, 8)
    )
    release_order(actor=setup.site_user, episode=checked_in, at=RELEASE)


def test_a_positive_ends_the_episode_frees_the_room_and_hands_over_to_cases(setup, checked_in):
    record_central(setup.site_user, checked_in, days=[1])
    record_central(setup.site_user, checked_in, result=Result.POSITIVE, days=[2])
    checked_in.refresh_from_db()
    assert checked_in.status == EpisodeStatus.TURNED_POSITIVE and "第 2 天" in checked_in.end_reason
    stay = RoomStay.objects.get(episode=checked_in)
    assert stay.end_reason == StayEnd.TURNED_POSITIVE and stay.ended_at is not None
    handoff = AuditEvent.objects.get(event_type=events.POSITIVE_HANDOFF, object_id=str(checked_in.pk))
    assert handoff.after["day"] == 2 and handoff.after["site"] == setup.site.pk
    # A release with a positive test is refused, naming the rule.
    with pytest.raises(DomainError) as exc:
        release_order(actor=setup.site_user, episode=checked_in, at=RELEASE)
    assert exc.value.rule == "isolation.positive_not_released"
    # A recorded result is final.
    day2 = checked_in.tests.get(phase=TestPhase.CENTRAL, day_number=2)
    with pytest.raises(DomainError) as exc:
        test_record(actor=setup.site_user, test=day2, result=Result.NEGATIVE, sampled_at=sample_time(day2))
    assert exc.value.rule in ("isolation.test_result_final", "isolation.episode_transitions")


def test_a_test_cannot_be_sampled_before_its_day(setup, checked_in):
    day3 = checked_in.tests.get(phase=TestPhase.CENTRAL, day_number=3)
    with pytest.raises(DomainError) as exc:
        test_record(actor=setup.site_user, test=day3, result=Result.NEGATIVE, sampled_at=local(2022, 11, 15, 23, 59))
    assert exc.value.rule == "close_contact.central_test_days"


def released(setup, episode):
    record_central(setup.site_user, episode)
    release_order(actor=setup.site_user, episode=episode, at=RELEASE)
    return Handover.objects.get(episode=episode)


def test_only_the_receiving_community_confirms_the_handover(setup, users, city, checked_in):
    handover = released(setup, checked_in)
    outsider = make_user("outsider", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    for actor in (outsider, setup.site_user, users["grid"], users["nogrant"]):
        with pytest.raises(PermissionRefused) as exc:
            handover_confirm(actor=actor, handover=handover, at=HANDOVER, receiver_name="社区 李书记", receiver_phone="13800000000")
        assert exc.value.rule in ("isolation.receiving_community", "isolation.handover")
    checked_in.refresh_from_db()
    assert checked_in.status == EpisodeStatus.RELEASED_PENDING_HANDOVER
    assert RoomStay.objects.get(episode=checked_in).ended_at is None
    # The street office over the community may confirm; a second confirmation is refused.
    handover_confirm(actor=users["street"], handover=handover, at=HANDOVER, receiver_name="社区 李书记", receiver_phone="13800000000")
    with pytest.raises(DomainError) as exc:
        handover_confirm(
            actor=users["community"], handover=handover, at=HANDOVER, receiver_name="社区 李书记", receiver_phone="13800000000"
        )
    assert exc.value.rule == "isolation.handover_once"


def test_released_people_are_not_cancelled_or_checked_in_again(setup, users, checked_in):
    released(setup, checked_in)
    with pytest.raises(DomainError) as exc:
        episode_cancel(actor=users["command"], episode=checked_in, reason="误判")
    assert exc.value.rule == "isolation.episode_transitions"
    with pytest.raises(DomainError):
        episode_transit(actor=users["command"], episode=checked_in, site=setup.other_site)


def test_home_isolation_completes_only_when_over_with_every_test_and_check(setup, users, checked_in):
    handover = released(setup, checked_in)
    community = users["community"]
    handover_confirm(actor=community, handover=handover, at=HANDOVER, receiver_name="社区 李书记", receiver_phone="13800000000")
    with pytest.raises(DomainError):  # not home yet
        home_check_record(actor=community, episode=checked_in, at=local(2022, 11, 19, 10, 30))
    home_isolation_start(actor=community, episode=checked_in, at=local(2022, 11, 19, 11))
    home_check_record(actor=community, episode=checked_in, at=local(2022, 11, 19, 12))
    with pytest.raises(DomainError) as exc:
        home_check_record(actor=community, episode=checked_in, at=local(2022, 11, 19, 18))
    assert exc.value.rule == "isolation.home_daily_check"
    with pytest.raises(DomainError) as exc:
        episode_complete(actor=community, episode=checked_in, at=local(2022, 11, 21, 23, 59))
    assert exc.value.rule == "close_contact.home_days"
    with pytest.raises(DomainError) as exc:
        episode_complete(actor=community, episode=checked_in, at=local(2022, 11, 22, 8))
    assert exc.value.rule == "close_contact.home_test_days"
    for t in home_tests(checked_in):
        home_test_record(actor=community, test=t, result=Result.NEGATIVE, sampled_at=sample_time(t))
    with pytest.raises(DomainError) as exc:
        episode_complete(actor=community, episode=checked_in, at=local(2022, 11, 22, 8))
    assert exc.value.rule == "isolation.home_daily_check" and "2022-11-20" in exc.value.message
    home_check_record(actor=community, episode=checked_in, at=local(2022, 11, 20, 9))
    home_check_record(actor=community, episode=checked_in, at=local(2022, 11, 21, 9))
    episode_complete(actor=community, episode=checked_in, at=local(2022, 11, 22, 8))
    checked_in.refresh_from_db()
    assert checked_in.status == EpisodeStatus.COMPLETED


def test_a_positive_at_home_ends_the_episode(setup, users, checked_in):
    handover = released(setup, checked_in)
    handover_confirm(actor=users["community"], handover=handover, at=HANDOVER, receiver_name="社区 李书记", receiver_phone="13800000000")
    home_isolation_start(actor=users["community"], episode=checked_in, at=local(2022, 11, 19, 11))
    first = home_tests(checked_in)[0]
    home_test_record(actor=users["community"], test=first, result=Result.POSITIVE, ct_value=28.0, sampled_at=sample_time(first))
    checked_in.refresh_from_db()
    assert checked_in.status == EpisodeStatus.TURNED_POSITIVE
    assert AuditEvent.objects.filter(event_type=events.POSITIVE_HANDOFF, object_id=str(checked_in.pk)).exists()


def test_home_tests_are_the_communitys_and_central_tests_the_sites(setup, users, checked_in):
    central = checked_in.tests.get(phase=TestPhase.CENTRAL, day_number=1)
    with pytest.raises(PermissionRefused):
        test_record(actor=users["community"], test=central, result=Result.NEGATIVE, sampled_at=sample_time(central))
    home = home_tests(checked_in)[0]
    with pytest.raises(PermissionRefused):
        home_test_record(actor=setup.site_user, test=home, result=Result.NEGATIVE, sampled_at=sample_time(home))


def test_a_late_release_moves_the_home_phase(setup, checked_in):
    record_central(setup.site_user, checked_in)
    release_order(actor=setup.site_user, episode=checked_in, at=local(2022, 11, 21, 9))  # two days late
    checked_in.refresh_from_db()
    assert checked_in.home_until == dt.datetime(2022, 11, 24, tzinfo=BEIJING)
    assert [t.due_date for t in home_tests(checked_in)] == [dt.date(2022, 11, 21), dt.date(2022, 11, 23)]


def test_with_no_home_phase_the_handover_ends_the_episode(setup, users):
    use_profile("early-2020")
    episode = open_and_check_in(
        users["command"], setup.family[0], room(setup.site, "301"), identified_at=local(2020, 2, 1, 8), checked_in_at=local(2020, 2, 1, 12)
    )
    record_central(setup.site_user, episode)
    release_order(actor=setup.site_user, episode=episode, at=local(2020, 2, 15, 9))
    handover_confirm(
        actor=users["community"],
        handover=Handover.objects.get(episode=episode),
        at=local(2020, 2, 15, 10),
        receiver_name="社区 李书记",
        receiver_phone="13800000000",
    )
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.COMPLETED and episode.handed_over_at == local(2020, 2, 15, 10)


def test_cancelling_a_checked_in_episode_vacates_the_room(setup, users, checked_in):
    episode_cancel(actor=users["command"], episode=checked_in, reason="密接判定撤销", at=local(2022, 11, 15, 9))
    checked_in.refresh_from_db()
    assert checked_in.status == EpisodeStatus.CANCELLED
    assert RoomStay.objects.get(episode=checked_in).end_reason == StayEnd.CANCELLED
    with pytest.raises(DomainError):
        episode_cancel(actor=users["command"], episode=checked_in, reason="again")


def test_a_positive_home_test_before_arriving_home_ends_the_episode(setup, users, checked_in):
    handover = released(setup, checked_in)
    handover_confirm(actor=users["community"], handover=handover, at=HANDOVER, receiver_name="社区 李书记", receiver_phone="13800000000")
    first = home_tests(checked_in)[0]
    home_test_record(actor=users["community"], test=first, result=Result.POSITIVE, ct_value=28.0, sampled_at=sample_time(first))
    checked_in.refresh_from_db()
    assert checked_in.status == EpisodeStatus.TURNED_POSITIVE
