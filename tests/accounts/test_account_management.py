"""账号管理: account managers create accounts, change role and grants, deactivate, reset password and
second factor — each audited — within their reach only: a district's administrator manages only the
accounts whose grants all lie in their district, gives only grants inside it, and never themselves."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.accounts import selectors, services
from fangkong.accounts.models import ApiToken, Grant, GrantLevel, User
from fangkong.accounts.reach import GrantSpec
from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.roles import Role
from fangkong.isolation.models import IsolationSite
from fangkong.testing.models import Laboratory

from ..factories import make_user

PASSWORD = "pass-word-1"


@pytest.fixture
def district_admin(city, users):
    return make_user("xc_admin", Role.SYSTEM_ADMIN, [("district", city.home.district)])


@pytest.fixture
def elsewhere_user(city, users):
    return make_user("elsewhere", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])


def account_events() -> int:
    return AuditEvent.objects.filter(event_type__startswith="account.").count()


def grants_of(user: User) -> set[tuple[str, int | None, str]]:
    return set(Grant.objects.filter(user=user).values_list("level", "place_id", "facility_kind"))


def sign_in(client: Client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


# ---- the city's administrator ----


def test_create_an_account_with_a_temporary_password_that_must_be_changed(city, users):
    account, password = services.account_create(
        actor=users["admin"],
        username="wang_grid",
        full_name="王网格",
        role=Role.GRID_WORKER,
        grants=[GrantSpec(GrantLevel.GRID, city.home.grid.pk)],
    )
    assert account.must_change_password and account.check_password(password)
    assert grants_of(account) == {(GrantLevel.GRID, city.home.grid.pk, "")}
    event = AuditEvent.objects.get(event_type=EventType.ACCOUNT_CREATED)
    assert event.actor == users["admin"] and event.after["role"] == Role.GRID_WORKER
    assert password not in str(event.after) and password not in event.reason
    # the worker signs in with it and is kept on the change-password page until they change it
    client = Client()
    assert sign_in(client, "wang_grid", password).status_code == 302
    response = client.get(reverse("geo:browse"))
    assert response.status_code == 302 and response.url == reverse("accounts:password_change")
    page = client.get(reverse("accounts:password_change"))
    assert "临时密码" in page.content.decode()
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": "灯笼-轨道-97-斑马", "new_password2": "灯笼-轨道-97-斑马"},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert not account.must_change_password
    assert client.get(reverse("geo:browse")).status_code == 200


def test_the_api_refuses_a_temporary_password(city, users):
    _account, password = services.account_create(
        actor=users["admin"], username="scripted", full_name="脚本", role=Role.LABORATORY, grants=[GrantSpec(GrantLevel.CITY)]
    )
    response = Client().post("/api/token/", {"username": "scripted", "password": password})
    assert response.status_code == 400 and "临时密码" in str(response.json())
    assert not ApiToken.objects.filter(user__username="scripted").exists()


def test_the_page_creates_edits_and_shows_the_password_once(client, city, users):
    client.force_login(users["admin"])
    page = client.get(reverse("accounts:account_create"))
    assert page.status_code == 200 and f'value="grid:{city.home.grid.pk}"' in page.content.decode()
    response = client.post(
        reverse("accounts:account_create"),
        {
            "username": "li",
            "full_name": "李社区",
            "phone": "",
            "role": Role.COMMUNITY_WORKER,
            "grants": [f"community:{city.home.community.pk}"],
        },
    )
    account = User.objects.get(username="li")
    assert response.status_code == 302 and response.url == reverse("accounts:account_detail", args=[account.pk])
    first = client.get(response.url).content.decode()
    assert 'id="temporary-password"' in first
    assert 'id="temporary-password"' not in client.get(response.url).content.decode()  # once
    # change role and grants: one event each
    response = client.post(
        reverse("accounts:account_detail", args=[account.pk]),
        {"full_name": "李社区", "phone": "", "role": Role.STREET_OFFICE, "grants": [f"street:{city.home.street.pk}"]},
    )
    assert response.status_code == 302
    assert grants_of(account) == {(GrantLevel.STREET, city.home.street.pk, "")}
    changed = AuditEvent.objects.get(event_type=EventType.ACCOUNT_CHANGED)
    assert changed.before == {"role": Role.COMMUNITY_WORKER} and changed.after == {"role": Role.STREET_OFFICE}
    grants_event = AuditEvent.objects.get(event_type=EventType.ACCOUNT_GRANTS_CHANGED)
    assert grants_event.before["grants"][0]["level"] == "community" and grants_event.after["grants"][0]["level"] == "street"
    # the list finds it
    listing = client.get(reverse("accounts:account_list"), {"q": "李社"}).content.decode()
    assert "中山东路街道" in listing and reverse("accounts:account_detail", args=[account.pk]) in listing


def test_deactivate_ends_sign_in_and_tokens_and_reactivate_restores(client, city, users):
    worker = users["grid"]
    services.api_token_create(actor=worker, name="script", days=7, second_factor=False)
    browser = Client()
    browser.force_login(worker)
    client.force_login(users["admin"])
    assert client.post(reverse("accounts:account_deactivate", args=[worker.pk])).status_code == 302
    worker.refresh_from_db()
    assert not worker.is_active
    assert not ApiToken.objects.filter(user=worker, revoked_at__isnull=True).exists()
    assert browser.get(reverse("geo:browse")).status_code == 302  # the open session ends
    assert sign_in(Client(), "grid", PASSWORD).status_code == 200  # refused: the form again
    assert AuditEvent.objects.filter(event_type=EventType.ACCOUNT_DEACTIVATED, object_id=str(worker.pk)).count() == 1
    client.post(reverse("accounts:account_reactivate", args=[worker.pk]))
    worker.refresh_from_db()
    assert worker.is_active and sign_in(Client(), "grid", PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(event_type=EventType.ACCOUNT_REACTIVATED).count() == 1


def test_password_reset_replaces_the_password_and_second_factor_reset_removes_the_device(client, users):
    worker = users["community"]
    TOTPDevice.objects.create(user=worker, name="phone", confirmed=True)
    client.force_login(users["admin"])
    client.post(reverse("accounts:account_password_reset", args=[worker.pk]))
    page = client.get(reverse("accounts:account_detail", args=[worker.pk])).content.decode()
    password = page.split('id="temporary-password" type="text" readonly value="')[1].split('"')[0]
    worker.refresh_from_db()
    assert worker.must_change_password and worker.check_password(password) and not worker.check_password(PASSWORD)
    event = AuditEvent.objects.get(event_type=EventType.ACCOUNT_PASSWORD_RESET)
    assert password not in f"{event.before}{event.after}{event.reason}"
    client.post(reverse("accounts:account_second_factor_reset", args=[worker.pk]))
    assert not TOTPDevice.objects.filter(user=worker).exists()
    assert AuditEvent.objects.get(event_type=EventType.ACCOUNT_SECOND_FACTOR_RESET).count == 1


def test_other_roles_may_not_manage_accounts(client, users):
    for who in ("command", "district", "auditor", "grid"):
        client.force_login(users[who])
        assert client.get(reverse("accounts:account_list")).status_code == 403
        assert client.get(reverse("accounts:account_create")).status_code == 403
        assert client.post(reverse("accounts:account_deactivate", args=[users["grid"].pk])).status_code == 403
    with pytest.raises(PermissionRefused):
        services.account_set_active(actor=users["command"], account=users["grid"], active=False)
    assert users["grid"].is_active and account_events() == 0


def test_nobody_manages_their_own_account_here(client, users):
    client.force_login(users["admin"])
    assert client.get(reverse("accounts:account_detail", args=[users["admin"].pk])).status_code == 404
    with pytest.raises(PermissionRefused):
        services.account_update(
            actor=users["admin"], account=users["admin"], full_name="x", role=Role.SYSTEM_ADMIN, grants=[GrantSpec("city")]
        )
    assert account_events() == 0


def test_superusers_are_managed_by_superusers_only(client, users):
    root = User.objects.create_superuser("root", password="root-pass-word-9")
    client.force_login(users["admin"])
    assert client.get(reverse("accounts:account_detail", args=[root.pk])).status_code == 404
    assert "root" not in [u.username for u in selectors.account_list(user=users["admin"])]


# ---- a district's administrator: scope attacks ----


def test_a_district_admin_lists_only_their_districts_accounts(client, city, users, district_admin, elsewhere_user):
    names = {u.username for u in selectors.account_list(user=district_admin)}
    assert names == {"district", "street", "community", "grid"}  # not the city's, not elsewhere, not nogrant, not themselves
    client.force_login(district_admin)
    html = client.get(reverse("accounts:account_create")).content.decode()
    assert f'value="community:{city.home.community.pk}"' in html
    assert f'value="community:{city.elsewhere.community.pk}"' not in html and 'value="city"' not in html


def test_a_district_admin_cannot_edit_an_account_of_another_district(client, city, users, district_admin, elsewhere_user):
    client.force_login(district_admin)
    for name in ("account_detail",):
        assert client.get(reverse(f"accounts:{name}", args=[elsewhere_user.pk])).status_code == 404
    for name in ("account_deactivate", "account_password_reset", "account_second_factor_reset"):
        assert client.post(reverse(f"accounts:{name}", args=[elsewhere_user.pk])).status_code == 404
    response = client.post(
        reverse("accounts:account_detail", args=[elsewhere_user.pk]),
        {"full_name": "x", "role": Role.COMMUNITY_WORKER, "grants": [f"community:{city.home.community.pk}"]},
    )
    assert response.status_code == 404
    with pytest.raises(PermissionRefused) as refused:
        services.account_password_reset(actor=district_admin, account=elsewhere_user)
    assert city.elsewhere.community.name not in refused.value.message
    elsewhere_user.refresh_from_db()
    assert elsewhere_user.is_active and elsewhere_user.check_password(PASSWORD)
    assert account_events() == 0


def test_a_district_admin_cannot_grant_a_place_outside_their_district(client, city, users, district_admin):
    worker = users["community"]
    with pytest.raises(DomainError) as refused:
        services.account_update(
            actor=district_admin,
            account=worker,
            full_name=worker.full_name,
            role=worker.role,
            grants=[GrantSpec(GrantLevel.COMMUNITY, city.home.community.pk), GrantSpec(GrantLevel.COMMUNITY, city.elsewhere.community.pk)],
        )
    assert refused.value.field == "grants" and city.elsewhere.community.name not in refused.value.message
    with pytest.raises(DomainError):
        services.account_create(
            actor=district_admin,
            username="sneaky",
            full_name="x",
            role=Role.GRID_WORKER,
            grants=[GrantSpec(GrantLevel.GRID, city.elsewhere.grid.pk)],
        )
    client.force_login(district_admin)
    response = client.post(
        reverse("accounts:account_detail", args=[worker.pk]),
        {"full_name": worker.full_name, "role": worker.role, "grants": [f"community:{city.elsewhere.community.pk}"]},
    )
    assert response.status_code == 200  # the form refuses the choice it never offered
    assert grants_of(worker) == {(GrantLevel.COMMUNITY, city.home.community.pk, "")}
    assert not User.objects.filter(username="sneaky").exists() and account_events() == 0


def test_a_district_admin_cannot_raise_an_account_above_their_reach(client, city, users, district_admin):
    worker = users["district"]
    # system administrator of the whole city: the city grant is beyond a district's reach
    with pytest.raises(DomainError):
        services.account_update(actor=district_admin, account=worker, full_name="x", role=Role.SYSTEM_ADMIN, grants=[GrantSpec("city")])
    client.force_login(district_admin)
    response = client.post(
        reverse("accounts:account_detail", args=[worker.pk]), {"full_name": "x", "role": Role.SYSTEM_ADMIN, "grants": ["city"]}
    )
    assert response.status_code == 200
    # the city's system administrator is beyond reach itself
    assert (
        client.post(reverse("accounts:account_detail", args=[users["admin"].pk]), {"full_name": "x", "role": Role.GRID_WORKER}).status_code
        == 404
    )
    worker.refresh_from_db()
    assert worker.role == Role.DISTRICT_OFFICE and grants_of(worker) == {(GrantLevel.DISTRICT, city.home.district.pk, "")}
    assert account_events() == 0


def test_a_district_admin_grants_the_facilities_in_their_district_only(city, users, district_admin):
    site_home = IsolationSite.objects.create(
        name="新城区隔离点", district=city.home.district, street=city.home.street, community=city.home.community
    )
    site_elsewhere = IsolationSite.objects.create(
        name="回民区隔离点", district=city.elsewhere.district, street=city.elsewhere.street, community=city.elsewhere.community
    )
    lab = Laboratory.objects.create(name="检验所", code="L1")
    keys = {key for _label, options in selectors.grant_choices(user=district_admin) for key, _text in options}
    assert f"facility:isolation_site:{site_home.pk}" in keys
    assert f"facility:isolation_site:{site_elsewhere.pk}" not in keys and f"facility:laboratory:{lab.pk}" not in keys
    account, _password = services.account_create(
        actor=district_admin,
        username="site_staff",
        full_name="隔离点",
        role=Role.ISOLATION_SITE_STAFF,
        grants=[GrantSpec(GrantLevel.FACILITY, site_home.pk, "isolation_site")],
    )
    assert account.pk in {u.pk for u in selectors.account_list(user=district_admin)}
    with pytest.raises(DomainError):
        services.account_create(
            actor=district_admin,
            username="lab_staff",
            full_name="x",
            role=Role.LABORATORY,
            grants=[GrantSpec(GrantLevel.FACILITY, lab.pk, "laboratory")],
        )
    # the city's administrator may give the laboratory
    services.account_create(
        actor=users["admin"],
        username="lab_staff",
        full_name="x",
        role=Role.LABORATORY,
        grants=[GrantSpec(GrantLevel.FACILITY, lab.pk, "laboratory")],
    )
    assert "lab_staff" not in {u.username for u in selectors.account_list(user=district_admin)}


def test_a_district_admin_sees_the_tokens_of_their_accounts_only(client, users, district_admin):
    services.api_token_create(actor=users["command"], name="city script", days=7, second_factor=False)
    services.api_token_create(actor=users["grid"], name="grid script", days=7, second_factor=False)
    client.force_login(district_admin)
    html = client.get(reverse("accounts:token_admin")).content.decode()
    assert "grid script" in html and "city script" not in html
    other = ApiToken.objects.get(user=users["command"])
    assert client.post(reverse("accounts:api_token_revoke", args=[other.pk])).status_code == 404


# ---- the Django admin: superusers only; account managers are sent to the platform's page ----


def test_the_admin_site_sends_account_managers_to_account_management(client, users):
    client.force_login(users["admin"])
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:account_list") and response.status_code == 200
    root = User.objects.create_superuser("root", password="root-pass-word-9")
    client.force_login(root)
    assert client.get("/admin/").status_code == 200
