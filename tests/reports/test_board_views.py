"""The board's pages: who lands on it, the fragment it polls, the drill-down's refusals, the owners'
table, and a staff name written as markup shown as text."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from fangkong.reports.models import BoardSnapshot

from ..cases.factories import at, board_transfer, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def late_transfer(city, users):
    case = open_case(users["command"], city.home.household.members.order_by("pk").first(), confirmed_at=at(1))
    return board_transfer(case)


@pytest.fixture
def after_deadline(late_transfer):
    with time_machine.travel(late_transfer.deadline_at + dt.timedelta(hours=3), tick=False):
        yield


@pytest.mark.parametrize(
    ("role", "shown"), [("command", True), ("district", True), ("street", True), ("community", False), ("grid", False)]
)
def test_the_offices_land_on_the_board(client, users, role, shown):
    client.force_login(users[role])
    html = client.get(reverse("reports:home")).content.decode()
    assert ('id="sankuai-board"' in html) is shown
    if shown:  # first: above the day's work and the overview
        assert html.index('id="sankuai-board"') < html.index('id="overview-cards"')


def test_the_board_polls_itself_as_a_fragment(client, users, late_transfer, after_deadline):
    client.force_login(users["district"])
    response = client.get(reverse("reports:board"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'hx-trigger="every 60s"' in html and 'hx-get="/board/"' in html
    assert 'data-figure="cases.transfers_overdue"' in html and "board-trends" in html
    page = client.get(reverse("reports:board")).content.decode()
    assert "<html" in page and "reports-board.js" in page


def test_the_drill_down_refuses_what_it_does_not_know(client, users):
    client.force_login(users["district"])
    url = reverse("reports:board_drill")
    assert client.get(url, {"figure": "cases.nothing"}).status_code == 404
    assert client.get(url, {"figure": "cases.transfers_overdue", "level": "household"}).status_code == 404
    assert client.get(url, {"figure": "cases.transfers_overdue", "level": "street", "place": "x"}).status_code == 404
    assert client.get(url, {"figure": "cases.transfers_overdue", "level": "city"}).status_code == 200


def test_a_district_drills_to_the_list_with_the_owner(client, users, city, late_transfer, after_deadline):
    client.force_login(users["district"])
    url = reverse("reports:board_drill")
    district = client.get(url, {"figure": "cases.transfers_overdue", "level": "district", "place": city.home.district.pk})
    assert city.home.street.name in district.content.decode()
    listing = client.get(url, {"figure": "cases.transfers_overdue", "level": "community", "place": city.home.community.pk})
    html = listing.content.decode()
    assert reverse("cases:case_detail", args=[late_transfer.case_id]) in html and city.home.community.name in html
    assert "王秀英" not in html  # the resident is not named
    owners = client.get(reverse("reports:board_owners")).content.decode()
    assert f'data-owner="community-{city.home.community.pk}"' in owners


def test_an_out_of_district_place_is_not_found(client, users, city):
    client.force_login(users["district"])
    url = reverse("reports:board_drill")
    response = client.get(url, {"figure": "cases.transfers_overdue", "level": "community", "place": city.elsewhere.community.pk})
    assert response.status_code == 404


def test_a_staff_name_written_as_markup_is_shown_as_text(client, users, city):
    """XSS: the person responsible is a staff member's name, typed by an administrator."""
    actor = users["command"]
    actor.full_name = '<script>alert("x")</script>'
    actor.save(update_fields=["full_name"])
    transfer = board_transfer(open_case(actor, city.home.household.members.order_by("pk").first(), confirmed_at=at(1)))
    client.force_login(users["district"])
    with time_machine.travel(transfer.deadline_at + dt.timedelta(hours=7), tick=False):
        html = client.get(
            reverse("reports:board_drill"), {"figure": "cases.transfers_overdue", "level": "community", "place": city.home.community.pk}
        ).content.decode()
        home = client.get(reverse("reports:home")).content.decode()
    assert '<script>alert("x")' not in html and "&lt;script&gt;alert(" in html
    assert '<script>alert("x")' not in home


# From test_board_snapshot.py, whose other tests share one demo city per module (this one has none).
@pytest.mark.usefixtures("beijing_afternoon")
def test_a_board_without_a_snapshot_asks_the_worker_once(client, users, settings, monkeypatch):
    """No usable snapshot: the board is drawn live and the worker is asked for one — once a minute,
    not by every drawing, and never built inside the request."""
    from django.core.cache import cache

    from fangkong.reports import tasks

    asked = []
    monkeypatch.setattr(tasks, "board_snapshot_now", lambda: asked.append(1))
    settings.HUEY = {**settings.HUEY, "immediate": False}
    cache.delete("reports:board-snapshot-asked")
    client.force_login(users["district"])
    for _ in range(3):
        assert client.get(reverse("reports:board")).status_code == 200
    assert asked == [1] and not BoardSnapshot.objects.exists()
    client.force_login(users["community"])
    cache.delete("reports:board-snapshot-asked")
    client.get(reverse("reports:board"))
    assert asked == [1]  # a community worker's board never reads a snapshot: nothing to ask
