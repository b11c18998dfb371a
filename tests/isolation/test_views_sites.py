"""The isolation-site pages: occupancy at a glance, a site's room plan by floor (coloured by state),
rooms and staff, the daily checklist with its gaps, incidents — each limited to what the user sees
(a site its own; outside → 404) and to what the role may do (403)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from fangkong.isolation.models import IsolationSite, Room, SiteDailyChecklist, SiteIncident, SiteStaff
from fangkong.isolation.services import incident_record

from .factories import local
from .pages import HTMX, as_user, checked_in, in_transit, released


def states(html: str) -> dict[str, str]:
    """Room number → the state the room plan colours it by."""
    return dict(re.findall(r'data-room="(\w+)" data-state="(\w+)"', html))


# ---- occupancy at a glance ----


def test_the_site_list_shows_each_site_the_user_sees(client, setup, users):
    checked_in(users["command"], setup.family[0], setup.site, "401")
    response = as_user(client, users["command"]).get(reverse("isolation:site_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert setup.site.name in html and setup.other_site.name in html
    assert 'data-people="1"' in html
    # the site's staff see their own site and nothing of the other one
    html = as_user(client, setup.site_user).get(reverse("isolation:site_list")).content.decode()
    assert setup.site.name in html and setup.other_site.name not in html


def test_a_user_without_jurisdiction_sees_no_site(client, setup, users):
    response = as_user(client, users["nogrant"]).get(reverse("isolation:site_list"))
    html = response.content.decode()
    assert response.status_code == 200 and setup.site.name not in html
    assert "没有分配管辖范围" in html


def test_the_nav_has_the_isolation_entry(client, setup, users):
    html = as_user(client, users["community"]).get(reverse("reports:home")).content.decode()
    assert reverse("isolation:site_list") in html and "集中隔离" in html


# ---- one site ----


def test_the_room_plan_is_coloured_by_state_per_floor(client, setup, users):
    cmd = users["command"]
    for p in setup.family:
        checked_in(cmd, p, setup.site, "401")
    checked_in(cmd, setup.lone[0], setup.site, "402")
    released(cmd, setup.lone[1], setup.site, "301")
    in_transit(cmd, setup.lone[2], setup.site)
    response = as_user(client, setup.site_user).get(reverse("isolation:site_detail", args=[setup.site.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert states(html) == {
        "301": "handover",
        "302": "free",
        "303": "free",
        "401": "full",
        "402": "partial",
        "501": "free",
    }
    assert [f for f, _cells in response.context["floors"]] == [3, 4, 5]
    assert setup.family[0].name in html and setup.family[0].id_masked in html
    arriving = response.context["arriving"]
    assert [e.person_id for e in arriving] == [setup.lone[2].pk]
    # only masked ID numbers on the page
    assert setup.family[0].id_masked in html and "**" in setup.family[0].id_masked


def test_another_sites_staff_get_404(client, setup, users):
    checked_in(users["command"], setup.family[0], setup.site, "401")
    c = as_user(client, setup.other_site_user)
    for name in ("site_detail", "room_grid", "checklist", "day_sheet", "room_add", "incident_create"):
        assert c.get(reverse(f"isolation:{name}", args=[setup.site.pk])).status_code == 404, name
    assert c.get(reverse("isolation:site_detail", args=[setup.other_site.pk])).status_code == 200


def test_the_room_grid_fragment_refreshes_alone(client, setup, users):
    checked_in(users["command"], setup.family[0], setup.site, "401")
    response = as_user(client, setup.site_user).get(reverse("isolation:room_grid", args=[setup.site.pk]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="room-grid"') and "<html" not in html
    assert states(html)["401"] == "partial"


# ---- new sites, rooms, staff ----


def test_a_district_office_creates_a_site_then_adds_rooms(client, city, setup, users):
    c = as_user(client, users["district"])
    response = c.post(
        reverse("isolation:site_create"),
        {"name": "汉庭酒店隔离点", "kind": "hotel", "community": city.home.community.pk, "capacity": "40", "address": "新华大街 1 号"},
    )
    site = IsolationSite.objects.get(name="汉庭酒店隔离点")
    assert response.status_code == 302 and response["Location"] == reverse("isolation:room_add", args=[site.pk])
    response = c.post(reverse("isolation:room_add", args=[site.pk]), {"floors": "7-8", "per_floor": "3", "room_type": "double"})
    assert response.status_code == 302
    rooms = list(Room.objects.filter(site=site).order_by("number").values_list("number", "capacity"))
    assert rooms == [("701", 2), ("702", 2), ("703", 2), ("801", 2), ("802", 2), ("803", 2)]


def test_a_refused_site_shows_the_refusal_next_to_the_field(client, city, setup, users):
    c = as_user(client, users["district"])
    response = c.post(reverse("isolation:site_create"), {"name": setup.site.name, "kind": "hotel", "community": city.home.community.pk})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-refused="name"' in html and "已存在" in html and 'data-rule="isolation.site_unique_name"' in html
    # a community outside the office's district is not even offered
    response = c.post(reverse("isolation:site_create"), {"name": "新隔离点", "kind": "hotel", "community": city.elsewhere.community.pk})
    assert response.status_code == 422 and 'data-refused="community"' in response.content.decode()
    assert not IsolationSite.objects.filter(name="新隔离点").exists()


def test_rooms_are_added_all_or_nothing(client, setup, users):
    c = as_user(client, setup.site_user)
    response = c.post(reverse("isolation:room_add", args=[setup.site.pk]), {"floors": "2-3", "per_floor": "3", "room_type": "single"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-refused="floors"' in html and "301 重复" in html
    assert Room.objects.filter(site=setup.site).count() == 6
    response = c.post(reverse("isolation:room_add", args=[setup.site.pk]), {"floors": "3-a", "per_floor": "3", "room_type": "single"})
    assert response.status_code == 422 and "楼层格式有误" in response.content.decode()


def test_roles_without_the_capability_are_refused(client, setup, users):
    c = as_user(client, users["community"])
    assert c.get(reverse("isolation:site_create")).status_code == 403
    assert c.get(reverse("isolation:room_add", args=[setup.site.pk])).status_code == 403
    assert c.post(reverse("isolation:staff_add", args=[setup.site.pk]), {"name": "张三", "duty": "medical"}).status_code == 403
    assert c.post(reverse("isolation:checklist", args=[setup.site.pk]), {"day": "2022-11-14"}).status_code == 403
    assert c.get(reverse("isolation:incident_create", args=[setup.site.pk])).status_code == 403
    # … but may look at the site of its community
    assert c.get(reverse("isolation:site_detail", args=[setup.site.pk])).status_code == 200
    assert not SiteStaff.objects.exists()


def test_staff_are_added_in_place_with_htmx(client, setup, users):
    c = as_user(client, setup.site_user)
    url = reverse("isolation:staff_add", args=[setup.site.pk])
    response = c.post(url, {"name": "王医生", "duty": "medical", "phone": "13900000000"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="staff"' in html and "王医生" in html and "<html" not in html
    response = c.post(url, {"name": "", "duty": "medical"}, **HTMX)
    assert response.status_code == 422 and 'data-refused="name"' in response.content.decode()
    # without JavaScript: POST, then back to the site page
    response = c.post(url, {"name": "李保洁", "duty": "cleaning"})
    assert response.status_code == 302 and SiteStaff.objects.filter(site=setup.site).count() == 2


# ---- the daily checklist ----


def checklist_post(**extra) -> dict:
    data = {
        "day": "2022-11-15",
        "cleaning_done": "on",
        "disinfection_done": "on",
        "meals_breakfast_rooms": "1",
        "meals_lunch_rooms": "1",
        "meals_dinner_rooms": "1",
        "staff_on_duty": "4",
        "staff_health_checked": "4",
        "staff_unwell": "0",
        "note": "",
    }
    return data | extra


def test_the_checklist_flags_gaps_and_lists_missing_days(client, setup, users):
    for p in setup.family:
        checked_in(users["command"], p, setup.site, "401")
    c = as_user(client, setup.site_user)
    url = reverse("isolation:checklist", args=[setup.site.pk])
    response = c.post(url + "?day=2022-11-15", checklist_post(meals_dinner_rooms="0", disinfection_done=""))
    assert response.status_code == 302
    saved = SiteDailyChecklist.objects.get(site=setup.site)
    assert saved.occupied_rooms == 1 and {g["code"] for g in saved.gaps} == {"meals", "disinfection"}
    response = c.get(url + "?day=2022-11-15")
    html = response.content.decode()
    assert 'data-gap="meals"' in html and 'data-gap="disinfection"' in html
    assert 'data-gap="not_recorded"' in html  # the last two weeks: every day without a checklist is a gap
    # a refusal from the service goes next to its field
    response = c.post(url, checklist_post(staff_health_checked="9"))
    assert response.status_code == 422 and 'data-refused="staff_health_checked"' in response.content.decode()


def test_the_checklist_board_puts_sites_with_gaps_first(client, setup, users):
    checked_in(users["command"], setup.family[0], setup.site, "401")
    c = as_user(client, users["command"])
    c.post(reverse("isolation:checklist", args=[setup.other_site.pk]), checklist_post(meals_breakfast_rooms="0"))
    c.post(reverse("isolation:checklist", args=[setup.site.pk]), checklist_post(meals_breakfast_rooms="0"))
    response = c.get(reverse("isolation:checklist_board") + "?day=2022-11-15")
    rows = response.context["rows"]
    # the other site has nobody in: no breakfast was due, nothing missing
    assert [(r.site.pk, [g["code"] for g in r.gaps]) for r in rows] == [(setup.site.pk, ["meals"]), (setup.other_site.pk, [])]
    response = c.get(reverse("isolation:checklist_board") + "?day=2022-11-16")
    assert [r.gaps[0]["code"] for r in response.context["rows"]] == ["not_recorded", "not_recorded"]
    assert setup.other_site.name not in as_user(client, setup.site_user).get(reverse("isolation:checklist_board")).content.decode()


# ---- incidents ----


def test_an_incident_is_recorded_and_resolved_in_place(client, setup, users):
    checked_in(users["command"], setup.family[0], setup.site, "401")
    c = as_user(client, setup.site_user)
    room = Room.objects.get(site=setup.site, number="401")
    response = c.post(
        reverse("isolation:incident_create", args=[setup.site.pk]),
        {"kind": "left_room", "severity": "low", "occurred_at": "2022-11-15T16:20", "room": room.pk, "description": "开门取外卖"},
    )
    assert response.status_code == 302
    incident = SiteIncident.objects.get(site=setup.site)
    assert incident.room == room
    html = c.get(reverse("isolation:incident_list")).content.decode()
    assert f'data-incident="{incident.pk}"' in html and "401" in html
    url = reverse("isolation:incident_resolve", args=[incident.pk])
    response = c.post(url, {f"i{incident.pk}-resolution": ""}, **HTMX)
    assert response.status_code == 422 and 'data-refused="resolution"' in response.content.decode()
    response = c.post(url, {f"i{incident.pk}-resolution": "已劝返"}, **HTMX)
    assert response.status_code == 200 and 'data-resolved="1"' in response.content.decode()
    incident.refresh_from_db()
    assert incident.resolved_at is not None
    # resolved incidents leave the default (open) list
    assert f'data-incident="{incident.pk}"' not in c.get(reverse("isolation:incident_list")).content.decode()


def test_incidents_of_another_site_are_out_of_reach(client, setup, users):
    incident = incident_record(
        actor=users["command"], site=setup.other_site, kind="complaint", description="投诉", occurred_at=local(2022, 11, 15, 12)
    )
    c = as_user(client, setup.site_user)
    assert f'data-incident="{incident.pk}"' not in c.get(reverse("isolation:incident_list")).content.decode()
    response = c.post(reverse("isolation:incident_resolve", args=[incident.pk]), {f"i{incident.pk}-resolution": "x"})
    assert response.status_code == 404
    assert c.get(reverse("isolation:incident_list") + f"?site={setup.other_site.pk}").status_code == 404


@pytest.mark.parametrize("name", ["site_list", "checklist_board", "incident_list", "figures"])
def test_pages_need_a_login(client, name):
    response = client.get(reverse(f"isolation:{name}"))
    assert response.status_code == 302 and "login" in response["Location"]
