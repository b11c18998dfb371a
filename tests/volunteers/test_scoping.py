"""Need-to-know: a coordinator sees the volunteers of their district (or of the organisation they are
granted), another district's answer 404; writes need volunteers.manage; a role without
volunteers.view sees no list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.core.errors import PermissionRefused
from fangkong.core.roles import Role
from fangkong.volunteers.services import volunteer_verify

from ..factories import make_user
from .conftest import at_hour


@pytest.fixture
def two(world):
    home = world.apply("本区志愿者")
    away = world.apply("外区志愿者", tree=world.city.elsewhere, organisation=world.organisation)
    return home, away


def test_a_district_coordinator_sees_their_district_only(client, world, two):
    home, away = two
    client.force_login(world.other)  # 回民区's coordinator: `away` lives there
    listed = client.get(reverse("volunteers:volunteer_list")).content.decode()
    assert "外区志愿者" in listed and "本区志愿者" not in listed
    assert client.get(reverse("volunteers:volunteer_detail", args=[home.pk])).status_code == 404
    assert client.post(reverse("volunteers:volunteer_verify", args=[home.pk])).status_code == 404
    with pytest.raises(PermissionRefused):
        volunteer_verify(actor=world.other, volunteer=home)


def test_an_organisation_coordinator_sees_their_organisations_volunteers_wherever_they_live(client, world, two):
    client.force_login(world.org_coordinator)
    listed = client.get(reverse("volunteers:volunteer_list")).content.decode()
    assert "外区志愿者" in listed and "本区志愿者" in listed  # both joined the 共青团 team
    unattached = world.apply("无组织者", organisation=None)
    unattached.organisation = None
    unattached.save(update_fields=["organisation"])
    assert client.get(reverse("volunteers:volunteer_detail", args=[unattached.pk])).status_code == 404


def test_points_and_needs_of_another_district_answer_404(client, world):
    need = world.need(at_hour(8), at_hour(12))
    client.force_login(world.other)
    assert client.get(reverse("volunteers:point_detail", args=[world.point.pk])).status_code == 404
    assert client.get(reverse("volunteers:need_detail", args=[need.pk])).status_code == 404
    assert "迎宾小区核酸采样点" not in client.get(reverse("volunteers:point_list")).content.decode()


def test_writes_need_the_capability(client, world, two):
    home, _away = two
    grid = make_user("wangge", Role.GRID_WORKER, [("grid", world.city.home.grid)])
    client.force_login(grid)
    assert client.get(reverse("volunteers:volunteer_list")).status_code == 403
    office = make_user("jiedao", Role.STREET_OFFICE, [("street", world.city.home.street)])
    client.force_login(office)  # may view (volunteers.view) but not decide
    assert client.get(reverse("volunteers:volunteer_detail", args=[home.pk])).status_code == 200
    assert client.post(reverse("volunteers:volunteer_verify", args=[home.pk])).status_code == 403
    assert client.post(reverse("volunteers:point_list"), {"form": "point", "name": "x", "kind": "gate"}).status_code == 403


def test_the_coordinator_lands_on_applications_and_short_needs(client, world, two):
    world.need(at_hour(9), at_hour(12), headcount=3)
    client.force_login(world.coordinator)
    home = client.get("/").content.decode()
    assert "待审核的志愿者报名" in home and "本区志愿者" in home and "外区志愿者" not in home
    assert "今日缺人的班次" in home and "缺 3 人" in home


def test_vehicles_and_trips_of_another_district_are_not_shown_and_recording_needs_the_capability(client, world):
    from fangkong.volunteers.models import TaskType
    from fangkong.volunteers.services import trip_add, vehicle_add

    van = vehicle_add(actor=world.coordinator, plate="蒙A99999", kind="van", organisation=world.organisation)
    trip_add(actor=world.coordinator, vehicle=van, started_at=at_hour(6), task_type=TaskType.objects.first(), kilometres="12")
    client.force_login(world.other)
    page = client.get(reverse("volunteers:fleet")).content.decode()
    assert "蒙A99999" not in page
    grid = make_user("wangge2", Role.GRID_WORKER, [("grid", world.city.home.grid)])
    client.force_login(grid)
    refused = client.post(reverse("volunteers:fleet"), {"form": "trip", "vehicle": van.pk, "kilometres": "5"})
    assert refused.status_code == 403 and van.trips.count() == 1
