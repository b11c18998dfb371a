"""The day's figures as the press conference gives them: the sentence, the district table and the
chart for the chosen Beijing day, limited to what the user covers; the date picker."""

from __future__ import annotations

import json

from django.urls import reverse
from django.utils import timezone

from .pages import as_user, scene_fixture  # noqa: F401  (a fixture)

FIGURES = reverse("cases:day_figures")


def test_the_days_figures_for_the_command_centre(client, scene, users, city):
    response = as_user(client, users["command"]).get(FIGURES, {"date": "2022-11-14"})
    assert response.status_code == 200
    f = response.context["figures"]
    assert (f.new_confirmed, f.new_asymptomatic, f.found_community) == (6, 0, 6)
    content = response.content.decode()
    assert "11月14日0—24时，新增本土确诊病例6例、无症状感染者0例（新城区5例、回民区1例）" in content
    assert [(d.name, d.new_confirmed) for d in response.context["rows"]] == [("新城区", 5), ("回民区", 1)]
    chart = json.loads(content.split('id="figures-chart-data" type="application/json">')[1].split("</script>")[0])
    assert chart["districts"] == ["新城区", "回民区"] and chart["confirmed"] == [5, 1]
    assert 'id="district-table"' in content and "echarts.min.js" in content


def test_a_district_sees_its_own_figures(client, scene, users):
    response = as_user(client, users["district"]).get(FIGURES, {"date": "2022-11-14"})
    assert response.context["figures"].new_confirmed == 5
    assert [d.name for d in response.context["rows"]] == ["新城区"]
    nobody = as_user(client, users["nogrant"]).get(FIGURES, {"date": "2022-11-14"})
    assert nobody.status_code == 200 and nobody.context["figures"].new_confirmed == 0


def test_the_day_is_today_unless_an_earlier_one_is_chosen(client, scene, users):
    today = timezone.localdate()
    c = as_user(client, users["command"])
    assert c.get(FIGURES).context["day"] == today
    assert c.get(FIGURES, {"date": "2999-01-01"}).context["day"] == today
    assert c.get(FIGURES, {"date": "not-a-date"}).context["day"] == today
    response = c.get(FIGURES, {"date": "2022-11-15"})
    assert response.context["day"].isoformat() == "2022-11-15" and 'href="?date=2022-11-14"' in response.content.decode()
    assert response.context["figures"].new_confirmed == 0 and response.context["figures"].cumulative_confirmed == 6


def test_the_navigation_leads_to_the_transfer_board(client, users):
    response = as_user(client, users["district"]).get(FIGURES)
    assert f'href="{reverse("cases:board")}"' in response.content.decode() and "阳性转运" in response.content.decode()


def test_the_english_layout_gives_the_release_in_english_first(client, scene, users):
    c = as_user(client, users["command"])
    c.cookies["django_language"] = "en"
    content = c.get(FIGURES, {"date": "2022-11-14"}).content.decode()
    english = content.index('id="figures-en"')
    assert "November 14, 0–24 h: 6 new local confirmed cases and 0 new asymptomatic infections (新城区 5, 回民区 1)" in content
    assert content.index('order-lg-1">', content.index("fk-press") - 2000) < english  # its card comes first
    assert "> Cases</a>" in content  # the tab of the list of cases, plural
