"""Registry pages: every page is scoped (outside the jurisdiction answers 404), counts are right at
each level, search finds people by name, phone and ID, and revealing an ID is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt
from fangkong.core.roles import Role
from fangkong.geo.models import District, GridWorker, Person

from ..factories import make_person, make_tree, make_user


def person(name: str) -> Person:
    return Person.objects.get(name=name)


def full_id(p: Person) -> str:
    return decrypt(p.id_cipher)


def place_url(level, obj):
    return reverse("geo:place", args=[level, obj.pk])


def get(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def child_names(response) -> list[str]:
    return [str(child) for child, _counts in response.context["rows"]]


# ---- anonymous users ----


@pytest.mark.parametrize(
    "url",
    [
        lambda c: reverse("reports:home"),
        lambda c: reverse("geo:browse"),
        lambda c: place_url("community", c.home.community),
        lambda c: reverse("geo:household", args=[c.home.household.pk]),
        lambda c: reverse("geo:person_search"),
        lambda c: reverse("geo:person", args=[person("王秀英").pk]),
        lambda c: reverse("geo:person_reveal_id", args=[person("王秀英").pk]),
    ],
)
def test_anonymous_users_are_sent_to_login(client, city, url):
    target = url(city)
    response = client.get(target)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# ---- browsing places ----


def test_city_level_lists_every_district_for_the_command(client, city, users):
    response = get(client, users["command"], reverse("geo:browse"))
    assert response.status_code == 200
    names = child_names(response)
    assert {"新城区", "回民区"} <= set(names)
    counts = response.context["counts"]
    assert (counts.buildings, counts.households, counts.residents, counts.vulnerable) == (3, 3, 4, 1)
    assert "新城区" in response.content.decode()


def test_community_worker_at_city_level_sees_only_the_path_to_their_community(client, city, users):
    response = get(client, users["community"], reverse("geo:browse"))
    assert child_names(response) == ["新城区"]
    counts = response.context["counts"]
    assert (counts.households, counts.residents) == (2, 3)  # only what they cover
    district = get(client, users["community"], place_url("district", city.home.district))
    assert child_names(district) == ["中山东路街道"]


def test_user_without_grant_sees_an_empty_city_and_404s(client, city, users):
    user = users["nogrant"]
    response = get(client, user, reverse("geo:browse"))
    assert response.status_code == 200
    assert child_names(response) == []
    assert "还没有分配管辖范围" in response.content.decode()
    for level in ("district", "street", "community", "compound", "building", "unit"):
        assert get(client, user, place_url(level, getattr(city.home, level))).status_code == 404, level


@pytest.mark.parametrize("level", ["district", "street", "community", "compound", "building", "unit"])
def test_community_worker_gets_404_for_places_of_another_community(client, city, users, level):
    response = get(client, users["community"], place_url(level, getattr(city.elsewhere, level)))
    assert response.status_code == 404
    assert get(client, users["community"], place_url(level, getattr(city.home, level))).status_code == 200


def test_missing_place_is_404(client, city, users):
    assert get(client, users["command"], reverse("geo:place", args=["compound", 99999])).status_code == 404


def test_counts_at_each_level(client, city, users):
    user = users["command"]
    expected = {
        # level: (buildings, households, residents, vulnerable)
        "district": (2, 2, 3, 1),
        "street": (2, 2, 3, 1),
        "community": (2, 2, 3, 1),
        "compound": (2, 2, 3, 1),
        "building": (1, 1, 2, 1),
        "unit": (0, 1, 2, 1),
    }
    for level, numbers in expected.items():
        c = get(client, user, place_url(level, getattr(city.home, level))).context["counts"]
        assert (c.buildings, c.households, c.residents, c.vulnerable) == numbers, level


def test_each_child_row_has_its_counts(client, city, users):
    response = get(client, users["command"], place_url("compound", city.home.compound))
    rows = {str(child): counts for child, counts in response.context["rows"]}
    assert rows["1号楼"].residents == 2 and rows["1号楼"].vulnerable == 1 and rows["1号楼"].households == 1
    assert rows["2号楼"].residents == 1 and rows["2号楼"].vulnerable == 0


def test_unit_lists_households_with_member_counts(client, city, users):
    make_tree(household="102")
    response = get(client, users["community"], place_url("unit", city.home.unit))
    rows = {str(child): counts.residents for child, counts in response.context["rows"]}
    assert rows == {"101": 2, "102": 0}
    assert reverse("geo:household", args=[city.home.household.pk]) in response.content.decode()


def test_grid_worker_sees_only_their_grid(client, city, users):
    user = users["grid"]
    compound = get(client, user, place_url("compound", city.home.compound))
    assert child_names(compound) == ["1号楼"]
    assert compound.context["counts"].residents == 2
    community = get(client, user, place_url("community", city.home.community))
    assert [g.name for g in community.context["grids"]] == ["第一网格"]
    assert get(client, user, place_url("building", city.neighbour.building)).status_code == 404
    assert get(client, user, place_url("unit", city.neighbour.unit)).status_code == 404


def test_community_page_lists_grids_with_their_workers(client, city, users):
    GridWorker.objects.create(grid=city.home.grid, name="张丽娟", phone="13847110001")
    response = get(client, users["community"], place_url("community", city.home.community))
    html = response.content.decode()
    assert "第一网格" in html and "第二网格" in html and "张丽娟" in html
    assert child_names(response) == ["迎宾小区"]


def test_breadcrumbs_lead_back_up_the_hierarchy(client, city, users):
    response = get(client, users["community"], place_url("unit", city.home.unit))
    html = response.content.decode()
    for level in ("district", "street", "community", "compound", "building"):
        assert place_url(level, getattr(city.home, level)) in html
    assert [lvl for lvl, _ in response.context["crumbs"]] == ["district", "street", "community", "compound", "building", "unit"]


def test_name_filter_narrows_the_children(client, city, users):
    response = get(client, users["command"], place_url("compound", city.home.compound), data={"q": "2号"})
    assert child_names(response) == ["2号楼"]
    none = get(client, users["command"], place_url("compound", city.home.compound), data={"q": "99号"})
    assert child_names(none) == [] and "没有名称包含" in none.content.decode()


def test_htmx_filter_returns_only_the_table(client, city, users):
    response = get(client, users["command"], place_url("compound", city.home.compound), data={"q": "1号"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="children"' in html and "<html" not in html and "1号楼" in html


def test_children_are_paginated(client, city, users):
    for n in range(30):
        make_tree(household=f"9{n:02d}")
    first = get(client, users["community"], place_url("unit", city.home.unit))
    assert first.context["page_obj"].paginator.num_pages == 2
    assert 'class="pagination' in first.content.decode()
    second = get(client, users["community"], place_url("unit", city.home.unit), data={"page": 2})
    assert len(second.context["rows"]) == 31 - 25


def test_empty_level_says_what_to_do(client, city, users):
    empty = District.objects.get(code="150122")
    response = get(client, users["command"], place_url("district", empty))
    html = response.content.decode()
    assert "请在“批量导入”中导入区域与人口" in html and reverse("imports:job_list") in html
    auditor = get(client, users["auditor"], place_url("district", empty)).content.decode()
    assert "导入后，会在这里显示" in auditor and reverse("imports:job_list") not in auditor.split("<main")[1]
    assert "dev.py" not in html and "dev.py" not in auditor  # no developer's command on a user's page


# ---- household ----


def test_household_page_shows_address_grid_and_masked_members(client, city, users):
    response = get(client, users["community"], reverse("geo:household", args=[city.home.household.pk]))
    html = response.content.decode()
    assert "迎宾小区1号楼1单元101" in html and "第一网格" in html
    for name in ("王秀英", "李建国"):
        p = person(name)
        assert reverse("geo:person", args=[p.pk]) in html
        assert p.id_masked in html and full_id(p) not in html
    assert "********" in person("王秀英").id_masked
    assert "138******11" in html and "独居老人" in html


def test_household_scoping(client, city, users):
    url = reverse("geo:household", args=[city.elsewhere.household.pk])
    assert get(client, users["community"], url).status_code == 404
    assert get(client, users["nogrant"], reverse("geo:household", args=[city.home.household.pk])).status_code == 404
    assert get(client, users["grid"], reverse("geo:household", args=[city.neighbour.household.pk])).status_code == 404
    assert get(client, users["grid"], reverse("geo:household", args=[city.home.household.pk])).status_code == 200


# ---- person search ----


def post_search(client, user, **params):
    """The search form posts; the results page is at ?s=<token> (no name or number in the URL)."""
    client.force_login(user)
    response = client.post(reverse("geo:person_search"), data=params, follow=True)
    assert response.redirect_chain and response.redirect_chain[0][1] == 303
    assert response.request["QUERY_STRING"].startswith("s=")
    return response


def search(client, user, **params):
    response = post_search(client, user, **params)
    assert response.status_code == 200
    return sorted(p.name for p in response.context["rows"])


def test_search_by_name_phone_full_id_and_last_digits(client, city, users):
    user = users["command"]
    wang = person("王秀英")
    assert search(client, user, q="王") == ["王秀英"]
    assert search(client, user, q="13800001111") == ["王秀英"]
    assert search(client, user, q=full_id(wang)) == ["王秀英"]
    assert wang.pk in [p.pk for p in Person.objects.filter(id_tail=full_id(wang)[-4:])]
    assert "王秀英" in search(client, user, q=full_id(wang)[-4:])
    assert search(client, user, q=full_id(wang)[-6:]) == []  # no more of the end than the mask shows (decision 0005)


def test_search_is_scoped(client, city, users):
    assert search(client, users["community"], q="马") == []
    assert search(client, users["community"], q="13900002222") == []
    assert search(client, users["community"], q=full_id(person("马丽"))) == []
    assert search(client, users["community"]) == ["李建国", "王秀英", "赵敏"]
    assert search(client, users["grid"]) == ["李建国", "王秀英"]
    assert search(client, users["nogrant"]) == []
    assert search(client, users["nogrant"], q="王") == []


def test_search_filters_by_place_and_tag(client, city, users):
    user = users["command"]
    assert search(client, user, district=city.elsewhere.district.pk) == ["马丽"]
    assert search(client, user, community=city.home.community.pk) == ["李建国", "王秀英", "赵敏"]
    assert search(client, user, tag="elderly_alone") == ["王秀英"]
    assert search(client, user, street=city.home.street.pk, q="赵") == ["赵敏"]


def test_search_results_show_masked_ids_only(client, city, users):
    response = post_search(client, users["community"], q="王")
    html = response.content.decode()
    assert person("王秀英").id_masked in html and full_id(person("王秀英")) not in html


def test_search_empty_state_and_pagination(client, city, users):
    response = post_search(client, users["community"], q="欧阳")
    assert "没有找到符合条件的人员" in response.content.decode()
    for n in range(30):
        make_person(city.home.household, f"测试{n}")
    page = post_search(client, users["community"], q="测试")
    assert page.context["page_obj"].paginator.count == 30
    html = page.content.decode()
    assert 'class="pagination' in html
    # the next page keeps the search by its token, and holds the other five
    token = page.request["QUERY_STRING"]
    assert f'href="?{token}&amp;page=2"' in html and "测试" not in html.split('class="pagination')[1].split("</nav>")[0]
    second = client.get(reverse("geo:person_search") + f"?{token}&page=2")
    assert len(second.context["rows"]) == 5 and second.context["page_obj"].number == 2


def test_search_form_offers_only_visible_places(client, city, users):
    response = get(client, users["community"], reverse("geo:person_search"), data={"district": city.home.district.pk})
    assert [d.name for d in response.context["districts"]] == ["新城区"]
    assert [s.name for s in response.context["streets"]] == ["中山东路街道"]


# ---- person page and revealing the ID ----


def test_person_page_shows_masked_id_household_and_tags(client, city, users):
    wang = person("王秀英")
    response = get(client, users["community"], reverse("geo:person", args=[wang.pk]))
    html = response.content.decode()
    assert f'<span class="masked" id="masked-id">{wang.id_masked}</span>' in html
    assert "********" in wang.id_masked and full_id(wang) not in html
    assert "居民身份证" in html and "独居老人" in html and "138******11" in html
    assert reverse("geo:household", args=[city.home.household.pk]) in html
    assert reverse("geo:person", args=[person("李建国").pk]) in html  # the other member
    assert "查看完整证件号" in html


def test_person_scoping(client, city, users):
    ma, zhao = person("马丽"), person("赵敏")
    assert get(client, users["community"], reverse("geo:person", args=[ma.pk])).status_code == 404
    assert get(client, users["grid"], reverse("geo:person", args=[zhao.pk])).status_code == 404
    assert get(client, users["nogrant"], reverse("geo:person", args=[person("王秀英").pk])).status_code == 404
    assert get(client, users["command"], reverse("geo:person", args=[ma.pk])).status_code == 200


def reveal_url(p: Person) -> str:
    return reverse("geo:person_reveal_id", args=[p.pk])


def reveals() -> int:
    return AuditEvent.objects.filter(event_type=EventType.ID_REVEALED).count()


def test_get_shows_the_reason_form_but_never_the_number(client, city, users):
    wang = person("王秀英")
    response = get(client, users["community"], reveal_url(wang), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and 'name="reason"' in html
    assert full_id(wang) not in html and "<html" not in html
    assert reveals() == 0


def test_reveal_with_a_reason_shows_the_number_and_audits(client, city, users):
    wang = person("王秀英")
    client.force_login(users["community"])
    response = client.post(reveal_url(wang), {"reason": "核酸检测登记核对身份"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    number = full_id(wang)
    assert number in html
    assert f"{number[6:10]}-{number[10:12]}-{number[12:14]}" in html  # the exact date: only here (decision 0005)
    event = AuditEvent.objects.get(event_type=EventType.ID_REVEALED)
    assert event.actor == users["community"] and event.object_id == str(wang.pk) and event.reason == "核酸检测登记核对身份"
    assert full_id(wang) not in str(event.after or "")


def test_reveal_without_javascript_renders_the_whole_page(client, city, users):
    wang = person("王秀英")
    client.force_login(users["community"])
    response = client.post(reveal_url(wang), {"reason": "核对身份信息"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and full_id(wang) in html


@pytest.mark.parametrize("reason", ["", "   ", "看看"])
def test_reveal_needs_a_reason(client, city, users, reason):
    wang = person("王秀英")
    client.force_login(users["community"])
    response = client.post(reveal_url(wang), {"reason": reason}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 422
    assert full_id(wang) not in html and "查看事由" in html and 'role="alert"' in html
    assert reveals() == 0


def test_reveal_needs_the_capability(client, city, users):
    wang = person("王秀英")
    page = get(client, users["grid"], reverse("geo:person", args=[wang.pk])).content.decode()
    assert "查看完整证件号" not in page and reveal_url(wang) not in page
    assert "1980 年生" in page and "1980-05-17" not in page  # the year, not the date
    response = client.post(reveal_url(wang), {"reason": "核酸检测登记核对身份"}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert full_id(wang) not in response.content.decode() and "无权" in response.content.decode()
    assert client.get(reveal_url(wang)).status_code == 403
    assert reveals() == 0


def test_reveal_outside_the_jurisdiction_is_404(client, city, users):
    client.force_login(users["community"])
    assert client.post(reveal_url(person("马丽")), {"reason": "核酸检测登记核对身份"}).status_code == 404
    assert reveals() == 0


def test_a_community_worker_can_reveal_only_within_grants(client, city):
    worker = make_user("elsewhere-worker", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    client.force_login(worker)
    assert client.post(reveal_url(person("马丽")), {"reason": "入住登记核对身份"}).status_code == 200
    assert client.post(reveal_url(person("王秀英")), {"reason": "入住登记核对身份"}).status_code == 404


@pytest.mark.parametrize("role", [Role.ISOLATION_SITE_STAFF, Role.SUPERVISOR, Role.VOLUNTEER_COORDINATOR, Role.AUDITOR])
def test_roles_without_the_census_in_their_work_are_refused_the_registrys_people_inside_their_grant(client, city, role):
    """Need-to-know: a grant says where, geo.view_people says what. Refused before the look-up, so the
    answer is the same for a person inside the grant and outside it (no oracle)."""
    user = make_user("granted-elsewhere", role, [("community", city.elsewhere.community)])
    client.force_login(user)
    inside, outside = person("马丽"), person("王秀英")
    for target in (inside, outside):
        assert client.get(reverse("geo:person", args=[target.pk])).status_code == 403
        assert client.post(reveal_url(target), {"reason": "核对"}).status_code == 403
    assert client.get(reverse("geo:household", args=[inside.household_id])).status_code == 403
    assert client.get(reverse("geo:person_search")).status_code == 403
    page = client.get(reverse("geo:place", args=["community", city.elsewhere.community.pk])).content.decode()
    assert "马丽" not in page and reverse("geo:person_search") not in page
    api = APIClient()
    api.force_authenticate(user)
    assert api.get("/api/people/").status_code == 403
    assert api.get("/api/households/").status_code == 403
