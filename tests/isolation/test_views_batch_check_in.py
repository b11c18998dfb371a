"""入住所选 on the 日清日结 board: the ticked people, each to the room number typed on their row, at one
site — all or nothing (services.episodes_check_in_bulk), every refusal shown on its row."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.isolation.choices import EpisodeStatus
from fangkong.isolation.models import IsolationEpisode, RoomStay, ScheduledTest

from .pages import as_user, in_transit

pytestmark = pytest.mark.django_db

CHECK_IN_AT = "2022-11-14T23:00"


def post(client, user, site, rooms: dict, **extra):
    data = {"site": site.pk, "at": CHECK_IN_AT, "episode": [e.pk for e in rooms], **extra}
    data.update({f"room_{e.pk}": number for e, number in rooms.items()})
    return as_user(client, user).post(reverse("isolation:awaiting_check_in"), data)


def test_the_board_offers_the_batch_to_managers_only(client, setup, users):
    going = in_transit(users["command"], setup.family[0], setup.site)
    html = as_user(client, setup.site_user).get(reverse("isolation:awaiting_board")).content.decode()
    assert 'id="batch-check-in"' in html and f'name="room_{going.pk}"' in html
    html = as_user(client, users["community"]).get(reverse("isolation:awaiting_board")).content.decode()
    assert 'id="batch-check-in"' not in html and f'name="room_{going.pk}"' not in html


def test_checking_in_the_selected_people(client, setup, users):
    a, b = (in_transit(users["command"], p, setup.site) for p in setup.family)
    c = in_transit(users["command"], setup.lone[0], setup.site)
    response = post(client, setup.site_user, setup.site, {a: "401", b: "401", c: "301"})
    assert response.status_code == 302 and response.url == reverse("isolation:awaiting_board")
    assert set(IsolationEpisode.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("status", flat=True)) == {EpisodeStatus.CHECKED_IN}
    assert RoomStay.objects.filter(room__number="401", room__site=setup.site, ended_at__isnull=True).count() == 2
    assert ScheduledTest.objects.filter(episode=c).count() == 6
    board = as_user(client, setup.site_user).get(reverse("isolation:awaiting_board"))
    assert list(board.context["page_obj"].object_list) == []


def test_a_refusal_is_shown_on_its_row_and_nothing_is_written(client, setup, users):
    a = in_transit(users["command"], setup.family[0], setup.site)
    stranger = in_transit(users["command"], setup.stranger, setup.site)
    lone = in_transit(users["command"], setup.lone[0], setup.site)
    response = post(client, setup.site_user, setup.site, {a: "301", stranger: "301", lone: "999"})
    assert response.status_code == 200
    html = response.content.decode()
    # The room that does not exist is a format problem: reported first, on its row.
    assert f'data-row-error="{lone.pk}"' in html and "999" in html
    response = post(client, setup.site_user, setup.site, {a: "301", stranger: "301", lone: "302"})
    html = response.content.decode()
    assert f'data-row-error="{stranger.pk}" data-rule="isolation.room_one_party"' in html
    assert "（isolation.room_one_party）" not in html  # the rule's code stays out of the text
    assert f'data-row-error="{a.pk}"' not in html
    # What was typed stays, ticked and filled in.
    assert f'name="room_{lone.pk}" value="302"' in html
    assert not RoomStay.objects.exists()
    # A row without a room number, and nothing ticked.
    html = post(client, setup.site_user, setup.site, {a: ""}).content.decode()
    assert f'data-row-error="{a.pk}"' in html
    html = as_user(client, setup.site_user).post(reverse("isolation:awaiting_check_in"), {"site": setup.site.pk}).content.decode()
    assert "请勾选要入住的人员" in html
    assert not RoomStay.objects.exists()


def test_only_managers_at_their_own_sites(client, setup, users):
    a = in_transit(users["command"], setup.family[0], setup.site)
    assert post(client, users["community"], setup.site, {a: "301"}).status_code == 403
    # Another site's staff cannot pick this site (not among their sites).
    response = post(client, setup.other_site_user, setup.site, {a: "301"})
    assert response.status_code == 200 and "该隔离点不在您的管辖范围内" in response.content.decode()
    assert not RoomStay.objects.exists()
