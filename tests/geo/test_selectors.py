"""Geo selectors behind the registry pages: counts per level, children, breadcrumbs, search."""

from __future__ import annotations

from fangkong.core.crypto import decrypt
from fangkong.geo import selectors
from fangkong.geo.models import Person

from ..factories import make_person, make_tree


def test_place_counts_count_only_what_the_user_covers(city, users):
    city_counts = selectors.place_counts(user=users["community"], level="city", place=None)
    assert (city_counts.buildings, city_counts.households, city_counts.residents, city_counts.vulnerable) == (2, 2, 3, 1)
    grid = selectors.place_counts(user=users["grid"], level="compound", place=city.home.compound)
    assert (grid.buildings, grid.households, grid.residents) == (1, 1, 2)
    nobody = selectors.place_counts(user=users["nogrant"], level="city", place=None)
    assert (nobody.buildings, nobody.households, nobody.residents, nobody.vulnerable) == (0, 0, 0, 0)


def test_child_counts_group_by_child(city, users):
    children = list(selectors.place_children(user=users["command"], level="community", place=city.home.community))
    counts = selectors.child_counts(user=users["command"], level="community", children=children)
    (compound,) = children
    assert counts[compound.pk].residents == 3 and counts[compound.pk].buildings == 2 and counts[compound.pk].households == 2


def test_place_children_are_scoped(city, users):
    districts = selectors.place_children(user=users["community"], level="city", place=None)
    assert [d.name for d in districts] == ["新城区"]
    buildings = selectors.place_children(user=users["grid"], level="compound", place=city.home.compound)
    assert [b.name for b in buildings] == ["1号楼"]
    assert not selectors.place_children(user=users["nogrant"], level="city", place=None).exists()


def test_breadcrumbs_run_from_the_district_down(city):
    crumbs = selectors.breadcrumbs(city.home.household, "household")
    assert [level for level, _ in crumbs] == ["district", "street", "community", "compound", "building", "unit", "household"]
    assert selectors.breadcrumbs(None, "city") == []


def test_person_list_search_and_scope(city, users):
    wang = Person.objects.get(name="王秀英")
    number = decrypt(wang.id_cipher)
    assert [p.name for p in selectors.person_list(user=users["command"], filters={"q": number})] == ["王秀英"]
    assert [p.name for p in selectors.person_list(user=users["command"], filters={"q": "13800001111"})] == ["王秀英"]
    assert "王秀英" in [p.name for p in selectors.person_list(user=users["command"], filters={"q": number[-4:]})]
    assert list(selectors.person_list(user=users["community"], filters={"q": "马丽"})) == []


def test_person_list_does_not_query_per_row(city, users, django_assert_num_queries):
    for n in range(5):
        tree = make_tree(building=f"{n + 3}号楼")
        make_person(tree.household, f"住户{n}", tags=["dibao"])
    users["command"].jurisdiction  # noqa: B018 - built once per request
    with django_assert_num_queries(2):  # the people, then their tags
        for p in selectors.person_list(user=users["command"]):
            _ = (p.household.address if p.household else "", p.community.name if p.community else "", [t.tag for t in p.tags.all()])
