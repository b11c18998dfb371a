"""API tokens: POST /api/token/ (with the lockout and the second factor) and the token page."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fangkong.accounts.services import API_TOKEN_ROTATED
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


def test_obtain_token_with_username_and_password(worker):
    response = obtain(username="worker", password=PASSWORD)
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=worker).key == key
    # the same token again, and it authenticates
    assert obtain(username="worker", password=PASSWORD).json()["token"] == key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/districts/").status_code == 200
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN, actor=worker).count() == 2


def test_wrong_password_gets_no_token(worker):
    response = obtain(username="worker", password="wrong")
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not Token.objects.exists()
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN_FAILED).count() == 1
    assert obtain(username="worker").status_code == 400


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3)
def test_token_endpoint_respects_the_lockout(worker):
    for _ in range(3):
        obtain(username="worker", password="wrong")
    response = obtain(username="worker", password=PASSWORD)
    assert response.status_code == 429
    assert "locked_until" in response.json() and int(response["Retry-After"]) > 0
    assert not Token.objects.exists()


def test_user_with_a_device_must_send_a_totp_token(worker):
    device = TOTPDevice.objects.create(user=worker, name="phone", confirmed=True)
    assert obtain(username="worker", password=PASSWORD).status_code == 400
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    assert obtain(username="worker", password=PASSWORD, otp_token=code).status_code == 200


@override_settings(FANGKONG_SECOND_FACTOR_ROLES=("community_worker",))
def test_required_role_without_device_gets_no_token(worker):
    response = obtain(username="worker", password=PASSWORD)
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_token_page_creates_rotates_and_revokes(client, worker):
    client.force_login(worker)
    page = client.get(reverse("accounts:api_token"))
    assert page.status_code == 200
    response = client.post(reverse("accounts:api_token"), {"action": "rotate"})
    assert response.status_code == 302
    first = Token.objects.get(user=worker).key
    html = client.get(reverse("accounts:api_token")).content.decode()
    assert first in html
    assert first not in client.get(reverse("accounts:api_token")).content.decode()  # shown once

    client.post(reverse("accounts:api_token"), {"action": "rotate"})
    second = Token.objects.get(user=worker).key
    assert second != first
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.get("/api/districts/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api.get("/api/districts/").status_code == 200

    client.post(reverse("accounts:api_token"), {"action": "revoke"})
    assert not Token.objects.filter(user=worker).exists()
    events = AuditEvent.objects.filter(event_type=API_TOKEN_ROTATED, actor=worker)
    assert events.count() == 3
    assert all(first not in str(e.after) and second not in str(e.after) for e in events)


def test_profile_page_shows_role_and_grants(client, city, users):
    client.force_login(users["community"])
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "社区工作者" in html and city.home.community.name in html
    client.force_login(users["nogrant"])
    assert "尚未授予管辖范围" in client.get(reverse("accounts:profile")).content.decode()
