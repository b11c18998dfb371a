"""重点人群 counts on the browse pages (security review B): per household, and per unit (a unit holds a
few households), the count tells one resident's vulnerable status (独居老人, 残疾, 低保 …) by
address. A role without geo.view_people — a supervisor granted the district, who gets 403 on the
person and the household — read "909: 人数 1, 重点人群 1" on the unit's page. Now the figure is
shown at unit and household level only with geo.view_people; a building and every level above keep
it for every role with a grant."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.core.permissions import user_can
from fangkong.core.roles import Role
from fangkong.geo.permissions import GeoCap
from fangkong.geo.selectors import child_counts

from ..factories import make_person, make_tree, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def lone(city):
    """An elderly person living alone: 迎宾小区 1号楼 9单元, the unit's one household, 909."""
    tree = make_tree(unit="9单元", household="909")
    person = make_person(tree.household, "孤老甲", tags=["elderly_alone"])
    return tree, person


def _page(client: Client, level: str, pk: int) -> str:
    answer = client.get(reverse("geo:place", args=[level, pk]))
    assert answer.status_code == 200
    return answer.content.decode()


def _table(body: str) -> str:
    return re.search(r'<table[^>]*id="children-table".*?</table>', body, re.S).group(0)


def _row(body: str, label: str) -> list[str]:
    """The figures of the table row of `label` (a household number or a place name)."""
    row = re.search(rf"{re.escape(label)}</(?:span|a)>.*?</tr>", _table(body), re.S).group(0)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r'<td class="text-end">(.*?)</td>', row, re.S)]


def _card(body: str) -> str | None:
    """The place's own 重点人群 card, None when it is not shown."""
    found = re.search(r'data-count="vulnerable">(.*?)</div>', body, re.S)
    return found.group(1).strip() if found else None


def test_a_role_without_view_people_reads_no_vulnerable_count_of_a_household_or_a_unit(city, lone):
    tree, person = lone
    supervisor = make_user("sup", Role.SUPERVISOR, [("district", city.home.district)])
    assert not user_can(supervisor, GeoCap.VIEW_PEOPLE)
    c = Client()
    c.force_login(supervisor)
    assert c.get(reverse("geo:person", args=[person.pk])).status_code == 403
    assert c.get(reverse("geo:household", args=[tree.household.pk])).status_code == 403
    # The attack: the unit's page, household 909's row (人数 1, 重点人群 1), and the unit's own card.
    unit_page = _page(c, "unit", tree.unit.pk)
    assert _row(unit_page, "909") == ["1"]
    assert "重点人群" not in _table(unit_page) and _card(unit_page) is None
    # the building's page, the unit's row (one household: the same person)
    building_page = _page(c, "building", tree.building.pk)
    assert _row(building_page, "9单元") == ["1", "1"]  # 户数, 常住人口
    assert "重点人群" not in _table(building_page) and _card(building_page) is not None
    # a building and above keep the figure
    compound_page = _page(c, "compound", tree.compound.pk)
    assert "重点人群" in _table(compound_page) and _row(compound_page, "1号楼")[-1] == "2"  # 孤老甲, 王秀英


def test_a_role_with_view_people_still_reads_them(users, lone):
    tree, _person = lone
    c = Client()
    c.force_login(users["community"])
    unit_page = _page(c, "unit", tree.unit.pk)
    assert _row(unit_page, "909") == ["1", "1"] and _card(unit_page) == "1"
    assert _row(_page(c, "building", tree.building.pk), "9单元") == ["1", "1", "1"]


def test_the_selector_does_not_read_them_for_such_a_role(city, lone):
    tree, _person = lone
    supervisor = make_user("sup", Role.SUPERVISOR, [("district", city.home.district)])
    counts = child_counts(user=supervisor, level="unit", children=[tree.household])
    assert counts[tree.household.pk].residents == 1 and counts[tree.household.pk].vulnerable is None
    compound = child_counts(user=supervisor, level="compound", children=[tree.building])
    assert compound[tree.building.pk].vulnerable == 2
