"""Issue 13 item 2: the round pages never link to what the user cannot open, and a 404 shows the
site's page (never Django's technical 404, even with DEBUG on as in the demo)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.cases.choices import FacilityKind
from fangkong.testing.services import AreaSpec
from tests.cases.factories import make_facility, make_facility_user
from tests.isolation.factories import make_site, make_site_user

from .factories import make_lab, make_lab_user, make_round

HREF = re.compile(r'href="(/testing/[^"#]*)"')
DEBUG_TEXT = ("matches the given query", "Using the URLconf", "DEBUG = True")


@pytest.fixture
def round_over_two_districts(city, users):
    areas = [
        AreaSpec("district", city.home.district.pk),
        AreaSpec("community", city.home.community.pk),
        AreaSpec("community", city.elsewhere.community.pk),
        AreaSpec("grid", city.neighbour.grid.pk),
    ]
    return make_round(users["command"], areas=areas)


@pytest.fixture
def everyone(city, users):
    hospital = make_facility("市第一医院", FacilityKind.HOSPITAL, city.home.district)
    site = make_site(users["command"], city.home.community)
    return {
        **{k: users[k] for k in ("street", "community", "grid", "command")},
        "lab": make_lab_user("lab", make_lab()),
        "hospital": make_facility_user("hospital", hospital),
        "isolation": make_site_user("site", site),
    }


def _links(body: str) -> set[str]:
    return {h.replace("&amp;", "&") for h in HREF.findall(body)}


@pytest.mark.parametrize("role", ["street", "community", "grid", "lab", "hospital", "isolation", "command"])
def test_every_link_on_the_round_pages_opens(settings, round_over_two_districts, everyone, role):
    """From the round list, the round page and its coverage, two links deep within the round's
    pages: every link answers (never a 404, never the debug page)."""
    settings.DEBUG = True
    client = Client()
    client.force_login(everyone[role])
    pk = round_over_two_districts.pk
    inside = f"/testing/rounds/{pk}/"
    frontier = [reverse("testing:round_list"), reverse("testing:round_detail", args=[pk]), reverse("testing:coverage", args=[pk])]
    seen: set[str] = set(frontier)
    for depth in range(3):
        following = []
        for url in frontier:
            response = client.get(url)
            assert response.status_code in (200, 302), (role, url, response.status_code)
            html = response.status_code == 200 and not response.streaming and response.get("Content-Type", "").startswith("text/html")
            body = response.content.decode() if html else ""
            assert not any(text in body for text in DEBUG_TEXT), (role, url)
            if depth < 2 and html:
                following += [link for link in _links(body) - seen if link.startswith(inside)]
                seen.update(following)
        frontier = following
    assert len(seen) > 3


def test_scope_places_outside_the_grant_are_names_not_links(round_over_two_districts, users, city):
    client = Client()
    client.force_login(users["community"])
    body = client.get(reverse("testing:round_detail", args=[round_over_two_districts.pk])).content.decode()
    table = body.split('id="round-areas"', 1)[1].split("</table>", 1)[0]
    assert f'level=community&place={city.home.community.pk}"' in table  # their own community opens
    assert city.elsewhere.community.name in table  # the other district's community is named …
    assert f'level=community&place={city.elsewhere.community.pk}"' not in table  # … but not linked
    assert f'level=district&place={city.home.district.pk}"' in table  # the ancestors they can browse


def test_a_404_shows_the_site_page_even_in_debug(settings, round_over_two_districts, users, city):
    settings.DEBUG = True
    client = Client()
    client.force_login(users["grid"])
    url = reverse("testing:coverage", args=[round_over_two_districts.pk]) + f"?level=community&place={city.elsewhere.community.pk}"
    response = client.get(url)
    assert response.status_code == 404
    body = response.content.decode()
    assert "不在您的管辖范围内" in body
    assert not any(text in body for text in DEBUG_TEXT)
    assert "Community" not in body


def test_an_unknown_address_shows_the_site_page_even_in_debug(settings, users):
    settings.DEBUG = True
    client = Client()
    client.force_login(users["grid"])
    response = client.get("/testing/rounds/1/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "不在您的管辖范围内" in body and not any(text in body for text in DEBUG_TEXT)
    assert client.get("/api/no-such-endpoint/").headers["Content-Type"].startswith("application/json")  # the API keeps JSON
