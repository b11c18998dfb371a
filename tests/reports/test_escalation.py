"""Escalation on the 三快一严 board: a transfer not admitted by its deadline (the end of the day of
confirmation) is late; more than command.escalation_hours (6 h) past it, it is raised from its
community to the street's board, 6 h later to the district's, then to the command's. Computed from
the deadline each time the board is drawn (nothing stored): both sides of each threshold."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from fangkong.policy.models import PolicyParameter
from fangkong.reports import board

from ..cases.factories import at, board_transfer, open_case

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def late_transfer(city, users):
    case = open_case(users["command"], city.home.household.members.order_by("pk").first(), confirmed_at=at(1))
    return board_transfer(case)


def escalated(user, when: dt.datetime) -> list:
    with time_machine.travel(when, tick=False):
        return [e.item.pk for e in board.escalated_to(user=user, now=when)]


def test_the_threshold_is_policy_data_with_its_citation(db):
    p = PolicyParameter.objects.filter(key=board.ESCALATION_RULE, profile__is_active=True).get()
    assert p.value == 6 and p.unit == "h" and "守土" in p.source
    assert board.escalation_hours() == 6


def test_levels_up_on_both_sides_of_each_threshold():
    deadline = dt.datetime(2022, 11, 14, 16, 0, tzinfo=dt.UTC)
    hours = 6
    assert board.levels_up(deadline, deadline - MINUTE, hours) == 0  # not yet late
    assert board.levels_up(deadline, deadline + 6 * dt.timedelta(hours=1), hours) == 0  # exactly 6 h: not beyond
    assert board.levels_up(deadline, deadline + dt.timedelta(hours=6) + MINUTE, hours) == 1
    assert board.levels_up(deadline, deadline + dt.timedelta(hours=12) - MINUTE, hours) == 1
    assert board.levels_up(deadline, deadline + dt.timedelta(hours=12) + MINUTE, hours) == 2
    assert board.levels_up(None, deadline, hours) == 0


def test_an_overdue_transfer_climbs_street_then_district_then_command(late_transfer, users):
    deadline = late_transfer.deadline_at
    street, district, command = users["street"], users["district"], users["command"]
    pk = late_transfer.pk
    # Late, not yet beyond the threshold: on no board's escalation list (the community owns it).
    before = deadline + dt.timedelta(hours=6) - MINUTE
    assert escalated(street, before) == [] and escalated(district, before) == [] and escalated(command, before) == []
    # Just beyond: raised to the street.
    after = deadline + dt.timedelta(hours=6) + MINUTE
    assert escalated(street, after) == [pk]
    assert escalated(district, after) == [] and escalated(command, after) == []
    # A second period: the district.
    assert escalated(district, deadline + dt.timedelta(hours=12) - MINUTE) == []
    assert escalated(district, deadline + dt.timedelta(hours=12) + MINUTE) == [pk]
    assert escalated(street, deadline + dt.timedelta(hours=12) + MINUTE) == [pk]  # it passed through the street
    # A third: the command.
    assert escalated(command, deadline + dt.timedelta(hours=18) - MINUTE) == []
    assert escalated(command, deadline + dt.timedelta(hours=18) + MINUTE) == [pk]


def test_the_threshold_follows_the_policy(late_transfer, users):
    PolicyParameter.objects.filter(key=board.ESCALATION_RULE).update(value=2)
    deadline = late_transfer.deadline_at
    assert escalated(users["street"], deadline + dt.timedelta(hours=2) - MINUTE) == []
    assert escalated(users["street"], deadline + dt.timedelta(hours=2) + MINUTE) == [late_transfer.pk]


def test_the_street_board_shows_it_with_its_owner(client, late_transfer, users, city):
    client.force_login(users["street"])
    with time_machine.travel(late_transfer.deadline_at + dt.timedelta(hours=7), tick=False):
        html = client.get(reverse("reports:home")).content.decode()
        owners = board.late_by_owner(user=users["street"], now=late_transfer.deadline_at + dt.timedelta(hours=7))
    assert 'data-escalated="cases.transfers_overdue"' in html
    assert city.home.community.name in html and reverse("cases:case_detail", args=[late_transfer.case_id]) in html
    assert [(o.level, o.place_id, o.count, o.escalated) for o in owners] == [("community", city.home.community.pk, 1, 1)]
    assert owners[0].hours == 7.0
