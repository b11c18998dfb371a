"""Attacks on sessions, account management, the policy and the sign-in audit (security review D).

Each test performs the attack the review showed working and fails without its defence:
- a lost laptop's session that searches every few hours stays signed in past the 12 hours;
- reactivating an account revives the sessions deactivation ended;
- a district's system administrator creates (or takes over) a command-centre account and acts with
  capabilities their role does not hold;
- a district's system administrator changes the whole city's policy;
- API tokens issued under a lost (or replaced) second-factor device work again with a new one;
- a look-alike user name (Cyrillic "с") poses as another account in the audit log;
- anonymous callers write one audit row per request, with text of their choosing.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from fangkong.accounts import selectors, services
from fangkong.accounts.models import ApiToken, GrantLevel, User
from fangkong.accounts.reach import CITY_ROLES, GrantSpec
from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.roles import Role
from fangkong.policy.models import PolicyProfile
from fangkong.policy.services import parameter_change, profile_activate, profile_copy
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-1"
PROFILE = reverse("accounts:profile")
SEARCH = reverse("geo:person_search")


@pytest.fixture
def district_admin(city, users):
    return make_user("xc_admin", Role.SYSTEM_ADMIN, [("district", city.home.district)])


def api_status(key: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get("/api/districts/").status_code


# ---- 1. a session lasts 12 hours from signing in, whatever it writes ----


def test_a_session_that_keeps_searching_still_ends_twelve_hours_after_signing_in(city, users):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        forced, page = Client(), Client()
        forced.force_login(users["community"])
        assert page.post(reverse("accounts:login"), {"username": "community", "password": PASSWORD}).status_code == 302
    for hours in (4, 8, 11):  # a search stores its criteria in the session: a write every few hours
        with time_machine.travel(start + dt.timedelta(hours=hours), tick=False):
            for browser in (forced, page):
                assert browser.post(SEARCH, {"q": "王"}).status_code == 303
                assert browser.session.get_expiry_date() == start + dt.timedelta(hours=12)
    with time_machine.travel(start + dt.timedelta(hours=12, minutes=1), tick=False):
        for browser in (forced, page):
            response = browser.get(PROFILE)
            assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


# ---- 2. deactivation deletes the sessions; reactivation revives none ----


def test_reactivating_an_account_does_not_revive_the_lost_laptops_session(city, users):
    victim = users["community"]
    laptop, other = Client(), Client()
    laptop.force_login(victim)
    other.force_login(users["grid"])
    assert laptop.get(PROFILE).status_code == 200
    services.account_set_active(actor=users["admin"], account=victim, active=False)
    assert laptop.get(PROFILE).status_code == 302
    services.account_set_active(actor=users["admin"], account=User.objects.get(pk=victim.pk), active=True)
    assert laptop.get(PROFILE).status_code == 302  # signed out for good: the owner signs in again
    assert other.get(PROFILE).status_code == 200  # nobody else's session is touched
    owner = Client()
    assert owner.post(reverse("accounts:login"), {"username": victim.username, "password": PASSWORD}).status_code == 302
    assert owner.get(PROFILE).status_code == 200


# ---- 3. the city's roles are given by a city-wide administrator only ----


def test_a_district_admin_cannot_create_a_command_centre_account_and_sign_in_with_it(client, city, users, district_admin):
    district = [GrantSpec(GrantLevel.DISTRICT, city.home.district.pk)]
    offered = {value for value, _label in selectors.assignable_roles(user=district_admin)}
    assert offered.isdisjoint(CITY_ROLES) and {Role.DISTRICT_OFFICE, Role.COMMUNITY_WORKER, Role.GRID_WORKER} <= offered
    for role in sorted(CITY_ROLES):
        with pytest.raises(DomainError) as refused:
            services.account_create(actor=district_admin, username=f"sock_{role}", full_name="傀儡", role=role, grants=district)
        assert refused.value.field == "role"
    client.force_login(district_admin)
    response = client.post(
        reverse("accounts:account_create"),
        {"username": "sock", "full_name": "傀儡", "role": Role.COMMAND_CENTRE, "grants": [f"district:{city.home.district.pk}"]},
    )
    assert response.status_code == 200  # the form refuses a role it never offered
    # nor raise a district account to one
    with pytest.raises(DomainError):
        services.account_update(actor=district_admin, account=users["district"], full_name="x", role=Role.COMMAND_CENTRE, grants=district)
    assert not User.objects.filter(username__startswith="sock").exists()
    assert User.objects.get(pk=users["district"].pk).role == Role.DISTRICT_OFFICE
    assert not AuditEvent.objects.filter(event_type__startswith="account.").exists()
    # the district's staff: still theirs to create
    services.account_create(actor=district_admin, username="xc_office", full_name="办公室", role=Role.DISTRICT_OFFICE, grants=district)


def test_a_district_admin_cannot_take_over_a_command_centre_account_granted_their_district(city, users, district_admin):
    district = [GrantSpec(GrantLevel.DISTRICT, city.home.district.pk)]
    commander, _password = services.account_create(
        actor=users["admin"], username="xc_command", full_name="前线指挥", role=Role.COMMAND_CENTRE, grants=district
    )
    assert selectors.account_get(user=district_admin, pk=commander.pk) is None
    with pytest.raises(PermissionRefused):
        services.account_password_reset(actor=district_admin, account=commander)
    assert selectors.account_get(user=users["admin"], pk=commander.pk) is not None


# ---- 4. the city's policy is changed by a city-wide administrator only ----


def test_a_district_admin_cannot_change_the_citys_policy(city, users, district_admin):
    active = PolicyProfile.objects.get(is_active=True)
    local = profile_copy(actor=users["admin"], source=active, name="本地版本")
    parameter = local.parameters.order_by("key").first()
    before = AuditEvent.objects.filter(event_type__startswith="policy.").count()
    for attempt in (
        lambda: profile_activate(actor=district_admin, profile=local),
        lambda: profile_copy(actor=district_admin, source=active, name="区县版本"),
        lambda: parameter_change(actor=district_admin, parameter=parameter, raw_value=str(parameter.value), source="区里定的"),
    ):
        with pytest.raises(PermissionRefused) as refused:
            attempt()
        assert "全市" in refused.value.message
    assert PolicyProfile.objects.get(is_active=True).pk == active.pk
    assert AuditEvent.objects.filter(event_type__startswith="policy.").count() == before
    profile_activate(actor=users["admin"], profile=local)  # the city's administrator still may
    assert PolicyProfile.objects.get(is_active=True).pk == local.pk


def test_the_policy_pages_offer_a_district_admin_no_change(client, city, users, district_admin):
    """The pages follow the services' rule (policy.services.may_manage): no buttons, and a post is refused."""
    from django.urls import reverse

    active = PolicyProfile.objects.get(is_active=True)
    client.force_login(district_admin)
    page = client.get(reverse("policy:profile_detail", args=[active.pk])).content.decode()
    assert reverse("policy:profile_activate", args=[active.pk]) not in page
    assert reverse("policy:profile_copy", args=[active.pk]) not in page
    assert client.post(reverse("policy:profile_activate", args=[active.pk])).status_code == 403
    client.force_login(users["admin"])
    assert (
        reverse("policy:profile_copy", args=[active.pk]) in client.get(reverse("policy:profile_detail", args=[active.pk])).content.decode()
    )


# ---- 5. a lost or replaced second factor takes the tokens it vouched for with it ----


def test_resetting_a_lost_second_factor_revokes_the_tokens_issued_under_it(settings, city, users):
    settings.FANGKONG_SECOND_FACTOR_ROLES = ("command_centre", "system_admin")
    victim = users["command"]
    TOTPDevice.objects.create(user=victim, name="old phone", confirmed=True)
    key = services.api_token_create(actor=victim, name="script", days=90, second_factor=True).key
    assert api_status(key) == 200
    services.account_second_factor_reset(actor=users["admin"], account=victim)  # the phone was lost
    TOTPDevice.objects.create(user=victim, name="new phone", confirmed=True)  # re-enrolled
    assert api_status(key) == 401
    assert ApiToken.objects.get(user=victim).revoked_at is not None


def test_replacing_the_second_factor_revokes_the_tokens_issued_under_the_old_device(settings, city, users):
    settings.FANGKONG_SECOND_FACTOR_ROLES = ("command_centre", "system_admin")
    victim = users["command"]
    TOTPDevice.objects.create(user=victim, name="old phone", confirmed=True)
    key = services.api_token_create(actor=victim, name="script", days=90, second_factor=True).key
    assert api_status(key) == 200
    device = services.totp_device_start(actor=victim)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    services.totp_device_confirm(actor=victim, device=device, token=code)
    assert api_status(key) == 401


# ---- 6. new user names are ASCII ----


@pytest.mark.parametrize("look_alike", ["\u0441ommand", "ｃommand", "comm\u0430nd", "命令"])
def test_a_look_alike_of_the_commanders_user_name_is_refused(city, users, look_alike):
    with pytest.raises(DomainError) as refused:
        services.account_create(
            actor=users["admin"], username=look_alike, full_name="指挥部", role=Role.DISTRICT_OFFICE,
            grants=[GrantSpec(GrantLevel.DISTRICT, city.home.district.pk)],
        )  # fmt: skip
    assert refused.value.field == "username"
    assert not User.objects.filter(full_name="指挥部").exists()


def test_an_existing_account_with_a_non_ascii_name_still_signs_in(city):
    make_user("张三", Role.COMMUNITY_WORKER, [("community", city.home.community)])
    assert Client().post(reverse("accounts:login"), {"username": "张三", "password": PASSWORD}).status_code == 302


# ---- 7. strangers cannot flood the audit log or write into it ----


def test_anonymous_callers_write_a_bounded_number_of_audit_rows_and_no_sentences(db):
    api = APIClient()
    planted = "伪造的审计内容：command 于 10:00 导出了全市名单，经指挥部批准，无需核查"
    before = AuditEvent.objects.count()
    for i in range(200):
        api.post("/api/token/", {"username": f"{planted} #{i}", "password": "x"}, format="json")
    events = AuditEvent.objects.order_by("pk")[before:]
    written = len(events)
    # 20 checked failures for the address, the wait they start, the first refusal in it: not 200
    assert written <= 25
    assert all(planted not in e.object_repr and len(e.object_repr) <= 45 for e in events)
    assert all(e.object_repr.startswith("（未注册的用户名）") for e in events)
    refused = [e for e in events if e.event_type == EventType.LOGIN_LOCKED and "未核对密码" in e.reason]
    assert len(refused) == 1


def test_failed_sign_ins_of_an_existing_account_are_still_recorded_each_time(db, users):
    api = APIClient()
    for _ in range(8):
        api.post("/api/token/", {"username": "command", "password": "wrong"}, format="json")
    failed = AuditEvent.objects.filter(event_type=EventType.LOGIN_FAILED, object_repr="command")
    locked = AuditEvent.objects.filter(event_type=EventType.LOGIN_LOCKED, object_repr="command")
    assert failed.count() == 5 and locked.count() == 4  # 5 checked; the wait they start; 3 refused
    assert {e.object_id for e in failed} == {str(users["command"].pk)}


def test_a_session_signed_in_before_the_fixed_expiry_ends_within_twelve_hours_of_its_next_request(city, users):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        laptop = Client()
        laptop.force_login(users["community"])
        session = laptop.session
        session.set_expiry(None)  # as Django kept it before: sliding
        session.save()
    with time_machine.travel(start + dt.timedelta(hours=6), tick=False):
        assert laptop.get(PROFILE).status_code == 200
        assert laptop.session.get_expiry_date() == start + dt.timedelta(hours=18)
    with time_machine.travel(start + dt.timedelta(hours=17), tick=False):
        assert laptop.post(SEARCH, {"q": "王"}).status_code == 303
    with time_machine.travel(start + dt.timedelta(hours=18, minutes=1), tick=False):
        assert laptop.get(PROFILE).status_code == 302
