"""TOTP second factor: enrolment, the login second step, and the middleware that enforces it."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.accounts.models import LoginAttempt
from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent

from ..factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-1"


def token_for(device: TOTPDevice, ahead: int = 0) -> str:
    """The token an authenticator app shows now (or `ahead` steps later)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead):06d}"


@pytest.fixture
def worker(db):
    return make_user("worker", "community_worker", [("city", None)])


@pytest.fixture
def commander(db):
    return make_user("commander", "command_centre", [("city", None)])


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_enrol_shows_qr_and_secret_then_confirms_with_first_token(client, worker):
    client.force_login(worker)
    page = client.get(reverse("accounts:totp_setup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "otpauth://totp/" in html
    device = TOTPDevice.objects.get(user=worker)
    assert not device.confirmed
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    import base64

    assert base64.b32decode(secret) == device.bin_key
    # reloading the page keeps the same secret until it is confirmed
    client.get(reverse("accounts:totp_setup"))
    assert TOTPDevice.objects.filter(user=worker).count() == 1

    response = client.post(reverse("accounts:totp_setup"), {"token": token_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    event = AuditEvent.objects.get(event_type=EventType.SECOND_FACTOR_ENROLLED)
    assert event.actor == worker
    assert client.session.get("otp_device_id") == device.persistent_id


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
def test_enrol_refuses_a_wrong_token(client, worker):
    client.force_login(worker)
    client.get(reverse("accounts:totp_setup"))
    device = TOTPDevice.objects.get(user=worker)
    wrong = f"{(int(token_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:totp_setup"), {"token": wrong})
    assert response.status_code == 200
    assert "动态口令不正确" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not AuditEvent.objects.filter(event_type=EventType.SECOND_FACTOR_ENROLLED).exists()


def test_login_with_a_device_needs_a_second_step(client, worker):
    device = confirmed_device(worker)
    response = client.post(reverse("accounts:login"), {"username": "worker", "password": PASSWORD})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login_otp"))
    assert "_auth_user_id" not in client.session  # not signed in yet
    assert client.get(reverse("accounts:profile")).status_code == 302

    response = client.post(reverse("accounts:login_otp"), {"token": token_for(device)})
    assert response.status_code == 302 and response.url == reverse("reports:home")
    assert client.session["_auth_user_id"] == str(worker.pk)
    assert client.session["otp_device_id"] == device.persistent_id
    assert AuditEvent.objects.get(event_type=EventType.LOGIN).after == {"second_factor": True}


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)
def test_wrong_token_is_refused_and_counts_as_a_failure(client, worker):
    device = confirmed_device(worker)
    client.post(reverse("accounts:login"), {"username": "worker", "password": PASSWORD})
    wrong = f"{(int(token_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:login_otp"), {"token": wrong})
    assert response.status_code == 200
    assert "动态口令错误" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert LoginAttempt.objects.filter(username="worker", succeeded=False).count() == 1
    # the right token then works once; a used token cannot be replayed
    used = token_for(device)
    assert client.post(reverse("accounts:login_otp"), {"token": used}).status_code == 302
    client.post(reverse("accounts:logout"))
    client.post(reverse("accounts:login"), {"username": "worker", "password": PASSWORD})
    assert client.post(reverse("accounts:login_otp"), {"token": used}).status_code == 200


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0, FANGKONG_LOGIN_MAX_FAILURES=2)
def test_guessing_tokens_locks_the_account(client, worker):
    device = confirmed_device(worker)
    client.post(reverse("accounts:login"), {"username": "worker", "password": PASSWORD})
    wrong = f"{(int(token_for(device)) + 1) % 1_000_000:06d}"
    client.post(reverse("accounts:login_otp"), {"token": wrong})
    response = client.post(reverse("accounts:login_otp"), {"token": wrong})
    assert response.status_code == 200
    response = client.post(reverse("accounts:login_otp"), {"token": token_for(device)})
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_second_step_without_a_first_step_goes_back_to_login(client, db):
    response = client.get(reverse("accounts:login_otp"))
    assert response.status_code == 302 and response.url == reverse("accounts:login")


# ---- enforcement by role ----


@override_settings(FANGKONG_SECOND_FACTOR_ROLES=("command_centre",))
def test_required_role_without_device_is_sent_to_enrol(client, commander, worker):
    client.force_login(commander)
    response = client.get("/policy/")
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:second_factor"))
    response = client.get(response.url)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:totp_setup"))
    assert client.get(response.url).status_code == 200
    # the API with a session is held back too
    assert client.get("/api/districts/").status_code == 302
    # other roles are not affected
    client.force_login(worker)
    assert client.get("/policy/").status_code == 200


@override_settings(FANGKONG_SECOND_FACTOR_ROLES=("command_centre",))
def test_required_role_with_device_must_verify_then_passes(client, commander):
    device = confirmed_device(commander)
    client.force_login(commander)  # e.g. a session from before the rule: not verified
    response = client.get("/policy/")
    assert response.status_code == 302 and response.url == f"{reverse('accounts:second_factor')}?next=%2Fpolicy%2F"
    page = client.get(response.url)
    assert page.status_code == 200
    response = client.post(response.url, {"token": token_for(device)})
    assert response.status_code == 302 and response.url == "/policy/"
    assert client.get("/policy/").status_code == 200


@override_settings(FANGKONG_SECOND_FACTOR_ROLES=("command_centre",))
def test_enrolment_completes_the_enforced_flow(client, commander):
    client.force_login(commander)
    client.get(reverse("accounts:totp_setup"))
    device = TOTPDevice.objects.get(user=commander)
    client.post(reverse("accounts:totp_setup"), {"token": token_for(device)})
    assert client.get("/policy/").status_code == 200


@override_settings(FANGKONG_SECOND_FACTOR_ROLES=("command_centre",))
def test_logout_and_login_pages_stay_reachable(client, commander):
    client.force_login(commander)
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("accounts:login")).status_code == 200


@override_settings(FANGKONG_SECOND_FACTOR_ROLES=("command_centre",))
def test_api_token_page_is_not_a_way_around_the_second_factor(client, commander):
    client.force_login(commander)
    response = client.post(reverse("accounts:api_token_create"), {"name": "script", "days": 30})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:second_factor"))
    assert not commander.api_tokens.exists()


def test_replacing_a_device_needs_the_current_one(client, worker):
    confirmed_device(worker)
    client.force_login(worker)
    response = client.get(reverse("accounts:totp_setup"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:second_factor"))
