"""The risk-area map (item 7): /zoning/map.json answers the user's district outlines, the buildings and
compounds of the areas in force (the stricter class wins where areas overlap) and, for those who may
see cases, the buildings where active cases live — counts only, no name, ID, phone or case number.
Another district's office sees none of it. The page draws without tiles by default; a configured tile
server's origin is added to the page's img-src, and nothing else."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from fangkong.cases.models import Case
from fangkong.core.csp import HEADER, tile_origin
from fangkong.core.roles import Role
from fangkong.geo.models import Building, Compound
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.services import area_declare

from ..cases.factories import open_case
from ..factories import make_person, make_user

SINCE = dt.datetime(2022, 11, 14, 8, 0, tzinfo=dt.UTC)


def declare(users, name: str, area_class: str, places):
    return area_declare(actor=users["command"], name=name, area_class=area_class, places=places, reason="机密理由", in_force_at=SINCE)


def placed(tree, lat: float, lon: float) -> None:
    Compound.objects.filter(pk=tree.compound.pk).update(lat=lat, lon=lon)
    Building.objects.filter(pk=tree.building.pk).update(lat=round(lat + 0.001, 6), lon=round(lon + 0.001, 6))


def fetch(user) -> dict:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("zoning:map_data"))
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.fixture
def mapped(twenty, city, users):
    """The home building in a sealed area and, overlapping it, its compound in a precaution area; a
    building of the other district in a sealed area; a case living in the home building."""
    placed(city.home, 40.85, 111.70)
    placed(city.elsewhere, 40.83, 111.62)
    declare(users, "迎宾小区1号楼", AreaClass.SEALED, [("building", city.home.building.pk)])
    declare(users, "迎宾小区防范区", AreaClass.PRECAUTION, [("compound", city.home.compound.pk)])
    declare(users, "通顺小区封控区", AreaClass.SEALED, [("building", city.elsewhere.building.pk)])
    patient = make_person(city.home.household, "韩秋池", phone="13700005555")
    case = open_case(users["command"], patient)
    return case, patient


def test_the_map_shows_the_users_areas_with_the_stricter_level_and_never_another_districts(mapped, city, users):
    data = fetch(users["district"])
    assert [d["name"] for d in data["districts"]] == ["新城区"]
    assert len(data["districts"][0]["box"]) == 4
    by_place = {p["place"]: p for p in data["areas"]}
    assert set(by_place) == {"迎宾小区1号楼", "迎宾小区"}
    building = by_place["迎宾小区1号楼"]
    assert building["kind"] == "building" and building["level"] == "sealed" and building["level_label"] == "高风险区"
    assert (building["lat"], building["lon"]) == (40.851, 111.701)
    # The building is also inside the compound's precaution area: the stricter class wins, both named.
    assert building["areas"] == ["迎宾小区1号楼", "迎宾小区防范区"]
    assert by_place["迎宾小区"]["level"] == "precaution"
    assert [lv["code"] for lv in data["levels"]][:2] == ["sealed", "precaution"]
    body = json.dumps(data, ensure_ascii=False)
    assert "通顺" not in body and "回民区" not in body

    far = make_user("far-office", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    other = fetch(far)
    assert [p["place"] for p in other["areas"]] == ["通顺小区1号楼"]
    assert "迎宾" not in json.dumps(other, ensure_ascii=False) and "新城区" not in json.dumps(other, ensure_ascii=False)
    assert fetch(users["nogrant"])["areas"] == [] and fetch(users["nogrant"])["districts"] == []


def test_the_case_layer_counts_buildings_and_carries_no_personal_data(mapped, users):
    case, patient = mapped
    data = fetch(users["district"])
    assert data["cases_withheld"] == ""
    assert data["cases"] == [{"lat": 40.851, "lon": 111.701, "place": "迎宾小区1号楼", "count": 1}]
    body = json.dumps(data, ensure_ascii=False)
    for secret in (patient.name, patient.id_masked, "13700005555", "5555", "机密理由", f"#{case.pk}", "王秀英", "李建国"):
        assert secret not in body, secret
    assert "person" not in body and "case_id" not in body
    Case.objects.filter(pk=case.pk).update(status="closed")  # a closed case leaves the layer
    assert fetch(users["district"])["cases"] == []


def test_the_case_layer_is_withheld_without_the_need_to_know(mapped, city, users):
    volunteer = make_user("map-volunteer", Role.VOLUNTEER_COORDINATOR, [("district", city.home.district)])
    data = fetch(volunteer)
    assert data["cases"] is None and data["cases_withheld"] == "您的角色无权查看病例的个人信息"
    assert {p["place"] for p in data["areas"]} == {"迎宾小区1号楼", "迎宾小区"}  # the places: a grant alone
    client = Client()
    client.force_login(volunteer)
    page = client.get(reverse("zoning:map")).content.decode()
    assert "data-withheld" in page and "病例所在楼栋" in page


def test_a_place_without_coordinates_is_listed_not_dropped(twenty, city, users):
    declare(users, "迎宾小区2号楼", AreaClass.SEALED, [("building", city.neighbour.building.pk)])
    data = fetch(users["district"])
    assert data["areas"] == [] and data["unplaced"] == [{"place": "迎宾小区2号楼", "level_label": "高风险区", "areas": ["迎宾小区2号楼"]}]


def test_the_page_draws_without_tiles_unless_a_tile_server_is_set(twenty, users, settings):
    client = Client()
    client.force_login(users["district"])
    response = client.get(reverse("zoning:map"))
    body = response.content.decode()
    assert response.status_code == 200 and 'data-tiles=""' in body and "vendor/leaflet/leaflet.js" in body
    assert "img-src 'self' data:;" in response[HEADER]
    assert "<script>" not in body  # the script is a file; its words come as json_script

    settings.FANGKONG_MAP_TILE_URL = "https://{s}.tiles.example.org/osm/{z}/{x}/{y}.png"
    response = client.get(reverse("zoning:map"))
    assert 'data-tiles="https://{s}.tiles.example.org/osm/{z}/{x}/{y}.png"' in response.content.decode()
    assert "img-src 'self' data: https://*.tiles.example.org;" in response[HEADER]
    assert "tiles.example.org" not in client.get(reverse("zoning:area_list"))[HEADER]  # the map page only


def test_a_tile_url_is_reduced_to_its_origin_or_refused():
    assert tile_origin("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png") == "http://10.1.2.3:8080"
    assert tile_origin("https://tiles.example.org/{z}/{x}/{y}.png") == "https://tiles.example.org"
    for bad in ("javascript:alert(1)", "https://a.example.org;script-src *", "ftp://tiles.example.org/{z}", ""):
        with pytest.raises(ImproperlyConfigured):
            tile_origin(bad)


def test_the_area_list_links_to_the_map(twenty, users):
    client = Client()
    client.force_login(users["district"])
    assert reverse("zoning:map") in client.get(reverse("zoning:area_list")).content.decode()
