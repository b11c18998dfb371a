"""A round's scope offers the sampling points of the places it covers and of their parents (issue 13,
item 1): a round scoped to a grid is sampled at the grid's own points and at the points of the
community that holds it; the empty state sends the user only to a page they can open."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.audit.models import AuditEvent
from fangkong.testing import events
from fangkong.testing.choices import PoolingMode
from fangkong.testing.models import SamplingPoint, TubeMember
from fangkong.testing.pooling import AreaIndex
from fangkong.testing.selectors import sampling_desk
from fangkong.testing.services import AreaSpec, tube_open

from .factories import make_point, make_round
from .test_views_sampling import id_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid_round(city, users):
    return make_round(users["command"], number=21, areas=[AreaSpec("grid", city.home.grid.pk, "controlled")])


@pytest.fixture
def points(city):
    return {
        "community": make_point(city.home.community, name="社区采样点"),
        "grid": make_point(city.home.community, name="一网格采样点", grid=city.home.grid),
        "sibling": make_point(city.home.community, name="二网格采样点", grid=city.neighbour.grid),
        "elsewhere": make_point(city.elsewhere.community, name="通顺采样点"),
    }


def test_a_grid_round_offers_the_points_of_the_grid_and_of_its_community(grid_round, points, users):
    for role in ("command", "district", "street", "community", "grid"):
        offered = {p.name for p in sampling_desk.round_points(user=users[role], testing_round=grid_round)}
        assert offered == {"社区采样点", "一网格采样点"}, role


def test_the_pooling_at_a_community_point_is_the_strictest_of_its_grids_in_the_round(points, users, city):
    two_grids = make_round(
        users["command"],
        number=24,
        areas=[AreaSpec("grid", city.home.grid.pk, "precaution"), AreaSpec("grid", city.neighbour.grid.pk, "sealed")],
    )
    by_grid = {a.place_id: a for a in two_grids.areas.all()}
    assert PoolingMode(by_grid[city.neighbour.grid.pk].pooling_mode) != PoolingMode(by_grid[city.home.grid.pk].pooling_mode)
    area = AreaIndex(two_grids).area_for(
        district_id=city.home.district.pk, street_id=city.home.street.pk, community_id=city.home.community.pk
    )
    assert area == by_grid[city.neighbour.grid.pk]  # the sealed grid's (stricter) pooling
    tube = tube_open(actor=users["community"], testing_round=two_grids, sampling_point=points["community"], barcode="G0001")
    assert tube.pooling_mode == area.pooling_mode
    offered = {p.name for p in sampling_desk.round_points(user=users["community"], testing_round=two_grids)}
    assert offered == {"社区采样点", "一网格采样点", "二网格采样点"}


def test_a_grid_round_is_sampled_at_the_community_point(grid_round, points, users, city, client):
    resident = city.home.household.members.order_by("pk").first()
    client.force_login(users["community"])
    home = client.get(reverse("testing:sampling", args=[grid_round.pk]), {"point": points["community"].pk}).content.decode()
    assert "没有可用的采样点" not in home and "社区采样点" in home and 'name="barcode"' in home
    opened = client.post(reverse("testing:tube_open", args=[grid_round.pk]), {"point": points["community"].pk, "barcode": "G0002"})
    assert opened.status_code == 302
    added = client.post(reverse("testing:tube_add_member", args=[grid_round.pk, "G0002"]), {"id_number": id_of(resident)})
    assert added.status_code == 302
    assert TubeMember.objects.filter(round=grid_round, person=resident).exists()


def test_the_empty_state_links_only_to_a_page_the_user_can_open(users, city, client):
    narrow = make_round(users["command"], number=22, areas=[AreaSpec("grid", city.home.grid.pk)])
    new_point = reverse("testing:sampling_point_create")
    client.force_login(users["community"])
    page = client.get(reverse("testing:sampling", args=[narrow.pk])).content.decode()
    assert "没有可用的采样点" in page and new_point in page
    assert client.get(new_point).status_code == 200
    # The community worker adds a point in their own community (not in another) and can sample there.
    made = client.post(new_point, {"community": city.home.community.pk, "name": "迎宾临时采样点"})
    assert made.status_code == 302
    point = SamplingPoint.objects.get(name="迎宾临时采样点")
    assert AuditEvent.objects.filter(event_type=events.SAMPLING_POINT_CREATED, object_id=str(point.pk), actor=users["community"]).exists()
    assert client.post(new_point, {"community": city.elsewhere.community.pk, "name": "外社区"}).status_code == 422
    assert "迎宾临时采样点" in client.get(reverse("testing:sampling", args=[narrow.pk])).content.decode()
    # A grid worker cannot add points: the message names who can, with no link.
    client.force_login(users["grid"])
    page = client.get(
        reverse("testing:sampling", args=[make_round(users["command"], 23, [AreaSpec("community", city.elsewhere.community.pk)]).pk])
    )
    body = page.content.decode()
    assert "没有可用的采样点" in body and new_point not in body
    assert client.get(new_point).status_code == 403
