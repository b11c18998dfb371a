"""The overview's figures: scoped to the user, opened at the right level, a fixed number of queries."""

from __future__ import annotations

from fangkong.reports import selectors

from ..factories import make_person, make_tree


def test_overview_opens_at_the_level_of_the_jurisdiction(city, users):
    assert selectors.overview_root(user=users["command"]) == ("city", None)
    assert selectors.overview_root(user=users["district"]) == ("district", city.home.district)
    assert selectors.overview_root(user=users["community"]) == ("community", city.home.community)
    assert selectors.overview_root(user=users["grid"]) == ("community", city.home.community)
    assert selectors.overview_root(user=users["nogrant"]) == ("city", None)


def test_street_user_compares_communities(city, users):
    make_tree(community="海东路社区")
    assert selectors.overview_root(user=users["street"]) == ("street", city.home.street)
    data = selectors.overview(user=users["street"])
    assert data.child_level == "community"
    assert {c.place.name: c.residents for c in data.children} == {"海东路社区": 0, "迎宾南路社区": 3}


def test_totals_are_scoped(city, users):
    command = selectors.overview_totals(user=users["command"])
    assert command["residents"] == 4 and command["households"] == 3 and command["vulnerable"] == 1 and command["grids"] == 3
    community = selectors.overview_totals(user=users["community"])
    assert (community["residents"], community["households"], community["grids"], community["communities"]) == (3, 2, 2, 1)
    grid = selectors.overview_totals(user=users["grid"])
    assert (grid["residents"], grid["households"], grid["grids"]) == (2, 1, 1)
    assert set(selectors.overview_totals(user=users["nogrant"]).values()) == {0}


def test_residents_by_child_for_the_city(city, users):
    data = selectors.overview(user=users["command"])
    by_name = {c.place.name: (c.residents, c.vulnerable) for c in data.children}
    assert by_name["新城区"] == (3, 1) and by_name["回民区"] == (1, 0)
    assert data.child_level == "district"


def test_community_worker_sees_only_their_own_compounds(city, users):
    data = selectors.overview(user=users["community"])
    assert [(c.place.name, c.residents) for c in data.children] == [("迎宾小区", 3)]
    grid = selectors.overview(user=users["grid"])
    assert [(c.place.name, c.residents) for c in grid.children] == [("迎宾小区", 2)]


def test_vulnerable_by_tag(city, users):
    make_person(city.home.household, "刘桂兰", tags=["dibao", "elderly_alone"])
    make_person(city.elsewhere.household, "白玉兰", tags=["dibao"])
    assert selectors.vulnerable_by_tag(user=users["command"]) == [("dibao", "低保", 2), ("elderly_alone", "独居老人", 2)]
    assert [(t, n) for t, _label, n in selectors.vulnerable_by_tag(user=users["community"])] == [("elderly_alone", 2), ("dibao", 1)]
    assert selectors.vulnerable_by_tag(user=users["nogrant"]) == []


def test_query_count_does_not_grow_with_the_data(city, users, django_assert_max_num_queries):
    user = users["command"]
    user.jurisdiction  # noqa: B018 - built once per request, not part of the overview
    with django_assert_max_num_queries(20) as small:
        selectors.overview(user=user)
    for n in range(20):
        tree = make_tree(compound=f"新小区{n}", grid=f"网格{n}")
        make_person(tree.household, f"居民{n}", tags=["dibao"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        selectors.overview(user=user)
