"""API tokens: POST /api/token/ (with the throttle and the second factor), API logout, and the
tokens on 我的账号 (create, shown once, revoke)."""

from __future__ import annotations

import hashlib

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from fangkong.accounts.models import ApiToken, ApiTokenKind
from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent

from ..factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-1"


@pytest.fixture
def worker(db):
    return make_user("worker", "community_worker", [("city", None)])


def obtain(**data):
    return APIClient().post("/api/token/", data, format="json")


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_obtain_a_sign_in_token_with_username_and_password(worker):
    response = obtain(username="worker", password=PASSWORD)
    assert response.status_code == 200
    key = response.json()["token"]
    assert key.startswith("fk_") and response.json()["expires_at"]
    token = ApiToken.objects.get(user=worker)
    assert token.kind == ApiTokenKind.SIGN_IN and token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert api(key).get("/api/districts/").status_code == 200
    # every call issues a new token (the old keys are not stored, so they cannot be handed out again)
    again = obtain(username="worker", password=PASSWORD).json()["token"]
    assert again != key and ApiToken.objects.filter(user=worker).count() == 2
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN, actor=worker).count() == 2
    assert AuditEvent.objects.filter(event_type=EventType.API_TOKEN_CREATED, actor=worker).count() == 2
    assert not any(key in str(e.after) for e in AuditEvent.objects.all())


def test_bearer_keyword_works_too(worker):
    key = obtain(username="worker", password=PASSWORD).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/districts/").status_code == 200


def test_wrong_password_gets_no_token(worker):
    response = obtain(username="worker", password="wrong")
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN_FAILED).count() == 1
    assert obtain(username="worker").status_code == 400


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3)
def test_token_endpoint_respects_the_throttle(worker):
    for _ in range(3):
        obtain(username="worker", password="wrong")
    response = obtain(username="worker", password=PASSWORD)
    assert response.status_code == 429
    assert "locked_until" in response.json() and int(response["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_user_with_a_device_must_send_a_totp_token(worker):
    device = TOTPDevice.objects.create(user=worker, name="phone", confirmed=True)
    assert obtain(username="worker", password=PASSWORD).status_code == 400
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    assert obtain(username="worker", password=PASSWORD, otp_token=code).status_code == 200
    assert ApiToken.objects.get(user=worker).second_factor


@override_settings(FANGKONG_SECOND_FACTOR_ROLES=("community_worker",))
def test_required_role_without_device_gets_no_token(worker):
    response = obtain(username="worker", password=PASSWORD)
    assert response.status_code == 400
    assert "动态口令" in response.json()["message"]
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.LOGIN).exists()


def test_api_logout_revokes_the_token_it_is_called_with(worker):
    key = obtain(username="worker", password=PASSWORD).json()["token"]
    other = obtain(username="worker", password=PASSWORD).json()["token"]
    assert api(key).post("/api/token/logout/").status_code == 204
    assert api(key).get("/api/districts/").status_code == 401
    assert api(other).get("/api/districts/").status_code == 200
    assert APIClient().post("/api/token/logout/").status_code == 401


def test_profile_creates_a_personal_token_shown_once_and_revokes_it(client, worker):
    client.force_login(worker)
    response = client.post(reverse("accounts:api_token_create"), {"name": "实验室结果上传", "days": 30})
    assert response.status_code == 302 and response.url.endswith("#api-tokens")
    token = ApiToken.objects.get(user=worker)
    assert token.kind == ApiTokenKind.PERSONAL and token.name == "实验室结果上传"
    assert 29 <= (token.expires_at - token.created_at).days <= 30
    html = client.get(reverse("accounts:profile")).content.decode()
    key = html.split('id="new-api-token" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert key.startswith(token.prefix) and hashlib.sha256(key.encode()).hexdigest() == token.key_hash
    again = client.get(reverse("accounts:profile")).content.decode()
    assert key not in again and f"{token.prefix}…" in again  # shown once; the prefix stays
    assert api(key).get("/api/districts/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert "最近使用" in again

    client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert api(key).get("/api/districts/").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == worker
    assert AuditEvent.objects.filter(event_type=EventType.API_TOKEN_REVOKED, actor=worker).count() == 1


def test_personal_token_lifetime_is_bounded(client, worker):
    client.force_login(worker)
    with override_settings(FANGKONG_API_TOKEN_MAX_DAYS=30):
        client.post(reverse("accounts:api_token_create"), {"name": "x", "days": 90})
    assert not ApiToken.objects.exists()
    client.post(reverse("accounts:api_token_create"), {"name": "", "days": 30})
    assert not ApiToken.objects.exists()


def test_the_old_token_page_leads_to_my_account(client, worker):
    client.force_login(worker)
    response = client.get(reverse("accounts:api_token"))
    assert response.status_code == 302 and response.url == reverse("accounts:profile") + "#api-tokens"


def test_profile_page_shows_role_and_grants(client, city, users):
    client.force_login(users["community"])
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "社区工作者" in html and city.home.community.name in html
    assert reverse("accounts:password_change") in html and reverse("accounts:totp_setup") in html
    client.force_login(users["nogrant"])
    assert "尚未授予管辖范围" in client.get(reverse("accounts:profile")).content.decode()


def test_top_bar_links_to_my_account(client, worker):
    client.force_login(worker)
    html = client.get(reverse("reports:home")).content.decode()
    assert f'href="{reverse("accounts:profile")}"' in html
