"""Selectors: occupancy, the daily sampling sheet, the boards, figures — and scoping: a site sees its own
residents, a community its own people, a user without a grant nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from fangkong.core.roles import Role
from fangkong.isolation.choices import ChecklistGap, EpisodeKind, TestPhase
from fangkong.isolation.models import Handover, IsolationEpisode, RoomStay, ScheduledTest
from fangkong.isolation.selectors import (
    awaiting_isolation_board,
    checklist_status,
    episode_get,
    episode_list,
    figures,
    home_isolation_list,
    pending_handovers,
    residents,
    room_board,
    site_day_sheet,
    site_list,
    site_occupancy,
)
from fangkong.isolation.services import (
    checklist_record,
    episode_open,
    episode_transit,
    handover_confirm,
    home_isolation_start,
    release_order,
)

from ..factories import make_user
from .factories import local, open_and_check_in, record_central, room

DAY1 = dt.date(2022, 11, 14)
CHECK_IN = local(2022, 11, 14, 15)


@pytest.fixture
def loop(setup, users):
    """The family in double 401 (checked in on 14 Nov), a lone resident of the same community in 301,
    the resident of 回民区 at the other site, and the stranger still waiting for transfer."""
    cmd = users["command"]
    family = [
        open_and_check_in(cmd, p, room(setup.site, "401"), identified_at=local(2022, 11, 14, 10), checked_in_at=CHECK_IN)
        for p in setup.family
    ]
    lone = open_and_check_in(
        cmd, setup.lone[0], room(setup.site, "301"), identified_at=local(2022, 11, 14, 11), checked_in_at=local(2022, 11, 14, 23)
    )
    away = open_and_check_in(
        cmd, setup.elsewhere, room(setup.other_site, "301"), identified_at=local(2022, 11, 14, 9), checked_in_at=local(2022, 11, 14, 12)
    )
    waiting = episode_open(actor=cmd, person=setup.stranger, kind=EpisodeKind.CLOSE_CONTACT, identified_at=local(2022, 11, 14, 20))
    early = episode_open(actor=cmd, person=setup.lone[1], kind=EpisodeKind.CLOSE_CONTACT, identified_at=local(2022, 11, 13, 20))
    return {"family": family, "lone": lone, "away": away, "waiting": waiting, "early": early}


def test_site_occupancy_at_a_glance(setup, users, loop):
    episode_transit(actor=users["command"], episode=loop["waiting"], site=setup.site, at=local(2022, 11, 14, 21))
    (occ,) = site_occupancy(user=setup.site_user)
    assert occ.site == setup.site
    assert (occ.rooms, occ.rooms_occupied, occ.rooms_free, occ.people_in, occ.beds, occ.arriving) == (6, 2, 4, 3, 11, 1)
    assert occ.free_rooms_by_type == {"single": 2, "double": 1, "family": 1}
    everyone = {o.site.name: o.people_in for o in site_occupancy(user=users["command"])}
    assert everyone == {setup.site.name: 3, setup.other_site.name: 1}
    board = {r.room.number: r for r in room_board(user=setup.site_user, site=setup.site)}
    assert len(board["401"].stays) == 2 and board["401"].free_beds == 0 and board["302"].free_beds == 1


def test_the_daily_sampling_sheet_lists_whom_to_sample_by_room(setup, users, loop):
    sheet = site_day_sheet(user=setup.site_user, site=setup.site, day=DAY1)
    assert [(r.room_number, r.test.day_number, r.is_make_up) for r in sheet] == [("301", 1, False), ("401", 1, False), ("401", 1, False)]
    # Day 2 of the family is 15 Nov; an unsampled day-1 test shows as a make-up (补采).
    record_central(setup.site_user, loop["family"][0], days=[1])
    sheet = site_day_sheet(user=setup.site_user, site=setup.site, day=dt.date(2022, 11, 15))
    rows = {(r.episode.pk, r.test.day_number): r.is_make_up for r in sheet}
    assert rows[(loop["family"][0].pk, 2)] is False and (loop["family"][0].pk, 1) not in rows
    assert rows[(loop["family"][1].pk, 1)] is True and rows[(loop["lone"].pk, 1)] is True
    day4 = site_day_sheet(user=setup.site_user, site=setup.site, day=dt.date(2022, 11, 17))  # no test due on day 4
    assert day4 and all(r.is_make_up for r in day4)
    with pytest.raises(Http404):
        site_day_sheet(user=setup.other_site_user, site=setup.site, day=DAY1)


def test_the_awaiting_board_puts_the_overdue_first(setup, users, loop):
    board = list(awaiting_isolation_board(user=users["command"], now=local(2022, 11, 14, 22)))
    assert [e.pk for e in board] == [loop["early"].pk, loop["waiting"].pk]
    assert [e.is_overdue for e in board] == [True, False]
    assert list(awaiting_isolation_board(user=setup.site_user)) == []


def test_pending_handovers_for_the_receiving_community_and_the_site(setup, users, city, loop):
    ep = loop["family"][0]
    record_central(setup.site_user, ep)
    release_order(actor=setup.site_user, episode=ep, at=local(2022, 11, 19, 9))
    assert [h.episode_id for h in pending_handovers(user=users["community"])] == [ep.pk]
    assert [h.episode_id for h in pending_handovers(user=setup.site_user)] == [ep.pk]
    assert list(pending_handovers(user=setup.other_site_user)) == []
    outsider = make_user("outsider", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    assert list(pending_handovers(user=outsider)) == []
    handover_confirm(
        actor=users["community"],
        handover=Handover.objects.get(episode=ep),
        at=local(2022, 11, 19, 10),
        receiver_name="社区 李书记",
        receiver_phone="13800000000",
    )
    assert list(pending_handovers(user=users["community"])) == []
    (row,) = home_isolation_list(user=users["community"], day=dt.date(2022, 11, 19))
    assert row.pk == ep.pk and row.checked_today is False and row.test_due is True
    home_isolation_start(actor=users["community"], episode=ep, at=local(2022, 11, 19, 11))
    assert list(home_isolation_list(user=setup.other_site_user)) == []


def test_a_site_sees_its_own_residents_only(setup, users, loop):
    mine = {e.pk for e in episode_list(user=setup.site_user)}
    assert mine == {e.pk for e in loop["family"]} | {loop["lone"].pk}
    assert {e.pk for e in residents(user=setup.site_user, site=setup.site)} == mine
    assert {e.pk for e in episode_list(user=setup.other_site_user)} == {loop["away"].pk}
    assert list(site_list(user=setup.site_user)) == [setup.site]
    with pytest.raises(Http404):
        episode_get(user=setup.other_site_user, pk=loop["lone"].pk)
    # Tests and stays are scoped the same way.
    assert not ScheduledTest.objects.visible_to(setup.other_site_user).filter(episode=loop["lone"]).exists()
    assert RoomStay.objects.visible_to(setup.site_user).count() == 3


def test_communities_and_offices_see_their_own_people_wherever_isolated(setup, users, city, loop):
    community = {e.pk for e in episode_list(user=users["community"])}
    assert loop["away"].pk not in community and loop["family"][0].pk in community and loop["waiting"].pk in community
    grid = {e.pk for e in episode_list(user=users["grid"])}
    assert loop["waiting"].pk not in grid and loop["family"][0].pk in grid  # the stranger lives in the neighbour grid
    assert {e.pk for e in episode_list(user=users["command"])} == set(IsolationEpisode.objects.values_list("pk", flat=True))
    assert list(episode_list(user=users["nogrant"])) == []
    assert site_occupancy(user=users["nogrant"]) == []
    huimin = make_user("huimin", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    assert {e.pk for e in episode_list(user=huimin)} == {loop["away"].pk}
    assert list(site_list(user=huimin)) == [setup.other_site]


def test_checklist_status_flags_a_missing_checklist(setup, users, loop):
    checklist_record(
        actor=setup.site_user,
        site=setup.site,
        day=DAY1,
        cleaning_done=True,
        disinfection_done=True,
        meals_breakfast_rooms=2,
        meals_lunch_rooms=2,
        meals_dinner_rooms=2,
        staff_on_duty=5,
        staff_health_checked=5,
    )
    rows = checklist_status(user=users["command"], day=DAY1)
    assert [(r.site.name, [g["code"] for g in r.gaps]) for r in rows] == [
        (setup.other_site.name, [ChecklistGap.NOT_RECORDED]),
        (setup.site.name, []),
    ]


def test_figures_of_the_day(setup, users, loop):
    f = figures(user=users["command"], day=DAY1, now=local(2022, 11, 15, 9))
    assert f.identified[EpisodeKind.CLOSE_CONTACT] == 5 and f.identified_total == 5
    # Deadlines falling on 14 Nov (identified that day): 5 — 4 isolated in time, 1 still waiting.
    assert (f.due, f.isolated_in_time, f.isolated_late, f.still_awaiting) == (5, 4, 0, 1)
    assert f.in_time_share == 0.8
    assert f.overdue_now == 2  # the one identified on the 13th and the one still waiting
    assert f.in_isolation_by_site == {setup.site.name: 3, setup.other_site.name: 1}
    assert f.checked_in == 4
    (xincheng, huimin) = sorted(f.delay_by_district, key=lambda r: r.name != "新城区")
    assert xincheng.isolated == 3 and xincheng.max_hours == 12.0 and huimin.average_hours == 3.0
    community = figures(user=users["community"], day=DAY1, now=local(2022, 11, 15, 9))
    assert community.in_isolation_by_site == {setup.site.name: 3} and community.identified_total == 4
    assert figures(user=users["nogrant"], day=DAY1).identified_total == 0
    day6 = dt.date(2022, 11, 19)
    ep = loop["family"][0]
    record_central(setup.site_user, ep)
    release_order(actor=setup.site_user, episode=ep, at=local(2022, 11, 19, 9))
    f = figures(user=users["command"], day=day6, now=local(2022, 11, 19, 12))
    assert f.released == 1 and f.pending_handovers == 1
    assert sum(1 for t in ep.tests.filter(phase=TestPhase.HOME)) == 2
