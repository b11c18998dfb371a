"""The 三快一严 board over a small synthetic city (the demo's generators): every figure equals the
length of its drill-down list at every level (city → district → street → community, and the rows of
a place that lie in no place below it), for the command and for a district office; every step shows
late items; a district sees only its own district."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.cases.synthetic import cases_generate
from fangkong.core.roles import Role
from fangkong.geo.models import District
from fangkong.geo.synthetic import city_generate
from fangkong.isolation.synthetic import isolation_generate
from fangkong.livelihood.synthetic import livelihood_generate
from fangkong.reports import board
from fangkong.testing.synthetic import round_generate
from fangkong.zoning.synthetic import zoning_generate

from ..clock import built_once_per_module
from ..factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("beijing_afternoon")]

PEOPLE = 2_000


def _demo_city():
    city_generate(actor=None, people=PEOPLE, seed=11)
    round_generate(seed=11)
    cases_generate(seed=11)
    isolation_generate(seed=11)
    zoning_generate(seed=11)
    livelihood_generate(seed=11)


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """Built once per module (8–10 s): the tests only read it, and what one writes is rolled back."""
    yield from built_once_per_module(django_db_blocker, _demo_city)


@pytest.fixture
def command(demo_city) -> User:
    return make_user("board-command", Role.COMMAND_CENTRE, [("city", None)])


@pytest.fixture
def district_office(demo_city) -> User:
    district = District.objects.order_by("code").first()
    return make_user("board-district", Role.DISTRICT_OFFICE, [("district", district)])


def walk(figure, user, now, level: str = "city", place=None, src=None) -> int:
    """Walk a figure down every level under a place; check each level against the lists (read from
    `src`: live, or the board's snapshot). Returns the figure's value for the place."""
    place_id = place.pk if place is not None else None
    data = board.drill(figure, user=user, now=now, level=level, place=place, src=src)
    total, items = board.figure_items(figure, user=user, now=now, level=level, place_id=place_id, src=src)
    assert data.total == total == len(items) == board.figure_count(figure, user=user, now=now, level=level, place_id=place_id, src=src)
    if data.child_level is None:
        return data.total
    direct_total, direct_items = board.figure_items(figure, user=user, now=now, level=level, place_id=place_id, direct=True, src=src)
    assert data.direct == direct_total == len(direct_items)
    model = board.geo.LEVELS[data.child_level]["model"]
    below = sum(walk(figure, user, now, data.child_level, model.objects.get(pk=c.place_id), src) for c in data.children)
    assert sum(c.count for c in data.children) == below
    assert data.total == below + data.direct
    return data.total


def drillable():
    return [(s, f) for s, figures in board.steps() for f in figures if isinstance(f, board.Figure)]


def test_every_figure_equals_its_drill_down_lists_at_every_level(command, district_office):
    now = timezone.now()
    for user in (command, district_office):
        for step, figure in drillable():
            value = walk(figure, user, now)
            cell = next(c for row in board.step_rows(user=user, now=now) for c in row.cells if c.key == f"{step.key}.{figure.key}")
            assert cell.value == value, cell.key


def test_every_step_has_late_items_and_owners_sum_to_them(command):
    now = timezone.now()
    rows = board.step_rows(user=command, now=now)
    late = {row.step.key: row.late for row in rows}
    assert set(late) >= {"testing", "cases", "isolation", "zoning", "livelihood"}
    assert all(late[k] > 0 for k in ("testing", "cases", "isolation", "zoning", "livelihood")), late
    owners = board.late_by_owner(user=command, now=now)
    assert sum(o.count for o in owners) == sum(late.values())
    assert [o.count for o in owners] == sorted((o.count for o in owners), reverse=True)


def test_a_district_sees_only_its_district(client, command, district_office):
    now = timezone.now()
    home_district = District.objects.order_by("code").first()
    for _step, figure in drillable():
        mine = board.figure_count(figure, user=district_office, now=now)
        assert mine == board.figure_count(figure, user=command, now=now, level="district", place_id=home_district.pk)
    other = District.objects.exclude(pk=home_district.pk).order_by("code").first()
    client.force_login(district_office)
    url = reverse("reports:board_drill")
    assert client.get(url, {"figure": "cases.transfers_overdue", "level": "district", "place": other.pk}).status_code == 404
    assert client.get(url, {"figure": "cases.transfers_overdue", "level": "district", "place": home_district.pk}).status_code == 200
    html = client.get(reverse("reports:home")).content.decode()
    assert 'id="sankuai-board"' in html and other.name not in html.split('id="work-panels"')[0]
