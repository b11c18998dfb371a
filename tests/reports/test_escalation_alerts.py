"""Escalation alerts (fangkong.reports.alerts): a transfer not admitted by its deadline is late; once
it is more than command.escalation_hours (6 h) past it, the board raises it from its community to the
street, and the street office is told — once, not before, not another district; 6 h later the
district office, then the command. The words name the step, the owner unit and how late, never the
person; the link opens the board's drill-down at the owner's place."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from fangkong.notifications.models import Mute, Notification
from fangkong.notifications.selectors import shown
from fangkong.notifications.services import deliver
from fangkong.policy.models import PolicyParameter
from fangkong.reports import board
from fangkong.reports.alerts import ESCALATED, ESCALATED_TO_COMMAND
from fangkong.reports.board_views import drill_url

from ..cases.factories import at, board_transfer, open_case
from ..factories import make_person, make_user

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def late_transfer(city, users):
    person = make_person(city.home.household, "待转运甲")
    return board_transfer(open_case(users["command"], person, confirmed_at=at(1)))


@pytest.fixture
def others(city):
    """The offices of 回民区 (another district) and its street: never told of the home district's items."""
    return [
        make_user("other-district", "district_office", [("district", city.elsewhere.district)]),
        make_user("other-street", "street_office", [("street", city.elsewhere.street)]),
    ]


def run(when: dt.datetime, since: dt.datetime | None = None):
    with time_machine.travel(when, tick=False):
        return deliver(now=when, since=since)


def told(rule: str = ESCALATED) -> dict[str, set[str]]:
    """event key → usernames notified of it."""
    out: dict[str, set[str]] = {}
    for key, username in Notification.objects.filter(rule=rule).values_list("event_key", "recipient__username"):
        out.setdefault(key, set()).add(username)
    return out


def recipients(rule: str = ESCALATED) -> set[str]:
    return set().union(*told(rule).values()) if Notification.objects.filter(rule=rule).exists() else set()


def test_not_before_the_threshold_then_the_street_office_only(late_transfer, users, others):
    deadline = late_transfer.deadline_at
    run(deadline + 6 * HOUR - MINUTE, since=deadline)  # late, not yet beyond the threshold
    assert recipients() == set() and recipients(ESCALATED_TO_COMMAND) == set()
    run(deadline + 6 * HOUR)  # exactly 6 h: not beyond (the board agrees: board.levels_up)
    assert recipients() == set()
    run(deadline + 6 * HOUR + MINUTE)
    # The street's board now shows it: its office is told; not the district (not raised to it yet),
    # not the command, not the community that owns it, not 回民区's offices.
    assert told() == {f"cases.transfers_overdue:{late_transfer.pk}:{deadline:%Y%m%d%H%M}:street": {"street"}}
    assert recipients(ESCALATED_TO_COMMAND) == set()
    with time_machine.travel(deadline + 6 * HOUR + MINUTE, tick=False):
        assert [e.item.pk for e in board.escalated_to(user=users["street"], now=deadline + 6 * HOUR + MINUTE)] == [late_transfer.pk]


def test_once_only_however_often_it_is_evaluated(late_transfer, users):
    deadline = late_transfer.deadline_at
    after = deadline + 6 * HOUR + MINUTE
    assert run(after, since=deadline).rules[0].rule  # the first run
    for minutes in (1, 2, 3):
        run(after + minutes * MINUTE)  # the overlap sees it again
    run(after + 4 * MINUTE, since=deadline - HOUR)  # and a backfill
    assert Notification.objects.filter(rule=ESCALATED, recipient=users["street"]).count() == 1
    assert Notification.objects.filter(rule=ESCALATED).count() == 1


def test_it_climbs_to_the_district_then_the_command_each_told_once(late_transfer, users, others):
    deadline = late_transfer.deadline_at
    run(deadline + 6 * HOUR + MINUTE, since=deadline)
    run(deadline + 12 * HOUR - MINUTE)
    assert recipients() == {"street"}
    run(deadline + 12 * HOUR + MINUTE)
    assert recipients() == {"street", "district"}
    assert Notification.objects.filter(rule=ESCALATED, recipient=users["street"]).count() == 1  # not again
    run(deadline + 18 * HOUR - MINUTE)
    assert recipients(ESCALATED_TO_COMMAND) == set()
    run(deadline + 18 * HOUR + MINUTE)
    assert recipients(ESCALATED_TO_COMMAND) == {"command"}
    assert recipients() == {"street", "district"}  # 回民区's offices never
    assert Notification.objects.filter(recipient__in=others).count() == 0


def test_a_worker_down_for_a_day_tells_every_level_reached_once(late_transfer, users):
    deadline = late_transfer.deadline_at
    run(deadline + 20 * HOUR, since=deadline - HOUR)
    assert recipients() == {"street", "district"} and recipients(ESCALATED_TO_COMMAND) == {"command"}
    assert Notification.objects.filter(rule__in=[ESCALATED, ESCALATED_TO_COMMAND]).count() == 3


def test_another_districts_item_reaches_only_its_own_offices(city, users, others):
    """Attack: the home district's and street's offices are never told of 回民区's escalations (an
    event lying in every place, or a rule at the city level, would tell them)."""
    person = city.elsewhere.household.members.first()
    transfer = board_transfer(open_case(users["command"], person, confirmed_at=at(1)))
    run(transfer.deadline_at + 12 * HOUR + MINUTE, since=transfer.deadline_at)
    assert recipients() == {"other-district", "other-street"}
    assert not Notification.objects.filter(rule=ESCALATED, recipient__in=[users["street"], users["district"]]).exists()


def test_an_item_raised_to_a_street_is_not_the_districts_yet(late_transfer, users):
    """The district office covers the street, yet the item shows on the street's board only: the
    district is told when it reaches its own board."""
    run(late_transfer.deadline_at + 7 * HOUR, since=late_transfer.deadline_at)
    assert not Notification.objects.filter(recipient=users["district"], rule=ESCALATED).exists()


def test_an_admitted_transfer_is_not_escalated(late_transfer, users):
    type(late_transfer).objects.filter(pk=late_transfer.pk).update(status="admitted")
    run(late_transfer.deadline_at + 20 * HOUR, since=late_transfer.deadline_at)
    assert recipients() == set() and recipients(ESCALATED_TO_COMMAND) == set()


def test_the_threshold_follows_the_policy(late_transfer, users):
    PolicyParameter.objects.filter(key=board.ESCALATION_RULE).update(value=2)
    deadline = late_transfer.deadline_at
    run(deadline + 2 * HOUR - MINUTE, since=deadline)
    assert recipients() == set()
    run(deadline + 2 * HOUR + MINUTE)
    assert recipients() == {"street"}


def test_a_muted_rule_reaches_nobody_who_muted_it(late_transfer, users):
    Mute.objects.create(user=users["street"], rule=ESCALATED)
    Mute.objects.create(user=users["command"], rule=ESCALATED_TO_COMMAND)
    run(late_transfer.deadline_at + 20 * HOUR, since=late_transfer.deadline_at)
    assert recipients() == {"district"} and recipients(ESCALATED_TO_COMMAND) == set()


def test_the_words_name_the_step_owner_and_lateness_never_the_person_and_link_the_drill_down(client, late_transfer, users, city, others):
    deadline = late_transfer.deadline_at
    when = deadline + 6 * HOUR + MINUTE
    run(when, since=deadline)
    n = Notification.objects.get(rule=ESCALATED, recipient=users["street"])
    assert "待转运甲" not in str(n.params)
    with translation.override("zh-hans"):
        zh = shown([n])[0]
    with translation.override("en"):
        en = shown([n])[0]
    community = city.home.community.name
    assert zh.title == "逾期事项升级" and community in zh.text and "快转" in zh.text and "超时未收治" in zh.text
    assert "6.0 小时" in zh.text and "街道" in zh.text
    assert en.title == "Overdue item escalated" and community in en.text and "6.0 h" in en.text
    assert "待转运甲" not in zh.text + en.text + n.url
    assert n.url == drill_url("cases.transfers_overdue", "community", city.home.community.pk)
    with time_machine.travel(when, tick=False):
        client.force_login(users["street"])
        page = client.get(n.url)
        assert page.status_code == 200 and reverse("cases:case_detail", args=[late_transfer.case_id]) in page.content.decode()
        client.force_login(others[0])  # 回民区's office, given the address: the same 404 as a missing place
        assert client.get(n.url).status_code == 404


def test_the_rules_are_on_each_office_roles_list(users):
    from fangkong.notifications.rules import rules

    assert ESCALATED in [r.key for r in rules.for_role("street_office")]
    assert ESCALATED in [r.key for r in rules.for_role("district_office")]
    assert ESCALATED_TO_COMMAND in [r.key for r in rules.for_role("command_centre")]
    assert ESCALATED not in [r.key for r in rules.for_role("community_worker")]
