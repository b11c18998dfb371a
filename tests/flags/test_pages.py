"""The flags page and the board's row, scoped: a street office sees its own flags and never another
district's (not in the list, not through the place filter, not in the board's figures), a grid grant
or no grant sees none; the board's figure equals its list; accountability per unit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.flags.choices import FlagKind, FlagRuleCode
from fangkong.flags.models import Flag
from fangkong.flags.selectors import flags_by_unit
from fangkong.reports import board

pytestmark = pytest.mark.django_db


def _flag(tree, rule=FlagRuleCode.AREA_TOO_WIDE, kind=FlagKind.OVER, *, raised=None, cleared=None, title="") -> Flag:
    raised = raised or timezone.now() - dt.timedelta(hours=3)
    return Flag.objects.create(
        rule=rule,
        kind=kind,
        subject=f"community:{tree.community.pk}:{title}",
        title=title or tree.community.name,
        district_id=tree.district.pk,
        street_id=tree.street.pk,
        community_id=tree.community.pk,
        place_name=f"{tree.street.name} · {tree.community.name}",
        raised_at=raised,
        seen_at=raised,
        cleared_at=cleared,
        evidence=[{"ref": "zoning.riskarea", "id": 1, "text": f"{title}证据"}],
        item_count=1,
        citation="risk.high_area_unit = building — 测试",
    )


@pytest.fixture
def flags(city):
    return {
        "home": _flag(city.home, title="本区超范围"),
        "home_under": _flag(city.home, FlagRuleCode.TRANSFER_OVERDUE, FlagKind.UNDER, title="本区转运超时"),
        "elsewhere": _flag(city.elsewhere, title="外区超范围"),
    }


def test_a_street_office_sees_its_flags_and_never_another_districts(client, users, flags, city):
    client.force_login(users["street"])
    page = client.get(reverse("flags:flag_list")).content.decode()
    assert "本区超范围" in page and "本区转运超时" in page and "外区超范围" not in page
    assert "依据" in page and "risk.high_area_unit" in page  # the 依据 folded beside the items
    # The attack: ask for the other district's community by the place filter.
    attack = client.get(reverse("flags:flag_list"), {"place": f"community:{city.elsewhere.community.pk}"}).content.decode()
    assert "外区超范围" not in attack and "本区超范围" not in attack
    options = client.get(reverse("flags:flag_list")).context["places"]
    assert all(str(city.elsewhere.community.pk) not in key for key, _label in options)


def test_the_filters_by_rule_kind_and_state(client, users, flags):
    Flag.objects.filter(pk=flags["home"].pk).update(cleared_at=timezone.now())
    client.force_login(users["command"])
    url = reverse("flags:flag_list")
    shown = lambda **q: [f.pk for f in client.get(url, q).context["flags"]]  # noqa: E731
    assert shown(kind=FlagKind.UNDER) == [flags["home_under"].pk]
    assert shown(rule=FlagRuleCode.AREA_TOO_WIDE, state="open") == [flags["elsewhere"].pk]
    assert shown(state="cleared") == [flags["home"].pk]


def test_a_grid_grant_and_no_grant_see_no_flag(client, users, flags):
    """Flags lie in communities: a grid worker's grant covers none of them, and no grant sees nothing."""
    client.force_login(users["grid"])
    page = client.get(reverse("flags:flag_list")).content.decode()
    assert "本区超范围" not in page and "本区转运超时" not in page and "外区超范围" not in page
    client.force_login(users["nogrant"])
    page = client.get(reverse("flags:flag_list")).content.decode()
    assert "本区超范围" not in page and "本区转运超时" not in page and "外区超范围" not in page


def test_the_boards_figures_equal_their_lists_and_are_scoped(users, flags):
    now = timezone.now()
    for key, home_count in (("flags_over", 1), ("flags_under", 1)):
        _step, figure = board.figure_get(f"flags.{key}")
        for user, expected in ((users["command"], home_count + (1 if key == "flags_over" else 0)), (users["street"], home_count)):
            total, items = board.figure_items(figure, user=user, now=now, level="city", place_id=None)
            assert total == len(items) == board.figure_count(figure, user=user, now=now) == expected
    _step, over = board.figure_get("flags.flags_over")
    _total, items = board.figure_items(over, user=users["street"], now=now, level="city", place_id=None)
    assert [i.pk for i in items] == [flags["home"].pk]


def test_accountability_per_unit_over_a_period(users, city):
    now = timezone.now()
    _flag(city.home, raised=now - dt.timedelta(days=3), cleared=now - dt.timedelta(days=2), title="旧")
    _flag(city.home, raised=now - dt.timedelta(hours=5), cleared=now - dt.timedelta(hours=1), title="新且已消除")
    _flag(city.home, raised=now - dt.timedelta(hours=4), title="未消除")
    _flag(city.elsewhere, raised=now - dt.timedelta(hours=4), title="外区")
    units = flags_by_unit(user=users["street"], since=now - dt.timedelta(days=1), until=now)
    assert len(units) == 1
    unit = units[0]
    assert (unit.community_id, unit.raised, unit.cleared, unit.open_at_end) == (city.home.community.pk, 2, 1, 1)
    assert {f.title for f in unit.flags} == {"新且已消除", "未消除"}
    assert len(flags_by_unit(user=users["command"], since=now - dt.timedelta(days=4), until=now)) == 2
