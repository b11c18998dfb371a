"""Signing in and out with the throttle, and the audit trail they leave. (The attacks on the
throttle — concurrency, spraying, the admin site — are in tests/security/test_auth_throttle.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import LoginAttempt, LoginThrottle
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


def locked_until(username="worker"):
    row = LoginThrottle.objects.filter(key=f"account:{username}").first()
    return row.blocked_until if row and row.blocked_until and row.blocked_until > timezone.now() else None


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3)
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


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3, FANGKONG_LOGIN_DELAY_SECONDS=60)
def test_lock_message_names_the_time_to_retry(client, worker):
    for _ in range(3):
        login(client, password="wrong")
    until = locked_until()
    assert until is not None and 55 <= (until - timezone.now()).total_seconds() <= 60
    assert timezone.localtime(until).strftime("%H:%M:%S") in login(client).content.decode()


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3, FANGKONG_LOGIN_DELAY_SECONDS=60, FANGKONG_LOGIN_MAX_DELAY_MINUTES=60)
def test_the_wait_doubles_with_each_failure_then_the_right_password_works(client, worker):
    for _ in range(3):
        login(client, password="wrong")
    waits = []
    for _ in range(3):
        row = LoginThrottle.objects.get(key="account:worker")
        waits.append(round((row.blocked_until - row.last_failure_at).total_seconds() / 60))
        with time_machine.travel(row.blocked_until + dt.timedelta(seconds=1), tick=False):
            assert "后再试" not in login(client, password="wrong").content.decode()  # one attempt, checked
            assert "后再试" in login(client, password="wrong").content.decode()  # the next one waits
    assert waits == [1, 2, 4]
    row = LoginThrottle.objects.get(key="account:worker")
    assert round((row.blocked_until - row.last_failure_at).total_seconds() / 60) == 8
    with time_machine.travel(row.blocked_until + dt.timedelta(seconds=1), tick=False):
        response = login(client)
        assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(worker.pk)
    row.refresh_from_db()
    assert row.failures == 0 and row.blocked_until is None


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3, FANGKONG_LOGIN_FORGET_HOURS=24)
def test_failures_are_forgotten_after_a_quiet_day(client, worker):
    login(client, password="wrong")
    login(client, password="wrong")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25), tick=False):
        login(client, password="wrong")
        assert locked_until() is None
        assert LoginThrottle.objects.get(key="account:worker").failures == 1


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3)
def test_failures_before_a_success_do_not_count(client, worker):
    login(client, password="wrong")
    login(client, password="wrong")
    assert login(client).status_code == 302
    client.post(reverse("accounts:logout"))
    login(client, password="wrong")
    login(client, password="wrong")
    assert locked_until() is None
    assert login(client).status_code == 302


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=2)
def test_lockout_is_per_username(client, worker):
    other = make_user("other", "community_worker", [("city", None)])
    login(client, password="wrong")
    login(client, password="wrong")
    assert locked_until() is not None
    assert login(client, username="other").status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=2)
def test_unknown_usernames_lock_the_same_way(client, db):
    login(client, username="ghost", password="x")
    login(client, username="ghost", password="x")
    assert "后再试" in login(client, username="ghost", password="x").content.decode()


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
