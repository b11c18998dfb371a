"""Attacks on signing in (security issue items 4 and 6): the admin site's login, Django's
authenticate(), concurrent guessing, spraying usernames from one address, locking someone else out,
forged X-Forwarded-For, and guessing the second factor between correct passwords.

The number of passwords actually checked is the number of LoginAttempt rows: a row is written for
every attempt whose password was looked at, never for one refused unchecked."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from fangkong.accounts.models import ApiToken, LoginAttempt, LoginThrottle
from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.roles import Role

from ..factories import make_user

PASSWORD = "pass-word-1"
ATTACKER = "10.0.0.66"


class SlowHasher(PBKDF2PasswordHasher):
    """Slow enough (tens of milliseconds) that concurrent attempts overlap while one is checked."""

    iterations = 100_000


def login(client: Client, username: str, password: str, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password, **extra})


def checked(username: str | None = None) -> int:
    rows = LoginAttempt.objects.all()
    return (rows.filter(username=username) if username else rows).count()


# ---- item 4: every path goes through one throttle and one audit ----


@pytest.mark.django_db
@override_settings(FANGKONG_LOGIN_MAX_FAILURES=5)
def test_admin_login_of_a_locked_account_does_not_sign_in():
    admin = make_user("admin", Role.SYSTEM_ADMIN, [("city", None)])
    admin.is_staff = True
    admin.save()
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(5):
        login(attacker, "admin", "wrong")
    browser = Client(REMOTE_ADDR="10.0.0.7")
    response = browser.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in browser.session
    assert browser.get("/admin/").status_code == 302
    # the one login page, which the admin's sends people to, refuses while the wait runs
    response = login(browser, "admin", PASSWORD, next="/admin/")
    assert "后再试" in response.content.decode() and "_auth_user_id" not in browser.session
    assert checked("admin") == 5


@pytest.mark.django_db
@override_settings(FANGKONG_LOGIN_MAX_FAILURES=5)
def test_twenty_wrong_admin_passwords_are_never_checked_and_the_right_one_does_not_sign_in():
    admin = make_user("admin", Role.SYSTEM_ADMIN, [("city", None)])
    admin.is_staff = True
    admin.save()
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(20):
        response = attacker.post(reverse("admin:login"), {"username": "admin", "password": "wrong"})
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    response = attacker.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
    assert "_auth_user_id" not in attacker.session
    assert checked() == 0  # the admin's login page checks no password at all


@pytest.mark.django_db
@override_settings(FANGKONG_LOGIN_MAX_FAILURES=5)
def test_twenty_wrong_passwords_through_django_authenticate_are_counted_and_audited():
    """Any code that calls django.contrib.auth.authenticate() (a library, a future form) goes
    through the same throttle and audit: our backend is the only one."""
    make_user("admin", Role.SYSTEM_ADMIN, [("city", None)])
    for _ in range(20):
        assert authenticate(None, username="admin", password="wrong") is None
    assert checked("admin") == 5  # five checked, fifteen refused unchecked
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN_FAILED, object_repr="admin").count() == 5
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN_LOCKED, object_repr="admin").count() == 16  # 1 started + 15 refused
    assert authenticate(None, username="admin", password=PASSWORD) is None  # right password, still waiting


@pytest.mark.django_db
def test_staff_sign_in_for_the_admin_goes_through_the_login_page_and_is_audited():
    admin = make_user("admin", Role.SYSTEM_ADMIN, [("city", None)])
    admin.is_staff = admin.is_superuser = True  # the admin site is for superusers only
    admin.save()
    client = Client()
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    response = login(client, "admin", PASSWORD, next="/admin/")
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.get(event_type=EventType.LOGIN).actor == admin
    # a signed-in user who is not staff gets a refusal, not a loop back to the login page
    make_user("worker", Role.COMMUNITY_WORKER, [("city", None)])
    other = Client()
    login(other, "worker", PASSWORD)
    assert other.get(reverse("admin:login")).status_code == 403


@pytest.mark.django_db
def test_admin_logout_and_password_change_are_the_platforms():
    admin = make_user("admin", Role.SYSTEM_ADMIN, [("city", None)])
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    login(client, "admin", PASSWORD)
    assert client.get(reverse("admin:password_change")).url == reverse("accounts:password_change")
    client.post(reverse("admin:logout"))
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event_type=EventType.LOGOUT, actor=admin).count() == 1


# ---- item 6: concurrency (PostgreSQL, real threads against the real views) ----


def _concurrently(work, jobs: list, threads: int = 20) -> list:
    """Run work(job) for every job on `threads` threads released together; each thread closes its
    own database connection (few connections: 20, not 40)."""
    results: list = [None] * len(jobs)
    start = threading.Barrier(threads)

    def run(worker: int) -> None:
        try:
            start.wait()
            for i in range(worker, len(jobs), threads):
                results[i] = work(jobs[i])
        finally:
            connection.close()

    pool = [threading.Thread(target=run, args=(w,)) for w in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(FANGKONG_LOGIN_MAX_FAILURES=5, PASSWORD_HASHERS=["tests.security.test_auth_throttle.SlowHasher"])
def test_forty_concurrent_wrong_passwords_get_exactly_five_checks_and_then_no_token():
    make_user("command", Role.COMMAND_CENTRE, [("city", None)])

    def guess(i: int) -> int:
        return login(Client(REMOTE_ADDR=ATTACKER), "command", f"guess-{i}").status_code

    statuses = _concurrently(guess, list(range(40)))
    assert statuses == [200] * 40
    assert checked("command") == 5
    assert not LoginAttempt.objects.filter(succeeded=True).exists()
    response = APIClient(REMOTE_ADDR=ATTACKER).post("/api/token/", {"username": "command", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert not ApiToken.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(FANGKONG_LOGIN_MAX_FAILURES_PER_ADDRESS=10, PASSWORD_HASHERS=["tests.security.test_auth_throttle.SlowHasher"])
def test_forty_usernames_sprayed_at_once_from_one_address_get_exactly_ten_checks():
    for i in range(40):
        make_user(f"user{i}", Role.GRID_WORKER)

    def spray(i: int) -> int:
        return login(Client(REMOTE_ADDR=ATTACKER), f"user{i}", "Hohhot2022").status_code

    _concurrently(spray, list(range(40)))
    assert checked() == 10
    assert LoginThrottle.objects.get(key=f"address:{ATTACKER}").failures == 10


# ---- item 6: spraying, locking someone out, forged addresses (any database) ----


@pytest.mark.django_db
@override_settings(FANGKONG_LOGIN_MAX_FAILURES_PER_ADDRESS=10)
def test_forty_usernames_sprayed_from_one_address_get_ten_checks():
    for i in range(40):
        make_user(f"user{i}", Role.GRID_WORKER)
    attacker = Client(REMOTE_ADDR=ATTACKER)
    bodies = [login(attacker, f"user{i}", "Hohhot2022").content.decode() for i in range(40)]
    assert checked() == 10
    assert sum("后再试" in b for b in bodies) == 30
    # the same usernames from another address are not held back by the attacker's address
    assert login(Client(REMOTE_ADDR="10.0.0.7"), "user39", PASSWORD).status_code == 302


@pytest.mark.django_db
@override_settings(FANGKONG_LOGIN_MAX_FAILURES_PER_ADDRESS=10)
def test_a_forged_x_forwarded_for_buys_no_fresh_address():
    for i in range(20):
        make_user(f"user{i}", Role.GRID_WORKER)
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for i in range(20):
        attacker.post(reverse("accounts:login"), {"username": f"user{i}", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert checked() == 10
    # behind a trusted proxy the header is read, from the right: the address the proxy saw counts
    LoginAttempt.objects.all().delete()
    LoginThrottle.objects.all().delete()
    with override_settings(FANGKONG_TRUSTED_PROXIES=("127.0.0.1",)):
        proxied = Client(REMOTE_ADDR="127.0.0.1")
        for i in range(20):
            proxied.post(
                reverse("accounts:login"), {"username": f"user{i}", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, {ATTACKER}"
            )
        assert checked() == 10
        assert LoginThrottle.objects.filter(key=f"address:{ATTACKER}").exists()


@pytest.mark.django_db
@override_settings(FANGKONG_LOGIN_MAX_FAILURES=5, FANGKONG_LOGIN_DELAY_SECONDS=60)
def test_a_stranger_cannot_lock_the_real_user_out_of_their_own_browser():
    command = make_user("command", Role.COMMAND_CENTRE, [("city", None)])
    office = Client(REMOTE_ADDR="10.0.0.7")
    assert login(office, "command", PASSWORD).status_code == 302  # the office browser is now known
    office.post(reverse("accounts:logout"))

    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(50):
        login(attacker, "command", "wrong")
    assert checked("command") == 1 + 5  # the office's sign-in, and five guesses
    row = LoginThrottle.objects.get(key="account:command")
    assert (row.blocked_until - row.last_failure_at).total_seconds() == 60  # a delay; refused attempts do not extend it

    response = login(office, "command", PASSWORD)
    assert response.status_code == 302 and office.session["_auth_user_id"] == str(command.pk)
    # a browser the account never signed in on waits like the attacker (a new address too)
    assert "后再试" in login(Client(REMOTE_ADDR="10.0.0.8"), "command", PASSWORD).content.decode()


@pytest.mark.django_db
@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3)
def test_a_known_browser_cookie_for_another_user_or_forged_is_worth_nothing():
    make_user("worker", Role.COMMUNITY_WORKER)
    make_user("command", Role.COMMAND_CENTRE)
    mine = Client()
    login(mine, "worker", PASSWORD)
    attacker = Client(REMOTE_ADDR=ATTACKER)
    attacker.cookies["fk_known_browser"] = mine.cookies["fk_known_browser"].value  # worker's cookie, used against command
    for _ in range(6):
        login(attacker, "command", "wrong")
    assert checked("command") == 3
    forged = Client(REMOTE_ADDR="10.0.0.9")
    forged.cookies["fk_known_browser"] = "W1siYWJjIiwiZGV2Il1d:forged:signature"
    assert "后再试" in login(forged, "command", PASSWORD).content.decode()


@pytest.mark.django_db
@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3, OTP_TOTP_THROTTLE_FACTOR=0)
def test_the_second_factor_cannot_be_guessed_by_re_entering_the_known_password():
    """A right password only takes its own attempt back: wrong second-factor tokens keep counting."""
    worker = make_user("worker", Role.COMMUNITY_WORKER)
    device = TOTPDevice.objects.create(user=worker, name="phone", confirmed=True)
    right = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(3):
        assert login(attacker, "worker", PASSWORD).url.startswith(reverse("accounts:login_otp"))
        attacker.post(reverse("accounts:login_otp"), {"token": wrong})
    response = login(attacker, "worker", PASSWORD)
    assert "后再试" in response.content.decode()
    assert LoginAttempt.objects.filter(username="worker", succeeded=False).count() == 3


@pytest.mark.django_db
@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3, OTP_TOTP_THROTTLE_FACTOR=0, FANGKONG_SECOND_FACTOR_ROLES=("command_centre",))
def test_a_signed_in_but_unverified_session_cannot_guess_the_second_factor():
    """The page the middleware sends unverified sessions to checks codes like the login's second step."""
    command = make_user("command", Role.COMMAND_CENTRE, [("city", None)])
    device = TOTPDevice.objects.create(user=command, name="phone", confirmed=True)
    right = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    thief = Client(REMOTE_ADDR=ATTACKER)
    thief.force_login(command)  # e.g. a session left open on a shared computer
    for _ in range(3):
        assert "动态口令错误" in thief.post(reverse("accounts:second_factor"), {"token": wrong}).content.decode()
    response = thief.post(reverse("accounts:second_factor"), {"token": right})
    assert response.status_code == 200 and "后再试" in response.content.decode()
    assert thief.get("/policy/").status_code == 302  # still not verified
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN_FAILED, object_repr="command").count() == 3
