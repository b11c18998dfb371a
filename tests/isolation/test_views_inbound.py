"""Inbound travellers on the pages (registered at the entry-point site: 5+3 by policy, then a closed
loop to the destination) and the day's figures — both limited to the user's jurisdiction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fangkong.core.crypto import decrypt
from fangkong.geo.idnumbers import make_resident_id
from fangkong.geo.models import Person
from fangkong.isolation.choices import EpisodeKind, TestPhase
from fangkong.isolation.models import InboundArrival, ScheduledTest
from fangkong.isolation.services import RoomSpec

from .factories import local, make_site, make_site_user, room
from .pages import as_user, checked_in, released, waiting


@pytest.fixture
def port(city, users, profile):
    site = make_site(users["command"], city.home.community, name="白塔机场入境人员隔离点", rooms=[RoomSpec("101"), RoomSpec("102")],
                     receives_inbound=True)  # fmt: skip
    return site, make_site_user("port", site)


def arrival_post(site, **extra) -> dict:
    data = {
        "id_type": "resident_id",
        "id_number": make_resident_id("110105", dt.date(1990, 3, 7), 123),
        "name": "归国旅客",
        "sex": "",
        "phone": "",
        "mode": "flight",
        "number": "CA8201",
        "origin": "首尔",
        "port_of_entry": "呼和浩特白塔国际机场",
        "arrived_at": "2022-11-14T07:30",
        "entry_site": site.pk,
        "destination_community": "",
        "destination": "北京市朝阳区",
    }
    return data | extra


def test_a_new_traveller_is_registered_with_the_arrival(client, port, users):
    site, staff = port
    form = as_user(client, staff).get(reverse("isolation:arrival_create")).content.decode()
    assert "现行政策（优化防控二十条措施）：集中隔离 5 天 + 居家 3 天" in form and "twenty-measures" not in form  # its name, not its code
    response = as_user(client, staff).post(reverse("isolation:arrival_create"), arrival_post(site))
    arrival = InboundArrival.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("isolation:episode_detail", args=[arrival.episode_id])
    assert arrival.person.name == "归国旅客" and arrival.person.household_id is None
    assert arrival.episode.kind == EpisodeKind.INBOUND and arrival.episode.site == site and arrival.episode.isolate_by is not None
    # 5+3 under the 20 measures, from check-in at the entry point
    from fangkong.isolation.services import episode_check_in

    episode_check_in(actor=staff, episode=arrival.episode, room=room(site, "101"), at=local(2022, 11, 14, 12))
    central = ScheduledTest.objects.filter(episode=arrival.episode, phase=TestPhase.CENTRAL).values_list("day_number", flat=True)
    assert sorted(central) == [1, 2, 3, 5]
    html = as_user(client, staff).get(reverse("isolation:arrival_list")).content.decode()
    assert "CA8201" in html and "首尔" in html and arrival.person.id_masked in html


def test_a_resident_coming_home_is_found_by_document_and_seen_by_the_community(client, port, setup, users, city):
    site, staff = port
    person = setup.lone[0]
    people = Person.objects.count()
    data = arrival_post(site, id_number=decrypt(person.id_cipher), name="", destination_community=city.home.community.pk, destination="")
    response = as_user(client, staff).post(reverse("isolation:arrival_create"), data)
    assert response.status_code == 302
    arrival = InboundArrival.objects.get()
    assert arrival.person == person and arrival.destination_community == city.home.community
    assert Person.objects.count() == people  # found in the registry: nobody new
    listed = as_user(client, users["community"]).get(reverse("isolation:arrival_list")).context["page_obj"].object_list
    assert [a.pk for a in listed] == [arrival.pk]
    assert list(as_user(client, setup.site_user).get(reverse("isolation:arrival_list")).context["page_obj"].object_list) == []


def test_refusals_go_next_to_their_fields(client, port, setup, users):
    site, staff = port
    c = as_user(client, staff)
    response = c.post(reverse("isolation:arrival_create"), arrival_post(site, name=""))
    assert response.status_code == 422 and 'data-refused="name"' in response.content.decode()
    response = c.post(reverse("isolation:arrival_create"), arrival_post(site, destination=""))
    assert response.status_code == 422 and 'data-refused="destination"' in response.content.decode()
    # a site that does not receive inbound travellers is not offered
    response = as_user(client, setup.site_user).post(reverse("isolation:arrival_create"), arrival_post(setup.site))
    assert response.status_code == 422 and 'data-refused="entry_site"' in response.content.decode()
    assert not InboundArrival.objects.exists() and not Person.objects.filter(name="归国旅客").exists()
    assert as_user(client, users["community"]).get(reverse("isolation:arrival_create")).status_code == 403


# ---- figures ----


def test_the_days_figures(client, setup, users):
    cmd = users["command"]
    for p in setup.family:
        checked_in(cmd, p, setup.site, "401")
    checked_in(cmd, setup.elsewhere, setup.other_site, "301")
    waiting(cmd, setup.stranger)  # identified 14 Nov 20:00, never isolated
    response = as_user(client, cmd).get(reverse("isolation:figures") + "?day=2022-11-14")
    assert response.status_code == 200
    f = response.context["f"]
    assert f.identified_total == 4 and f.checked_in == 3 and f.overdue_now == 1
    assert f.in_isolation_by_site == {setup.site.name: 2, setup.other_site.name: 1}
    html = response.content.decode()
    assert 'id="sites-chart"' in html and 'id="figures-data"' in html and 'id="delay"' in html
    assert 'id="contacts"' in html  # the 流调 part (no contact recorded here: zeros)
    # the community's figures are its own residents'
    f = as_user(client, users["community"]).get(reverse("isolation:figures") + "?day=2022-11-14").context["f"]
    assert f.identified_total == 3 and f.in_isolation_by_site == {setup.site.name: 2}
    # a future or malformed day falls back to today
    response = as_user(client, cmd).get(reverse("isolation:figures") + "?day=2999-01-01")
    assert response.status_code == 200 and response.context["next_day"] is None


def test_figures_count_releases_and_handovers(client, setup, users):
    released(users["command"], setup.family[0], setup.site, "401")
    f = as_user(client, setup.site_user).get(reverse("isolation:figures") + "?day=2022-11-19").context["f"]
    assert f.released == 1 and f.pending_handovers == 1
    assert as_user(client, setup.other_site_user).get(reverse("isolation:figures") + "?day=2022-11-19").context["f"].released == 0
