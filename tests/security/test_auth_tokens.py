"""Attacks with API tokens (security issue item 11): a token read from the database, a token used
after signing out, after it expired, after it was revoked (by its user or an administrator), and the
token of a user who must have a second factor but has none — under production's roles."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from fangkong.accounts.models import ApiToken
from fangkong.accounts.services import api_token_create
from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.roles import Role

from ..factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-1"
PROD_SECOND_FACTOR_ROLES = ("command_centre", "system_admin")  # config.settings.prod; checked in test_auth_prod_settings


def sign_in_token(username: str, **extra) -> str:
    response = APIClient().post("/api/token/", {"username": username, "password": PASSWORD, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def status_with(key: str, path: str = "/api/districts/") -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(path).status_code


@pytest.fixture
def worker(db):
    return make_user("worker", Role.COMMUNITY_WORKER, [("city", None)])


def test_the_database_holds_no_usable_key(worker):
    key = sign_in_token("worker")
    personal = api_token_create(actor=worker, name="script", days=30, second_factor=False).key
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        stored = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert key not in stored and personal not in stored
    assert key[:10] in stored  # the shown prefix only: 7 random characters of 43
    assert not any(key in str(e.after) or personal in str(e.after) for e in AuditEvent.objects.all())
    # the plaintext tokens of rest_framework.authtoken are gone with their table
    assert "authtoken_token" not in connection.introspection.table_names()


def test_a_sign_in_token_dies_with_signing_out_on_the_web(worker):
    api_key = sign_in_token("worker")
    personal = api_token_create(actor=worker, name="nightly export", days=30, second_factor=False).key
    browser = Client()
    browser.post(reverse("accounts:login"), {"username": "worker", "password": PASSWORD})
    browser.post(reverse("accounts:logout"))
    assert status_with(api_key) == 401
    assert status_with(personal) == 200  # personal tokens are for scripts: listed, revocable, expiring
    event = AuditEvent.objects.filter(event_type=EventType.API_TOKEN_REVOKED, actor=worker).get()
    assert event.count == 1 and event.reason == "退出登录"


def test_a_token_dies_with_api_logout(worker):
    key = sign_in_token("worker")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post("/api/token/logout/").status_code == 204
    assert status_with(key) == 401


@override_settings(FANGKONG_API_TOKEN_SIGN_IN_HOURS=12)
def test_tokens_expire(worker):
    key = sign_in_token("worker")
    personal = api_token_create(actor=worker, name="script", days=7, second_factor=False).key
    with time_machine.travel(timezone.now() + dt.timedelta(hours=12, seconds=1), tick=False):
        assert status_with(key) == 401
        assert status_with(personal) == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, seconds=1), tick=False):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {personal}")
        response = client.get("/api/districts/")
        assert response.status_code == 401 and "过期" in response.json()["message"]


def test_a_revoked_token_is_refused_and_only_its_user_may_revoke_it_from_my_account(worker):
    key = api_token_create(actor=worker, name="script", days=30, second_factor=False).key
    token = ApiToken.objects.get(user=worker)
    other = make_user("other", Role.COMMUNITY_WORKER, [("city", None)])
    intruder = Client()
    intruder.force_login(other)
    assert intruder.post(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 404
    assert intruder.get(reverse("accounts:token_admin")).status_code == 403
    assert status_with(key) == 200
    owner = Client()
    owner.force_login(worker)
    owner.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert status_with(key) == 401


def test_an_administrator_lists_and_revokes_anyones_token(worker):
    key = api_token_create(actor=worker, name="lab upload", days=30, second_factor=False).key
    token = ApiToken.objects.get(user=worker)
    admin = make_user("admin", Role.SYSTEM_ADMIN, [("city", None)])
    client = Client()
    client.force_login(admin)
    page = client.get(reverse("accounts:token_admin"), {"username": "work"}).content.decode()
    assert "worker" in page and "lab upload" in page and f"{token.prefix}…" in page and key not in page
    response = client.post(reverse("accounts:api_token_revoke", args=[token.pk]), {"next": reverse("accounts:token_admin")})
    assert response.status_code == 302 and response.url == reverse("accounts:token_admin")
    assert status_with(key) == 401
    token.refresh_from_db()
    assert token.revoked_by == admin
    event = AuditEvent.objects.get(event_type=EventType.API_TOKEN_REVOKED)
    assert event.actor == admin and event.object_id == str(worker.pk) and event.reason == "管理员作废"
    assert "lab upload" in client.get(reverse("accounts:token_admin"), {"ended": "1"}).content.decode()
    assert "lab upload" not in client.get(reverse("accounts:token_admin")).content.decode()


def test_a_token_from_before_the_second_factor_was_required_is_refused_under_production_roles():
    command = make_user("command", Role.COMMAND_CENTRE, [("city", None)])
    key = sign_in_token("command")  # the demo settings: no second factor required
    personal = api_token_create(actor=command, name="dashboard", days=30, second_factor=False).key
    assert status_with(key) == 200
    with override_settings(FANGKONG_SECOND_FACTOR_ROLES=PROD_SECOND_FACTOR_ROLES):
        for old in (key, personal):
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
            response = client.get("/api/districts/")
            assert response.status_code == 401 and "动态口令" in response.json()["message"]
        # no new token either, until a device is enrolled
        assert APIClient().post("/api/token/", {"username": "command", "password": PASSWORD}, format="json").status_code == 400
        # enrolling does not bless the old tokens; a token obtained with the second factor works
        device = TOTPDevice.objects.create(user=command, name="phone", confirmed=True)
        assert status_with(key) == 401
        code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
        fresh = sign_in_token("command", otp_token=code)
        assert status_with(fresh) == 200
        # and a device removed by an administrator takes the token's second factor with it
        device.delete()
        assert status_with(fresh) == 401


def test_changing_the_password_revokes_every_token(worker):
    api_key = sign_in_token("worker")
    personal = api_token_create(actor=worker, name="script", days=30, second_factor=False).key
    client = Client()
    client.post(reverse("accounts:login"), {"username": "worker", "password": PASSWORD})
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Lantern-orbit-97-Zebra", "new_password2": "Lantern-orbit-97-Zebra"},
    )
    assert response.status_code == 302
    assert status_with(api_key) == 401 and status_with(personal) == 401


def test_garbage_and_unknown_keys_are_refused(worker):
    for key in ("not-a-real-token", "fk_" + "A" * 43, "fk_", "x" * 500):
        assert status_with(key) == 401
