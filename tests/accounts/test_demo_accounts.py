"""Demo accounts: one per role with the right grants, idempotent; the demo command end to end."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from fangkong.accounts.models import Grant, GrantLevel, User
from fangkong.accounts.selectors import account_list
from fangkong.core.roles import Role
from fangkong.demo.management.commands.demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from fangkong.geo.models import Community, District, Grid, GridWorker, Person, Street
from fangkong.geo.synthetic import city_generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_city():
    city_generate(actor=None, people=600, seed=3)


def grants_of(username: str) -> set[tuple[str, int | None]]:
    return set(Grant.objects.filter(user__username=username).values_list("level", "place_id"))


def test_one_account_per_role_with_its_grants(demo_city):
    call_command("demo_accounts", verbosity=0)
    users = {u.username: u for u in User.objects.all()}
    assert len(users) == 12
    assert {u.role for u in users.values()} == set(Role.values)
    xincheng = District.objects.get(code="150102")
    street = Street.objects.get(district=xincheng, name="中山东路街道")
    community = Community.objects.get(street=street, name="迎宾南路社区")
    grid = Grid.objects.filter(community=community).order_by("id").first()
    assert grants_of("command") == {(GrantLevel.CITY, None)}
    assert grants_of("district") == {(GrantLevel.DISTRICT, xincheng.pk)}
    assert grants_of("street") == {(GrantLevel.STREET, street.pk)}
    assert grants_of("community") == {(GrantLevel.COMMUNITY, community.pk)}
    assert grants_of("grid") == {(GrantLevel.GRID, grid.pk)}
    for name in ("isolation", "hospital", "lab"):
        assert grants_of(name) == set()
        assert users[name].jurisdiction.is_empty
    for name in ("volunteer", "supervisor"):
        assert grants_of(name) == {(GrantLevel.DISTRICT, xincheng.pk)}
    for name in ("auditor", "admin"):
        assert grants_of(name) == {(GrantLevel.CITY, None)}
    assert users["admin"].is_staff and not users["admin"].is_superuser
    # the demo's administrator manages every other account on 账号管理
    managed = {u.username for u in account_list(user=users["admin"])}
    assert managed == set(users) - {"admin"}
    assert not any(u.is_staff for n, u in users.items() if n != "admin")
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
    worker = GridWorker.objects.get(user=users["grid"])
    assert worker.grid_id == grid.pk
    assert users["grid"].full_name == worker.name
    # the community worker sees the people of the community and nobody else's
    visible = Person.objects.visible_to(users["community"])
    assert visible.count() == Person.objects.filter(community=community).count() > 0


def test_rerunning_resets_passwords_and_grants(demo_city, capsys):
    call_command("demo_accounts", verbosity=0)
    user = User.objects.get(username="district")
    user.set_password("something-else")
    user.is_staff = True
    user.must_change_password = True
    user.save()
    Grant.objects.create(user=user, level=GrantLevel.CITY)
    call_command("demo_accounts")
    out = capsys.readouterr().out
    assert "fangkong-demo" in out and "区县防控办" in out and "迎宾南路社区" in out
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD) and not user.is_staff and not user.must_change_password
    assert grants_of("district") == {(GrantLevel.DISTRICT, District.objects.get(code="150102").pk)}
    assert User.objects.count() == len(DEMO_ACCOUNTS) == 12
    assert Grant.objects.count() == 9
    assert GridWorker.objects.filter(user__username="grid").count() == 1


def test_needs_the_demo_city():
    with pytest.raises(CommandError, match="make_city"):
        call_command("demo_accounts", verbosity=0)


def test_demo_sets_up_without_serving():
    call_command("demo", "--no-serve", "--people", "500", verbosity=0)
    assert Person.objects.count() == 500
    assert User.objects.filter(username="community").exists()
    call_command("demo", "--no-serve", "--people", "500", verbosity=0)  # a second run keeps the city
    assert Person.objects.count() == 500
