"""Round and coverage pages: the list of rounds, planning a round (policy deadline and pooling, refusals
naming the field), a round's page and its status, coverage from the city down to a household with
the right numbers, scoping (outside the jurisdiction answers 404), sampling points."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt
from fangkong.core.roles import Role
from fangkong.testing import events
from fangkong.testing.choices import PoolingMode, RoundStatus
from fangkong.testing.models import SamplingPoint
from fangkong.testing.models import TestingRound as Round
from fangkong.testing.services import AreaSpec, Binding, MemberCheck, bulk_bind, household_check_record, tube_receive

from ..factories import make_user
from .factories import T0, at, make_point, make_round, upload


def get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def post(client, user, url, data):
    client.force_login(user)
    return client.post(url, data)


def coverage_url(r, level=None, place=None, **extra):
    url = reverse("testing:coverage", args=[r.pk])
    params = {k: v for k, v in {"level": level, "place": getattr(place, "pk", place), **extra}.items() if v is not None}
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def other_district_office(city):
    return make_user("huimin", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])


def rows_by_name(response) -> dict[str, tuple[int, int, int, int, int]]:
    return {c.name: (c.residents, c.sampled, c.results_back, c.positive, c.missing) for c in response.context["rows"]}


@pytest.fixture
def sampled(setup, users, city):
    """Eight residents of household 102 (home grid) in a 10-in-1 tube at the lab, no result yet; the other
    grid's resident in a single tube, positive; nobody from 回民区 sampled."""
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode=PoolingMode.POOLED_10,
        bindings=[Binding("P1", person_id=p.pk) for p in setup.ten[2:]], at=at(1),
    )  # fmt: skip
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode="single",
        bindings=[Binding("S1", person_id=setup.other_grid[0].pk)], at=at(2),
    )  # fmt: skip
    tube_receive(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, barcodes=["P1", "S1"], at=at(3))
    upload(setup.lab_user, setup.round, setup.lab, [("S1", "阳性", 30, 31, "2022-02-25 16:00")], at(9))
    return setup


# ---- the list of rounds ----


def test_anonymous_users_are_sent_to_login(client, setup):
    for url in (reverse("testing:round_list"), reverse("testing:round_detail", args=[setup.round.pk]), coverage_url(setup.round)):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_empty_list_invites_a_planner_to_plan_the_first_round(client, users):
    response = get(client, users["command"], reverse("testing:round_list"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "还没有核酸检测轮次" in content and reverse("testing:round_plan") in content
    worker = get(client, users["community"], reverse("testing:round_list")).content.decode()
    assert "还没有核酸检测轮次" in worker and reverse("testing:round_plan") not in worker
    nobody = get(client, users["nogrant"], reverse("testing:round_list")).content.decode()
    assert "还没有分配管辖范围" in nobody


def test_list_shows_each_round_with_scope_and_counts_in_the_users_jurisdiction(client, users, sampled, city):
    make_round(users["command"], number=9, areas=[AreaSpec("district", city.home.district.pk, "controlled")])
    response = get(client, users["command"], reverse("testing:round_list"))
    rows = {r.number: (scope, counts) for r, scope, counts in response.context["rows"]}
    assert list(rows) == [9, 8]
    assert rows[8][0] == "全市（防范区）" and rows[9][0] == "新城区（管控区）"
    assert (rows[8][1].sampled, rows[8][1].resulted) == (9, 1)
    assert (rows[9][1].sampled, rows[9][1].resulted) == (0, 0)
    content = response.content.decode()
    assert "第8轮全员核酸检测" in content and reverse("testing:round_detail", args=[sampled.round.pk]) in content
    # a grid worker counts the residents of their grid: the eight of household 102, no result yet
    grid = get(client, users["grid"], reverse("testing:round_list"))
    assert {r.number: (c.sampled, c.resulted) for r, _s, c in grid.context["rows"]}[8] == (8, 0)
    # the other district's office sees the round, but no samples of its own
    other = get(client, other_district_office(city), reverse("testing:round_list"))
    assert {r.number: c.sampled for r, _s, c in other.context["rows"]}[8] == 0


def test_list_is_paginated(client, users):
    for n in range(1, 28):
        make_round(users["command"], number=n)
    first = get(client, users["command"], reverse("testing:round_list"))
    assert [r.number for r, _s, _c in first.context["rows"]][:2] == [27, 26] and len(first.context["rows"]) == 25
    second = get(client, users["command"], reverse("testing:round_list"), page=2)
    assert [r.number for r, _s, _c in second.context["rows"]] == [2, 1]


# ---- planning a round ----


def plan_data(**overrides):
    data = {
        "number": "12",
        "name": "",
        "starts_at": "2022-03-01T08:00",
        "deadline_at": "",
        "areas-TOTAL_FORMS": "1",
        "areas-INITIAL_FORMS": "0",
        "areas-MIN_NUM_FORMS": "0",
        "areas-MAX_NUM_FORMS": "200",
        "areas-0-level": "city",
        "areas-0-place": "",
        "areas-0-area_class": "precaution",
    }
    data.update(overrides)
    return data


def test_the_plan_form_offers_the_next_number_the_policy_deadline_and_pooling(client, users, setup, city):
    response = get(client, users["command"], reverse("testing:round_plan"))
    assert response.status_code == 200
    assert response.context["form"]["number"].value() == 9
    content = response.content.decode()
    assert "按现行政策（优化防控二十条措施）设为开始后 24 小时" in content  # the policy in words, not its key
    assert "testing.result_deadline_hours" not in content
    pooling = {p.area_class: p.mode for p in response.context["pooling"]}
    assert pooling == {"sealed": PoolingMode.HOUSEHOLD, "controlled": PoolingMode.POOLED_10, "precaution": PoolingMode.POOLED_20}
    assert "pooling.sealed" in content
    assert [v for v, _label in response.context["levels"]][0] == "city"
    # a district office starts from its district, and cannot choose the whole city
    district = get(client, users["district"], reverse("testing:round_plan"))
    assert "city" not in [v for v, _label in district.context["levels"]]
    form, places, _pool = district.context["area_rows"][0]
    assert (form["level"].value(), form["place"].value()) == ("district", city.home.district.pk)
    assert [label for _pk, label in places.options] == ["新城区"]


def test_planning_a_city_round_takes_the_deadline_from_the_policy(client, users, city):
    response = post(client, users["command"], reverse("testing:round_plan"), plan_data())
    r = Round.objects.get(number=12)
    assert response.status_code == 302 and response.url == reverse("testing:round_detail", args=[r.pk])
    assert r.name == "第12轮全员核酸检测"
    assert r.deadline_at - r.starts_at == dt.timedelta(hours=24)
    assert r.starts_at == dt.datetime(2022, 3, 1, 0, 0, tzinfo=dt.UTC)  # 08:00 Beijing time
    assert "testing.result_deadline_hours" in r.deadline_rule
    assert [(a.level, a.pooling_mode) for a in r.areas.all()] == [("city", PoolingMode.POOLED_20)]
    assert AuditEvent.objects.filter(event_type=events.ROUND_PLANNED, object_id=str(r.pk)).exists()


def test_a_district_office_plans_its_district_and_a_sealed_community(client, users, city):
    data = plan_data(
        **{
            "areas-TOTAL_FORMS": "3",
            "areas-0-level": "district",
            "areas-0-place": str(city.home.district.pk),
            "areas-0-area_class": "controlled",
            # row 1 was removed on the page: it sends nothing
            "areas-2-level": "community",
            "areas-2-place": str(city.home.community.pk),
            "areas-2-area_class": "sealed",
            "name": "新城区第12轮",
            "deadline_at": "2022-03-01T20:00",
        }
    )
    response = post(client, users["district"], reverse("testing:round_plan"), data)
    assert response.status_code == 302
    r = Round.objects.get(number=12)
    assert r.name == "新城区第12轮" and r.deadline_at - r.starts_at == dt.timedelta(hours=12) and r.deadline_rule == "手工设定"
    areas = {(a.level, a.place_name): (a.area_class, a.pooling_mode) for a in r.areas.all()}
    assert areas == {
        ("district", "新城区"): ("controlled", PoolingMode.POOLED_10),
        ("community", "迎宾南路社区"): ("sealed", PoolingMode.HOUSEHOLD),
    }
    assert "pooling.sealed" in r.areas.get(level="community").pooling_rule


def test_a_deadline_before_the_start_is_refused_naming_the_field(client, users, city):
    response = post(client, users["command"], reverse("testing:round_plan"), plan_data(deadline_at="2022-03-01T07:00"))
    assert response.status_code == 422
    assert response.context["form"].errors["deadline_at"] == ["完成时限须晚于开始时间"]
    content = response.content.decode()
    assert "完成时限</a>：完成时限须晚于开始时间" in content
    assert not Round.objects.exists()


def test_a_date_that_does_not_exist_is_refused_naming_the_field(client, users, city):
    response = post(client, users["command"], reverse("testing:round_plan"), plan_data(starts_at="2022-02-30T08:00", number=""))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "starts_at" in errors and errors["number"] == ["请填写轮次"]
    assert "开始时间</a>：" in response.content.decode()
    assert not Round.objects.exists()


def test_refusals_from_the_service_are_shown_in_the_form(client, users, city, setup):
    taken = post(client, users["command"], reverse("testing:round_plan"), plan_data(number="8"))
    assert taken.status_code == 422 and taken.context["form"].errors["number"] == ["第 8 轮已存在"]
    outside = plan_data(**{"areas-0-level": "community", "areas-0-place": str(city.elsewhere.community.pk)})
    refused = post(client, users["district"], reverse("testing:round_plan"), outside)
    assert refused.status_code == 403
    assert refused.context["scope_errors"] == ["检测范围不在您的管辖范围内"]
    no_place = post(client, users["district"], reverse("testing:round_plan"), plan_data(**{"areas-0-level": "street"}))
    assert no_place.status_code == 422 and "请选择区域" in no_place.content.decode()
    nothing = post(client, users["command"], reverse("testing:round_plan"), plan_data(**{"areas-TOTAL_FORMS": "0"}))
    assert nothing.status_code == 422 and nothing.context["scope_errors"] == ["请至少选择一个检测范围"]
    twice = plan_data(**{"areas-TOTAL_FORMS": "2", "areas-1-level": "city", "areas-1-area_class": "controlled"})
    duplicate = post(client, users["command"], reverse("testing:round_plan"), twice)
    assert duplicate.status_code == 422 and duplicate.context["scope_errors"] == ["检测范围重复：全市"]
    assert Round.objects.count() == 1


def test_only_planners_may_plan(client, users, city):
    for role in ("community", "grid", "street"):
        assert get(client, users[role], reverse("testing:round_plan")).status_code == 403
        assert post(client, users[role], reverse("testing:round_plan"), plan_data()).status_code == 403
    assert get(client, users["community"], reverse("testing:round_plan_places"), prefix="areas-0").status_code == 403
    assert not Round.objects.exists()


def test_place_options_are_the_places_the_planner_covers(client, users, city):
    url = reverse("testing:round_plan_places")
    response = get(client, users["district"], url, **{"prefix": "areas-3", "areas-3-level": "community"})
    content = response.content.decode()
    assert "迎宾南路社区" in content and "通顺社区" not in content
    grids = get(client, users["command"], url, **{"prefix": "areas-0", "areas-0-level": "grid", "areas-0-q": "第二"}).content.decode()
    assert "第二网格" in grids and "第一网格" not in grids
    assert get(client, users["command"], url, prefix="x; drop").status_code == 404


# ---- a round's page and its status ----


def test_detail_shows_areas_headline_coverage_and_the_links_the_role_allows(client, users, sampled, city):
    r = sampled.round
    response = get(client, users["command"], reverse("testing:round_detail", args=[r.pk]))
    assert response.status_code == 200
    total = response.context["total"]
    assert (total.residents, total.sampled, total.results_back, total.positive, total.missing) == (12, 9, 1, 1, 3)
    links = {link["url"] for link in response.context["links"]}
    assert reverse("testing:coverage", args=[r.pk]) in links
    assert reverse("testing:sampling", args=[r.pk]) in links and reverse("testing:lab", args=[r.pk]) not in links
    assert r.status == RoundStatus.ACTIVE  # the first sample started it
    assert [v for v, _label in response.context["status_actions"]] == ["closed"]
    content = response.content.decode()
    assert "testing.result_deadline_hours" in content and "20合1混采" in content

    lab = get(client, sampled.lab_user, reverse("testing:round_detail", args=[r.pk]))
    lab_links = {link["url"] for link in lab.context["links"]}
    assert reverse("testing:lab", args=[r.pk]) in lab_links and reverse("testing:sampling", args=[r.pk]) not in lab_links
    assert lab.context["status_actions"] == [] and reverse("testing:round_set_status", args=[r.pk]) not in lab.content.decode()

    grid = get(client, users["grid"], reverse("testing:round_detail", args=[r.pk]))
    assert (grid.context["total"].residents, grid.context["total"].sampled) == (10, 8)
    assert reverse("testing:door_knocking", args=[r.pk, city.home.grid.pk]) in grid.content.decode()
    assert reverse("testing:door_knocking", args=[r.pk, city.neighbour.grid.pk]) not in grid.content.decode()


def test_a_user_without_jurisdiction_sees_no_round(client, users, setup):
    assert get(client, users["nogrant"], reverse("testing:round_detail", args=[setup.round.pk])).status_code == 404
    assert get(client, users["command"], reverse("testing:round_detail", args=[99999])).status_code == 404


def test_a_planner_starts_and_closes_a_round(client, users, setup):
    r, url = setup.round, reverse("testing:round_set_status", args=[setup.round.pk])
    detail = get(client, users["command"], reverse("testing:round_detail", args=[r.pk]))
    assert [label for _v, label in detail.context["status_actions"]] == ["开始采样", "结束本轮"]
    response = post(client, users["command"], url, {"status": "active"})
    assert response.status_code == 302 and response.url == reverse("testing:round_detail", args=[r.pk])
    r.refresh_from_db()
    assert r.status == RoundStatus.ACTIVE
    assert AuditEvent.objects.filter(event_type=events.ROUND_STATUS_CHANGED, object_id=str(r.pk)).count() == 1
    client.post(url, {"status": "closed"})
    page = client.post(url, {"status": "active"}, follow=True)
    assert "轮次当前为“已结束”，不能改为“采样中”" in page.content.decode()
    r.refresh_from_db()
    assert r.status == RoundStatus.CLOSED


def test_status_changes_are_for_planners_and_posts_only(client, users, setup):
    url = reverse("testing:round_set_status", args=[setup.round.pk])
    assert post(client, users["community"], url, {"status": "active"}).status_code == 403
    assert get(client, users["command"], url).status_code == 405
    setup.round.refresh_from_db()
    assert setup.round.status == RoundStatus.PLANNED


# ---- coverage ----


def test_coverage_at_every_level_after_binding(client, users, sampled, city):
    r, command = sampled.round, users["command"]
    city_page = get(client, command, coverage_url(r))
    assert city_page.status_code == 200
    t = city_page.context["total"]
    assert (t.residents, t.sampled, t.results_back, t.positive, t.missing) == (12, 9, 1, 1, 3)
    assert rows_by_name(city_page) == {"新城区": (11, 9, 1, 1, 2), "回民区": (1, 0, 0, 0, 1)}
    chart = city_page.context["chart"]
    assert dict(zip(chart["names"], chart["rates"], strict=True)) == {"新城区": 81.8, "回民区": 0.0}
    assert f"level=district&place={city.home.district.pk}" in city_page.content.decode()

    district = get(client, command, coverage_url(r, "district", city.home.district))
    assert rows_by_name(district) == {"中山东路街道": (11, 9, 1, 1, 2)}
    assert [lvl for lvl, _p in district.context["crumbs"]] == ["district"]

    community = get(client, command, coverage_url(r, "community", city.home.community))
    assert rows_by_name(community) == {"第一网格": (10, 8, 0, 0, 2), "第二网格": (1, 1, 1, 1, 0)}
    assert [str(p) for _l, p in community.context["crumbs"]] == ["新城区", "中山东路街道", "迎宾南路社区"]

    grid = get(client, command, coverage_url(r, "grid", city.home.grid))
    assert rows_by_name(grid) == {"1号楼": (10, 8, 0, 0, 2)}
    assert grid.context["door_knocking_url"] == reverse("testing:door_knocking", args=[r.pk, city.home.grid.pk])
    assert grid.context["door_knocking_url"] in grid.content.decode()

    unit = get(client, command, coverage_url(r, "unit", city.home.unit))
    assert {name: row[1] for name, row in rows_by_name(unit).items()} == {"101": 0, "102": 8}

    household = get(client, command, coverage_url(r, "household", city.home.household))
    assert household.context["child_level"] is None and household.context["rows"] == []
    standing = {s.person.name: s.status for s in household.context["residents"]}
    assert standing == {"王秀英": "not_sampled", "李建国": "not_sampled"}
    assert [lvl for lvl, _p in household.context["crumbs"]] == ["district", "street", "community", "grid", "building", "unit", "household"]


def test_household_level_shows_each_residents_standing_with_masked_ids(client, users, sampled, city):
    r = sampled.round
    household_check_record(
        actor=users["grid"], testing_round=r, household=city.home.household,
        members=[MemberCheck(sampled.ten[0].pk, "away", whereabouts="北京")], at=at(5),
    )  # fmt: skip
    page = get(client, users["community"], coverage_url(r, "household", city.home.household))
    content = page.content.decode()
    assert "外出" in content and "北京" in content and "未采样" in content
    for person in sampled.ten[:2]:
        assert person.id_masked in content
    assert decrypt(sampled.ten[0].id_cipher) not in content
    assert page.context["total"].explained == 1
    positive = get(client, users["community"], coverage_url(r, "household", city.neighbour.household))
    assert [(s.person.name, s.status, s.status_label) for s in positive.context["residents"]] == [("赵敏", "positive", "阳性")]
    pooled = get(client, users["community"], coverage_url(r, "household", sampled.ten[2].household))
    assert {s.status for s in pooled.context["residents"]} == {"awaiting"}


def test_coverage_is_limited_to_the_users_jurisdiction(client, users, sampled, city):
    r, worker = sampled.round, users["community"]
    page = get(client, worker, coverage_url(r))
    t = page.context["total"]
    assert (t.residents, t.sampled, t.missing) == (11, 9, 2)
    assert list(rows_by_name(page)) == ["新城区"]
    # their district is on the way down (reachable), counted only for their community
    district = get(client, worker, coverage_url(r, "district", city.home.district))
    assert district.status_code == 200 and district.context["total"].residents == 11
    for level, place in (
        ("district", city.elsewhere.district),
        ("street", city.elsewhere.street),
        ("community", city.elsewhere.community),
        ("grid", city.elsewhere.grid),
        ("building", city.elsewhere.building),
        ("household", city.elsewhere.household),
    ):
        assert get(client, worker, coverage_url(r, level, place)).status_code == 404, level
    grid_worker = users["grid"]
    assert get(client, grid_worker, coverage_url(r, "grid", city.neighbour.grid)).status_code == 404
    assert get(client, grid_worker, coverage_url(r, "household", city.neighbour.household)).status_code == 404
    mine = get(client, grid_worker, coverage_url(r, "community", city.home.community))
    assert rows_by_name(mine) == {"第一网格": (10, 8, 0, 0, 2)}


def test_coverage_refuses_unknown_levels_and_places(client, users, setup, city):
    r, command = setup.round, users["command"]
    assert get(client, command, coverage_url(r, "galaxy", 1)).status_code == 404
    assert get(client, command, coverage_url(r, "district")).status_code == 404
    assert get(client, command, coverage_url(r, "district", "abc")).status_code == 404
    assert get(client, command, coverage_url(r, "district", 999999)).status_code == 404
    assert get(client, users["nogrant"], coverage_url(r)).status_code == 404


def test_coverage_sorts_by_missing_and_counts_only_the_rounds_scope(client, users, sampled, city):
    r = sampled.round
    by_missing = get(client, users["command"], coverage_url(r, "community", city.home.community, sort="missing"))
    assert [c.name for c in by_missing.context["rows"]] == ["第一网格", "第二网格"]
    by_rate = get(client, users["command"], coverage_url(r, "community", city.home.community, sort="rate"))
    assert [c.name for c in by_rate.context["rows"]] == ["第一网格", "第二网格"]
    district_round = make_round(users["command"], number=20, areas=[AreaSpec("district", city.elsewhere.district.pk, "sealed")])
    page = get(client, users["command"], coverage_url(district_round))
    assert page.context["total"].residents == 1 and list(rows_by_name(page)) == ["回民区"]
    empty = get(client, users["command"], coverage_url(district_round, "community", city.home.community))
    assert empty.context["total"].residents == 0 and "本轮检测范围内没有您管辖的居民" in empty.content.decode()


# ---- sampling points ----


def test_points_are_listed_within_the_jurisdiction_with_filters(client, users, setup, city):
    make_point(city.elsewhere.community, name="通顺采样点")
    make_point(city.home.community, name="迎宾南门采样点")
    url = reverse("testing:sampling_point_list")
    command = get(client, users["command"], url)
    assert {p.name for p in command.context["page_obj"].object_list} == {"迎宾小区采样点", "迎宾南门采样点", "通顺采样点"}
    assert {name for _pk, name in command.context["communities"]} == {"迎宾南路社区", "通顺社区"}
    worker = get(client, users["community"], url)
    assert {p.name for p in worker.context["page_obj"].object_list} == {"迎宾小区采样点", "迎宾南门采样点"}
    assert "通顺" not in worker.content.decode()
    by_community = get(client, users["command"], url, community=city.elsewhere.community.pk)
    assert [p.name for p in by_community.context["page_obj"].object_list] == ["通顺采样点"]
    by_name = get(client, users["command"], url, q="南门")
    assert [p.name for p in by_name.context["page_obj"].object_list] == ["迎宾南门采样点"]
    nothing = get(client, users["command"], url, q="不存在")
    assert "没有符合条件的采样点" in nothing.content.decode()
    grid_worker = get(client, users["grid"], url)  # the points of the community that holds their grid
    assert {p.name for p in grid_worker.context["page_obj"].object_list} == {"迎宾小区采样点", "迎宾南门采样点"}


def test_a_planner_creates_a_sampling_point(client, users, city):
    url = reverse("testing:sampling_point_create")
    form = get(client, users["district"], url, community=city.home.community.pk)
    assert form.status_code == 200
    assert "第一网格" in form.content.decode() and "通顺社区" not in form.content.decode()
    data = {
        "community": city.home.community.pk,
        "grid": city.home.grid.pk,
        "name": "迎宾广场采样点",
        "address": "迎宾路1号",
        "opening_hours": "7:00-21:00",
        "staff_names": "张医生、李护士",
    }
    response = post(client, users["district"], url, data)
    point = SamplingPoint.objects.get(name="迎宾广场采样点")
    assert response.status_code == 302 and response.url == f"{reverse('testing:sampling_point_list')}?community={city.home.community.pk}"
    assert (point.district_id, point.street_id, point.grid_id, point.staff_names) == (
        city.home.district.pk,
        city.home.street.pk,
        city.home.grid.pk,
        "张医生、李护士",
    )
    assert AuditEvent.objects.filter(event_type=events.SAMPLING_POINT_CREATED, object_id=str(point.pk)).exists()
    grids = get(client, users["district"], reverse("testing:sampling_point_grids"), community=city.home.community.pk).content.decode()
    assert "第一网格" in grids and "第二网格" in grids


def test_sampling_point_refusals_name_the_field(client, users, city):
    url = reverse("testing:sampling_point_create")
    wrong_grid = {"community": city.home.community.pk, "grid": city.elsewhere.grid.pk, "name": "甲"}
    response = post(client, users["command"], url, wrong_grid)
    assert response.status_code == 422 and response.context["form"].errors["grid"] == ["网格不属于该社区"]
    outside = {"community": city.elsewhere.community.pk, "name": "乙"}
    response = post(client, users["district"], url, outside)
    assert response.status_code == 422 and response.context["form"].errors["community"] == ["该社区不在您的管辖范围内"]
    unnamed = post(client, users["district"], url, {"community": city.home.community.pk, "name": " "})
    assert unnamed.status_code == 422 and "名称</a>：请填写采样点名称" in unnamed.content.decode()
    assert get(client, users["grid"], url).status_code == 403  # the community adds points, not a grid worker
    assert post(client, users["grid"], url, {"community": city.home.community.pk, "name": "丙"}).status_code == 403
    assert not SamplingPoint.objects.exists()


def test_start_time_is_beijing_time(client, users, city):
    post(client, users["command"], reverse("testing:round_plan"), plan_data(starts_at="2022-02-25T08:00"))
    assert Round.objects.get(number=12).starts_at == T0


def test_without_an_active_policy_planning_says_so(client, users, city):
    from fangkong.policy.models import PolicyProfile

    PolicyProfile.objects.update(is_active=False)
    response = post(client, users["command"], reverse("testing:round_plan"), plan_data())
    assert response.status_code == 302 and response.url == reverse("testing:round_list")
    assert "没有启用的防控政策版本" in client.get(response.url).content.decode()
    assert not Round.objects.exists()


def test_the_round_page_cites_its_rules_by_name_with_the_code_folded_in_basis(client, users, setup):
    """依据 and 时限依据 read "防范区混采方式：20 人/管" and "结果时限：24 小时"; the rule's code and
    source are inside the folded 依据, never inline."""
    r = Round.objects.get(pk=setup.round.pk)
    html = get(client, users["command"], reverse("testing:round_detail", args=[r.pk])).content.decode()
    assert "<span data-citation>防范区混采方式：20 人/管</span>" in html
    assert "<span data-citation>结果时限：24 小时</span>" in html
    deadline = html.split('id="deadline-rule">')[1].split("</dd>")[0]
    visible, folded = deadline.split("<details", 1)
    assert "testing.result_deadline_hours" not in visible and "testing.result_deadline_hours = 24h" in folded
    assert 'data-rule="testing.result_deadline_hours"' in folded


def test_the_round_page_in_english_has_no_chinese_place_or_unit(client, users, setup):
    client.cookies["django_language"] = "en"
    html = get(client, users["command"], reverse("testing:round_detail", args=[setup.round.pk])).content.decode()
    areas = html.split("<tbody>")[1].split("</tbody>")[0]
    assert "全市" not in areas and "Whole city" in areas
    assert "20 people/tube" in areas and "人/管" not in areas.split("<details")[0]
