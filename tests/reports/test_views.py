"""The overview page: scoped cards, the chart's data, the tag breakdown, links into the hierarchy."""

from __future__ import annotations

import json
import re

from django.urls import reverse


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("reports:home"))
    assert response.status_code == 200
    return response


def card_values(response) -> dict[str, int]:
    return {c["key"]: c["value"] for c in response.context["cards"]}


def chart_data(response) -> dict:
    match = re.search(r'<script id="residents-chart-data" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    assert match, "the chart data is embedded with json_script"
    return json.loads(match.group(1))


def test_anonymous_is_redirected_to_login(client, city):
    response = client.get(reverse("reports:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_command_sees_the_whole_city(client, city, users):
    response = home(client, users["command"])
    cards = card_values(response)
    assert cards["residents"] == 4 and cards["households"] == 3 and cards["vulnerable"] == 1 and cards["districts"] >= 2
    data = chart_data(response)
    residents = dict(zip(data["names"], data["residents"], strict=True))
    assert residents["新城区"] == 3 and residents["回民区"] == 1
    assert reverse("geo:place", args=["district", city.home.district.pk]) in data["urls"]
    html = response.content.decode()
    assert "echarts.min.js" in html and "独居老人" in html


def test_community_worker_sees_their_community_only(client, city, users):
    response = home(client, users["community"])
    cards = card_values(response)
    assert "districts" not in cards and cards["residents"] == 3 and cards["grids"] == 2
    data = chart_data(response)
    assert data["names"] == ["迎宾小区"] and data["residents"] == [3]
    html = response.content.decode()
    assert "通顺" not in html and "回民区" not in html
    assert reverse("geo:place", args=["community", city.home.community.pk]) in html


def test_grid_worker_lands_on_their_work_with_their_grid_named(client, city, users):
    """The grid's figures are one click away (逐级浏览); the home page is the grid's work."""
    response = home(client, users["grid"])
    assert "cards" not in response.context
    html = response.content.decode()
    assert "第一网格" in html and "今日工作" in html and "residents-chart-data" not in html


def test_user_without_grant_is_told_to_ask_for_one(client, city, users):
    response = home(client, users["nogrant"])
    html = response.content.decode()
    assert "还没有分配管辖范围" in html and "residents-chart-data" not in html and "overview-cards" not in html
