"""The 4+N duty panel on the home page of the offices keeping rosters: the compounds in their grants
whose next 24 hours have a gap — a night without police or militia named "夜班无民警" and listed
first — with how many are on duty now; not for a role without zoning.duty, nor another district's."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.core.landing import landing_panels
from fangkong.core.roles import Role
from fangkong.zoning.choices import DutyRole
from fangkong.zoning.services.duty import duty_shifts_add

from ..factories import make_user
from .conftest import day
from .test_duty import (
    roster,
    sealed,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.django_db


def duty_panel(user, now):
    return next((p for p in landing_panels(user=user, now=now) if p.key == "zoning-duty-gaps"), None)


def test_the_night_without_police_is_flagged_on_the_home_page(users, city, sealed, at):  # noqa: F811
    now = at(day(1, 12))
    posts = roster(users["street"], city.home.compound)
    for role in (DutyRole.VOLUNTEER, DutyRole.CADRE, DutyRole.SECURITY):
        duty_shifts_add(actor=users["street"], post=posts[role], starts_at=day(1, 8), ends_at=day(2, 8), days=2)
    duty_shifts_add(actor=users["street"], post=posts[DutyRole.POLICE_OR_MILITIA], starts_at=day(1, 8), ends_at=day(1, 22), days=2)
    for who in ("street", "community", "district"):
        panel = duty_panel(users[who], now)
        assert panel is not None and panel.count == 1, who
        (row,) = panel.rows
        assert row.text == city.home.compound.name and row.flag == "夜班无民警"
        assert row.detail.startswith("在岗 4 人") and row.url == reverse("zoning:duty_compound", args=[city.home.compound.pk])
    assert duty_panel(users["grid"], now) is None  # no zoning.duty: no panel
    assert duty_panel(users["command"], now) is None
    outsider = make_user("far-street", Role.STREET_OFFICE, [("street", city.elsewhere.street)])
    assert duty_panel(outsider, now).count == 0
    office = Client()
    office.force_login(users["street"])
    page = office.get("/").content.decode()
    assert "4+N 值守空档" in page and "夜班无民警" in page


def test_full_coverage_leaves_the_panel_empty(users, city, sealed, at):  # noqa: F811
    now = at(day(1, 12))
    posts = roster(users["street"], city.home.compound)
    for post in posts.values():
        duty_shifts_add(actor=users["street"], post=post, starts_at=day(1, 8), ends_at=day(2, 8), days=2)
    panel = duty_panel(users["street"], now)
    assert panel.count == 0 and panel.rows == []
