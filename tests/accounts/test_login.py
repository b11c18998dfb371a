"""Signing in and out with the lockout, and the audit trail they leave."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from fangkong.accounts.models import LoginAttempt
from fangkong.accounts.services import login_locked_until
from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent

from ..factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-1"


@pytest.fixture
def worker(db):
    return make_user("worker", "community_worker", [("city", None)])


def login(client, username="worker", password=PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password, **extra})


def test_login_page_has_the_usual_fields(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'id="id_username"' in html and 'id="id_password"' in html


def test_login_succeeds_and_is_recorded(client, worker):
    response = login(client)
    assert response.status_code == 302 and response.url == reverse("reports:home")
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert LoginAttempt.objects.get().succeeded
    event = AuditEvent.objects.get(event_type=EventType.LOGIN)
    assert event.actor == worker


def test_login_keeps_a_safe_next_only(client, worker):
    assert login(client, next="/policy/").url == "/policy/"
    client.logout()
    assert login(client, next="https://evil.example/").url == reverse("reports:home")


def test_wrong_password_is_refused_and_recorded(client, worker):
    response = login(client, password="wrong")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert not LoginAttempt.objects.get().succeeded
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN_FAILED, object_repr="worker").count() == 1
    assert "_auth_user_id" not in client.session


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3, FANGKONG_LOGIN_LOCK_MINUTES=15)
def test_lockout_after_n_failures_refuses_even_the_right_password(client, worker):
    for _ in range(3):
        login(client, password="wrong")
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN_LOCKED).count() == 1
    response = login(client)  # right password, but locked
    assert response.status_code == 200
    body = response.content.decode()
    assert "锁定" in body and "后再试" in body
    assert "_auth_user_id" not in client.session
    # the refused attempt is audited but does not extend the lock
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN_LOCKED).count() == 2
    assert LoginAttempt.objects.count() == 3


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3, FANGKONG_LOGIN_LOCK_MINUTES=15)
def test_lock_message_names_the_time_to_retry(client, worker):
    for _ in range(3):
        login(client, password="wrong")
    until = login_locked_until("worker")
    assert until is not None
    from django.utils import timezone

    assert timezone.localtime(until).strftime("%H:%M") in login(client).content.decode()


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3, FANGKONG_LOGIN_LOCK_MINUTES=15)
def test_unlocks_after_the_window(client, worker):
    for _ in range(3):
        login(client, password="wrong")
    assert "_auth_user_id" not in client.session
    LoginAttempt.objects.update(at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    assert login_locked_until("worker") is None
    response = login(client)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(worker.pk)


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3, FANGKONG_LOGIN_LOCK_MINUTES=15)
def test_failures_before_a_success_do_not_count(client, worker):
    login(client, password="wrong")
    login(client, password="wrong")
    assert login(client).status_code == 302
    client.post(reverse("accounts:logout"))
    login(client, password="wrong")
    login(client, password="wrong")
    assert login_locked_until("worker") is None
    assert login(client).status_code == 302


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=2, FANGKONG_LOGIN_LOCK_MINUTES=15)
def test_lockout_is_per_username(client, worker):
    other = make_user("other", "community_worker", [("city", None)])
    login(client, password="wrong")
    login(client, password="wrong")
    assert login_locked_until("worker") is not None
    assert login(client, username="other").status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=2, FANGKONG_LOGIN_LOCK_MINUTES=15)
def test_unknown_usernames_lock_the_same_way(client, db):
    login(client, username="ghost", password="x")
    login(client, username="ghost", password="x")
    assert "锁定" in login(client, username="ghost", password="x").content.decode()


def test_inactive_user_cannot_log_in(client, worker):
    worker.is_active = False
    worker.save()
    assert login(client).status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only_and_audited(client, worker):
    login(client)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.get(event_type=EventType.LOGOUT).actor == worker


def test_pages_need_login(client, db):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
