"""The regimen under each policy profile: day 1, test days and period ends, across midnight and month ends."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.core.errors import DomainError
from fangkong.isolation.choices import EpisodeKind, EpisodeStatus, HomeMode, TestPhase
from fangkong.isolation.models import ScheduledTest
from fangkong.isolation.services import episode_open, regimen_plan
from fangkong.policy.models import PolicyParameter
from fangkong.policy.regimen import (
    day_one,
    deadline_after,
    local_date,
    regimen_day,
    regimen_day_number,
    regimen_day_starts_at,
)
from fangkong.policy.rules import PolicyNotConfigured

from .factories import BEIJING, local, open_and_check_in, room, use_profile

UTC = dt.UTC
D = dt.date


# ---- day N, defined once in fangkong.policy.regimen ----


def test_day_one_is_the_beijing_calendar_day_of_the_start(db):
    late = local(2022, 11, 30, 23, 50)
    assert day_one(late) == D(2022, 11, 30)
    assert regimen_day(late, 5) == D(2022, 12, 4)  # across the month end
    # 00:10 Beijing on 1 December is still 30 November in UTC: the Beijing day counts.
    just_after = dt.datetime(2022, 11, 30, 16, 10, tzinfo=UTC)
    assert local_date(just_after) == D(2022, 12, 1)
    assert day_one(just_after) == D(2022, 12, 1)
    assert regimen_day_starts_at(just_after, 6) == dt.datetime(2022, 12, 6, tzinfo=BEIJING)
    assert regimen_day_number(just_after, dt.datetime(2022, 12, 5, 15, 59, tzinfo=UTC)) == 5  # 23:59 Beijing
    assert regimen_day_number(just_after, dt.datetime(2022, 12, 5, 16, 0, tzinfo=UTC)) == 6  # midnight Beijing


def test_year_end_and_leap_day(db):
    assert regimen_day(local(2022, 12, 31, 23, 59), 2) == D(2023, 1, 1)
    assert regimen_day(local(2020, 2, 16, 23, 30), 14) == D(2020, 2, 29)
    assert regimen_day_starts_at(local(2020, 2, 16, 23, 30), 15) == dt.datetime(2020, 3, 1, tzinfo=BEIJING)


def test_day_one_follows_the_policy_key(db, profile):
    start = local(2022, 11, 30, 23, 50)
    PolicyParameter.objects.filter(profile=profile, key="regimen.day_one").update(value="day_after_start")
    assert day_one(start) == D(2022, 12, 1)
    assert regimen_day(start, 5) == D(2022, 12, 5)
    PolicyParameter.objects.filter(profile=profile, key="regimen.day_one").update(value="whenever")
    with pytest.raises(PolicyNotConfigured) as exc:
        day_one(start)
    assert exc.value.rule == "regimen.day_one"


def test_day_numbers_start_at_one(db):
    with pytest.raises(ValueError):
        regimen_day(local(2022, 11, 30), 0)


def test_same_day_deadline_is_the_next_beijing_midnight(db):
    assert deadline_after("same_day", local(2022, 11, 30, 23, 50)) == dt.datetime(2022, 12, 1, tzinfo=BEIJING)
    assert deadline_after("same_day", dt.datetime(2022, 11, 30, 16, 10, tzinfo=UTC)) == dt.datetime(2022, 12, 2, tzinfo=BEIJING)
    assert deadline_after(24, local(2022, 11, 30, 8)) == local(2022, 12, 1, 8)
    with pytest.raises(PolicyNotConfigured):
        deadline_after("soon", local(2022, 11, 30))


# ---- the regimen each profile schedules at check-in ----

# profile, kind, check-in (Beijing), central test dates, home test dates, central_until, home_until, home mode
CASES = [
    (
        "twenty-measures",
        EpisodeKind.CLOSE_CONTACT,
        local(2022, 11, 30, 23, 50),
        [D(2022, 11, 30), D(2022, 12, 1), D(2022, 12, 2), D(2022, 12, 4)],
        [D(2022, 12, 5), D(2022, 12, 7)],
        D(2022, 12, 5),
        D(2022, 12, 8),
        HomeMode.HOME_ISOLATION,
    ),
    (
        "twenty-measures",
        EpisodeKind.CLOSE_CONTACT,
        local(2022, 12, 1, 0, 10),
        [D(2022, 12, 1), D(2022, 12, 2), D(2022, 12, 3), D(2022, 12, 5)],
        [D(2022, 12, 6), D(2022, 12, 8)],
        D(2022, 12, 6),
        D(2022, 12, 9),
        HomeMode.HOME_ISOLATION,
    ),
    (
        "twenty-measures",
        EpisodeKind.INBOUND,
        local(2022, 12, 31, 23, 59),
        [D(2022, 12, 31), D(2023, 1, 1), D(2023, 1, 2), D(2023, 1, 4)],
        [D(2023, 1, 5), D(2023, 1, 7)],
        D(2023, 1, 5),
        D(2023, 1, 8),
        HomeMode.HOME_ISOLATION,
    ),
    (
        "ninth-edition",
        EpisodeKind.CLOSE_CONTACT,
        local(2022, 6, 28, 22, 0),
        [D(2022, 6, 28), D(2022, 6, 29), D(2022, 6, 30), D(2022, 7, 2), D(2022, 7, 4)],
        [D(2022, 7, 7)],
        D(2022, 7, 5),
        D(2022, 7, 8),
        HomeMode.HOME_HEALTH_MONITORING,
    ),
    (
        "ninth-edition",
        EpisodeKind.INBOUND,
        local(2022, 8, 31, 23, 59),
        [D(2022, 8, 31), D(2022, 9, 1), D(2022, 9, 2), D(2022, 9, 4), D(2022, 9, 6)],
        [D(2022, 9, 9)],
        D(2022, 9, 7),
        D(2022, 9, 10),
        HomeMode.HOME_HEALTH_MONITORING,
    ),
    (
        "early-2020",
        EpisodeKind.CLOSE_CONTACT,
        local(2020, 2, 16, 23, 30),
        [D(2020, 2, 16), D(2020, 2, 29)],
        [],
        D(2020, 3, 1),
        None,
        HomeMode.NONE,
    ),
]


@pytest.mark.parametrize(("code", "kind", "start", "central", "home", "central_until", "home_until", "mode"), CASES)
def test_check_in_schedules_the_active_profiles_regimen(setup, users, code, kind, start, central, home, central_until, home_until, mode):
    use_profile(code)
    person = setup.family[0]
    episode = open_and_check_in(
        users["command"], person, room(setup.site, "301"), identified_at=start - dt.timedelta(hours=2), checked_in_at=start, kind=kind
    )
    assert episode.status == EpisodeStatus.CHECKED_IN
    assert episode.policy_profile == code
    tests = ScheduledTest.objects.filter(episode=episode)
    assert [t.due_date for t in tests.filter(phase=TestPhase.CENTRAL).order_by("day_number")] == central
    assert [t.due_date for t in tests.filter(phase=TestPhase.HOME).order_by("day_number")] == home
    assert episode.central_until == dt.datetime.combine(central_until, dt.time.min, tzinfo=BEIJING)
    if home_until is None:
        assert episode.home_until is None and episode.home_days == 0
    else:
        assert episode.home_until == dt.datetime.combine(home_until, dt.time.min, tzinfo=BEIJING)
    assert episode.home_mode == mode
    # Every decision names its rule: the profile's keys and the day-one rule are stored on the episode and each test.
    prefix = "inbound" if kind == EpisodeKind.INBOUND else "close_contact"
    assert f"{prefix}.central_days" in episode.regimen_rules and "regimen.day_one" in episode.regimen_rules
    assert all(f"{prefix}.central_test_days" in t.rule for t in tests.filter(phase=TestPhase.CENTRAL))


def test_twenty_measures_is_5_plus_3_with_tests_on_days_1_2_3_5_and_home_1_3(db, profile):
    plan = regimen_plan(EpisodeKind.CLOSE_CONTACT)
    assert (plan.central_days, plan.home_days) == (5, 3)
    assert plan.central_test_days == (1, 2, 3, 5) and plan.home_test_days == (1, 3)
    assert "二十条" in plan.citation("close_contact.central_days")
    inbound = regimen_plan(EpisodeKind.INBOUND)
    assert (inbound.central_days, inbound.home_days, inbound.central_test_days, inbound.home_test_days) == (5, 3, (1, 2, 3, 5), (1, 3))


def test_secondary_contacts_are_isolated_at_home_where_the_policy_traces_them(setup, users):
    use_profile("ninth-edition")
    episode = episode_open(
        actor=users["command"], person=setup.family[0], kind=EpisodeKind.SECONDARY_CONTACT, identified_at=local(2022, 7, 31, 23, 0)
    )
    assert episode.status == EpisodeStatus.HOME_ISOLATION and episode.site is None and episode.isolate_by is None
    assert [t.due_date for t in episode.tests.order_by("day_number")] == [D(2022, 7, 31), D(2022, 8, 3), D(2022, 8, 6)]
    assert episode.home_until == dt.datetime(2022, 8, 7, tzinfo=BEIJING)


def test_the_twenty_measures_do_not_trace_secondary_contacts(setup, users):
    with pytest.raises(DomainError) as exc:
        episode_open(actor=users["command"], person=setup.family[0], kind=EpisodeKind.SECONDARY_CONTACT, identified_at=local(2022, 11, 20))
    assert exc.value.rule == "secondary_contact.traced"
    assert not setup.family[0].isolation_episodes.exists()


def test_a_regimen_already_running_keeps_its_profile_when_the_policy_changes(setup, users):
    use_profile("ninth-edition")
    episode = open_and_check_in(
        users["command"],
        setup.family[0],
        room(setup.site, "301"),
        identified_at=local(2022, 11, 10, 8),
        checked_in_at=local(2022, 11, 10, 12),
    )
    use_profile("twenty-measures")
    episode.refresh_from_db()
    assert episode.central_days == 7 and episode.policy_profile == "ninth-edition"
    assert episode.tests.filter(phase=TestPhase.CENTRAL).count() == 5


def test_the_migration_adds_missing_policy_keys_and_keeps_local_values(db, profile):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("fangkong.isolation.migrations.0002_policy_parameters")
    PolicyParameter.objects.filter(profile=profile, key="inbound.central_test_days").delete()
    PolicyParameter.objects.filter(profile=profile, key="inbound.central_days").update(value=4)
    migration.add_missing(apps, None)
    assert PolicyParameter.objects.get(profile=profile, key="inbound.central_test_days").value == [1, 2, 3, 5]
    assert PolicyParameter.objects.get(profile=profile, key="inbound.central_days").value == 4
