"""Handover (手递手) and the home phase on the pages: the receiving community sees the handovers
coming to it and confirms them (a site only its own, and may not confirm for the community); to
another city the site confirms, naming the receiver; then home isolation with the daily check, the
home tests and completion — refusals next to the field, each with its rule."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.core.roles import Role
from fangkong.isolation.choices import EpisodeStatus, HandoverStatus
from fangkong.isolation.models import Handover, HomeCheck, IsolationEpisode, RoomStay
from fangkong.isolation.services import (
    RoomSpec,
    episode_check_in,
    home_check_record,
    inbound_register,
    release_order,
)
from fangkong.results.choices import Result

from ..factories import make_user
from .factories import local, make_site, make_site_user, record_central, room, sample_time
from .pages import HTMX, as_user, at_home, handed_over, home_test, released


@pytest.fixture
def handovers(setup, users):
    """A pending handover to the home community (family[0] at the site) and one to 回民区 (the other site)."""
    return released(users["command"], setup.family[0], setup.site, "401"), released(
        users["command"], setup.elsewhere, setup.other_site, "301"
    )


def listed(response) -> list[int]:
    return [h.pk for h in response.context["page_obj"].object_list]


# ---- pending handovers ----


def test_each_side_sees_its_own_pending_handovers(client, setup, users, city, handovers):
    home, away = handovers
    url = reverse("isolation:handover_list")
    assert listed(as_user(client, users["community"]).get(url)) == [home.pk]
    assert listed(as_user(client, users["street"]).get(url)) == [home.pk]
    assert listed(as_user(client, setup.site_user).get(url)) == [home.pk]
    assert listed(as_user(client, setup.other_site_user).get(url)) == [away.pk]
    assert listed(as_user(client, users["nogrant"]).get(url)) == []
    assert sorted(listed(as_user(client, users["command"]).get(url))) == sorted([home.pk, away.pk])
    # the site waits for the community: no confirm button for it
    html = as_user(client, setup.site_user).get(url).content.decode()
    assert "等待接收社区确认" in html and f'action="{reverse("isolation:handover_confirm", args=[home.pk])}"' not in html
    html = as_user(client, users["community"]).get(url).content.decode()
    assert f'action="{reverse("isolation:handover_confirm", args=[home.pk])}"' in html
    assert setup.family[0].id_masked in html and 'name="viewport"' in html


def test_the_community_confirms_in_place(client, setup, users, handovers):
    home, _away = handovers
    response = as_user(client, users["community"]).post(
        reverse("isolation:handover_confirm", args=[home.pk]),
        {f"h{home.pk}-receiver_name": "迎宾南路社区 李书记", f"h{home.pk}-receiver_phone": "13800000000", f"h{home.pk}-note": ""},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="card') and 'data-status="confirmed"' in html and "已确认接收" in html
    home.refresh_from_db()
    assert home.status == HandoverStatus.CONFIRMED and home.receiver_name == "迎宾南路社区 李书记"
    assert IsolationEpisode.objects.get(pk=home.episode_id).status == EpisodeStatus.HANDED_OVER
    assert not RoomStay.objects.filter(episode_id=home.episode_id, ended_at__isnull=True).exists()  # the room is free


def test_only_the_receiving_side_may_confirm(client, setup, users, city, handovers):
    home, away = handovers
    data = {f"h{home.pk}-receiver_name": "x", f"h{home.pk}-receiver_phone": "13800000000"}
    url = reverse("isolation:handover_confirm", args=[home.pk])
    assert as_user(client, setup.site_user).post(url, data).status_code == 403  # the site cannot confirm its own handover
    outsider = make_user("outsider", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    assert as_user(client, outsider).post(url, data).status_code == 404
    assert as_user(client, users["grid"]).post(url, data).status_code == 404
    assert Handover.objects.get(pk=home.pk).status == HandoverStatus.PENDING
    # confirming from the person's page returns there
    response = as_user(client, users["street"]).post(url, data | {"return_to": "episode"})
    assert response.status_code == 302 and response["Location"] == reverse("isolation:episode_detail", args=[home.episode_id])


def test_to_another_city_the_site_confirms_naming_the_receiver(client, city, setup, users):
    port = make_site(users["command"], city.home.community, name="白塔机场入境人员隔离点", rooms=[RoomSpec("101")], receives_inbound=True)
    port_user = make_site_user("port", port)
    from tests.factories import make_person

    traveller = make_person(None, "过境旅客")
    arrival = inbound_register(
        actor=port_user, person=traveller, mode="flight", number="CA123", origin="首尔", port_of_entry="白塔机场",
        arrived_at=local(2022, 11, 14, 8), entry_site=port, destination="包头市昆都仑区",
    )  # fmt: skip
    e = episode_check_in(actor=port_user, episode=arrival.episode, room=room(port, "101"), at=local(2022, 11, 14, 12))
    record_central(port_user, e)
    release_order(actor=port_user, episode=e, at=local(2022, 11, 19, 9), to_locality="包头市昆都仑区", transport_mode="rail")
    h = Handover.objects.get(episode=e)
    c = as_user(client, port_user)
    assert listed(c.get(reverse("isolation:handover_list"))) == [h.pk]
    url = reverse("isolation:handover_confirm", args=[h.pk])
    response = c.post(url, {f"h{h.pk}-receiver_name": ""}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-refused="receiver_name"' in html and 'data-rule="isolation.handover_receiver"' in html
    response = c.post(url, {f"h{h.pk}-receiver_name": "包头市昆区防控办 张三"}, **HTMX)
    assert response.status_code == 422  # a receiver without a phone to reach them
    assert 'data-refused="receiver_phone"' in response.content.decode()
    response = c.post(url, {f"h{h.pk}-receiver_name": "包头市昆区防控办 张三", f"h{h.pk}-receiver_phone": "0472-5123456"}, **HTMX)
    assert response.status_code == 200
    assert IsolationEpisode.objects.get(pk=e.pk).status == EpisodeStatus.COMPLETED
    # nobody in the city's communities is asked to confirm it
    assert listed(as_user(client, users["community"]).get(reverse("isolation:handover_list"))) == []


# ---- home isolation ----


def test_home_list_arrival_home_then_the_daily_check(client, setup, users):
    e = handed_over(users["command"], users["community"], setup.family[0], setup.site, "401")
    c = as_user(client, users["community"])
    response = c.get(reverse("isolation:home_list"))
    assert [r.pk for r in response.context["rows"]] == [e.pk]
    assert reverse("isolation:home_start", args=[e.pk]) in response.content.decode()
    response = c.post(reverse("isolation:home_start", args=[e.pk]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="card') and 'data-status="home_isolation"' in html and 'data-check="todo"' in html
    url = reverse("isolation:home_check", args=[e.pk])
    response = c.post(url, {f"c{e.pk}-at_home": "on", f"c{e.pk}-temperature": "45"}, **HTMX)
    assert response.status_code == 422 and 'data-refused="temperature"' in response.content.decode()
    response = c.post(url, {f"c{e.pk}-at_home": "on", f"c{e.pk}-temperature": "36.6"}, **HTMX)
    assert response.status_code == 200 and 'data-check="done"' in response.content.decode()
    assert HomeCheck.objects.filter(episode=e).count() == 1
    # one check a day: a second one is refused with the rule
    response = c.post(url, {f"c{e.pk}-at_home": "on", f"c{e.pk}-temperature": "36.6"}, **HTMX)
    assert response.status_code == 422 and 'data-rule="isolation.home_daily_check"' in response.content.decode()


def test_home_tests_and_completion(client, setup, users):
    e = at_home(users["command"], users["community"], setup.family[0], setup.site, "401")
    c = as_user(client, users["grid"])  # the grid worker of the person's grid may do it too
    url = reverse("isolation:episode_complete", args=[e.pk])
    response = c.post(url, **HTMX)
    assert response.status_code == 422 and 'data-rule="close_contact.home_test_days"' in response.content.decode()
    for day in (1, 3):
        t = home_test(e, day)
        data = {
            f"t{t.pk}-result": Result.NEGATIVE,
            f"t{t.pk}-sampled_at": sample_time(t).strftime("%Y-%m-%dT%H:%M"),
            "return_to": "home",
        }
        response = c.post(reverse("isolation:test_result", args=[t.pk]), data, **HTMX)
        assert response.status_code == 200, response.content.decode()[:500]
    response = c.post(url, **HTMX)
    assert response.status_code == 422 and 'data-rule="isolation.home_daily_check"' in response.content.decode()
    for d in (19, 20, 21):
        home_check_record(actor=users["community"], episode=e, at=local(2022, 11, d, 16), temperature="36.5")
    response = c.post(url)  # without JavaScript
    assert response.status_code == 302
    assert IsolationEpisode.objects.get(pk=e.pk).status == EpisodeStatus.COMPLETED
    assert as_user(client, users["community"]).get(reverse("isolation:home_list")).context["rows"] == []


def test_home_phase_is_for_the_persons_community(client, city, setup, users):
    e = at_home(users["command"], users["community"], setup.family[0], setup.site, "401")
    outsider = make_user("outsider", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    c = as_user(client, outsider)
    assert c.get(reverse("isolation:home_list")).context["rows"] == []
    assert c.post(reverse("isolation:home_check", args=[e.pk]), {f"c{e.pk}-at_home": "on"}).status_code == 404
    # the site's staff may not record home checks (no handover capability)
    assert as_user(client, setup.site_user).post(reverse("isolation:home_check", args=[e.pk]), {}).status_code == 403
    assert as_user(client, setup.site_user).post(reverse("isolation:episode_complete", args=[e.pk])).status_code == 403


def test_the_home_list_todo_filter(client, setup, users):
    a = at_home(users["command"], users["community"], setup.family[0], setup.site, "401")
    b = handed_over(users["command"], users["community"], setup.family[1], setup.site, "401")
    c = as_user(client, users["community"])
    c.post(reverse("isolation:home_check", args=[a.pk]), {f"c{a.pk}-at_home": "on"})
    response = c.get(reverse("isolation:home_list") + "?show=todo")
    # a is checked today but its home tests (in Nov 2022) are still due; b is not home yet
    assert {r.pk for r in response.context["rows"]} == {a.pk, b.pk}
    assert response.context["to_check"] == 0 and response.context["arriving"] == 1


def test_a_handover_is_refused_without_the_receivers_name_or_phone(client, setup, users, handovers):
    """Issue 13: confirmed with an empty receiver name and phone. Each is refused, naming its field."""
    home, _away = handovers
    url = reverse("isolation:handover_confirm", args=[home.pk])
    c = as_user(client, users["community"])
    for name, phone, field in (("", "", "receiver_name"), ("  ", "13800000000", "receiver_name"), ("李书记", "", "receiver_phone"),
                               ("李书记", "12345", "receiver_phone")):  # fmt: skip
        response = c.post(url, {f"h{home.pk}-receiver_name": name, f"h{home.pk}-receiver_phone": phone}, **HTMX)
        assert response.status_code == 422, (name, phone)
        assert f'data-refused="{field}"' in response.content.decode()
    assert Handover.objects.get(pk=home.pk).status == HandoverStatus.PENDING
