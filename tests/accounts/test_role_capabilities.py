"""角色与权限: the capabilities each role holds, as the modules declare them, shown to account managers."""

from __future__ import annotations

from django.urls import reverse

from fangkong.core.modules import registry
from fangkong.core.roles import Role


def test_an_account_manager_sees_every_capability_and_who_holds_it(client, users):
    client.force_login(users["admin"])
    response = client.get(reverse("accounts:role_capabilities"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in registry.capabilities:
        assert f'data-capability="{name}"' in html
    for value, label in Role.choices:
        assert f'data-role="{value}"' in html and str(label) in html
    # need-to-know: the capability that opens cases' personal details is marked, and the volunteer
    # coordinator does not hold it
    cases_view = registry.capability("cases.view")
    assert cases_view.personal and Role.VOLUNTEER_COORDINATOR not in cases_view.roles
    row = html.split('data-capability="cases.view"')[1].split("</tr>")[0]
    assert "个人信息" in row
    roles = [value for value, _label in Role.choices]
    cells = row.split("<td")[1:]
    assert len(cells) == len(roles)
    assert ("bi-check-lg" in cells[roles.index(Role.DISTRICT_OFFICE)]) and (
        "bi-check-lg" not in cells[roles.index(Role.VOLUNTEER_COORDINATOR)]
    )


def test_other_roles_may_not_open_it(client, users):
    for who in ("grid", "district", "command"):
        client.force_login(users[who])
        assert client.get(reverse("accounts:role_capabilities")).status_code == 403


def test_my_account_names_the_users_capabilities_rather_than_their_codes(client, users):
    """我的账号 lists what the user may do by name (the code only in a data attribute)."""
    client.force_login(users["grid"])
    html = client.get(reverse("accounts:profile")).content.decode()
    held = registry.role_capabilities(Role.GRID_WORKER)
    assert held
    for name in held:
        label = str(registry.capability(name).label)
        assert f'data-capability="{name}">{label}</span>' in html
        assert f">{name}<" not in html
