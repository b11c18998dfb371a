"""Password rules and the change-password page (security issue item 13): the passwords an attacker
tries first are refused, the old password is checked like a sign-in (counted, delayed, audited),
and a change ends the user's other sessions and tokens."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse

from fangkong.accounts.models import LoginAttempt, User
from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.roles import Role

from ..factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-1"
GOOD = "Lantern-orbit-97-Zebra"


@pytest.fixture
def command(db):
    user = make_user("command", Role.COMMAND_CENTRE, [("city", None)])
    user.full_name, user.phone = "王建华", "13800001111"
    user.save()
    return user


@pytest.mark.parametrize(
    "password",
    [
        "command2022",  # the username and a year
        "Command@2022!",
        "C0mmand2022",  # look-alike digits
        "Hohhot2022",  # the city and a year
        "huhehaote2022",
        "2022Hohhot!!",
        "fangkong-demo",  # the platform's name anywhere
        "MyFangkongPassword9",
        "Fangkong@123",
        "防控2022abcdefg",
        "P@ssw0rd2024!",  # a common password with a year
        "Password123456",
        "admin123456",  # a role name
        "district2023",
        "xx-command-xx-99",  # the username inside
        "王建华1980abcd",  # the user's name
        "13800001111aa",  # the user's phone
        "aaaaaaaa2022",  # too few letters
        "abab12345678",
        "1234567890123",  # all digits
        "Qw3!x",  # too short
    ],
)
def test_predictable_passwords_are_refused(command, password):
    with pytest.raises(ValidationError):
        validate_password(password, command)


@pytest.mark.parametrize("password", [GOOD, "correct horse battery staple", "Tz7#qLm2vR9k", "灯笼-轨道-97-斑马"])
def test_unpredictable_passwords_pass(command, password):
    validate_password(password, command)


def change(client, old, new, again=None):
    return client.post(reverse("accounts:password_change"), {"old_password": old, "new_password1": new, "new_password2": again or new})


def test_change_password_page_is_linked_from_my_account_and_refuses_weak_passwords(client, command):
    client.post(reverse("accounts:login"), {"username": "command", "password": PASSWORD})
    assert reverse("accounts:password_change") in client.get(reverse("accounts:profile")).content.decode()
    response = change(client, PASSWORD, "Hohhot2022")
    assert response.status_code == 200
    assert "Hohhot2022" in response.content.decode() or "城市名" in response.content.decode()
    assert User.objects.get(pk=command.pk).check_password(PASSWORD)
    response = change(client, PASSWORD, GOOD, again=GOOD + "x")
    assert "不一致" in response.content.decode()


def test_change_password_ends_other_sessions_and_keeps_this_one(command):
    here, elsewhere = Client(), Client()
    for c in (here, elsewhere):
        c.post(reverse("accounts:login"), {"username": "command", "password": PASSWORD})
    response = change(here, PASSWORD, GOOD)
    assert response.status_code == 302 and response.url == reverse("accounts:profile")
    assert User.objects.get(pk=command.pk).check_password(GOOD)
    assert here.get(reverse("accounts:profile")).status_code == 200
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302  # signed out
    assert AuditEvent.objects.filter(event_type=EventType.PASSWORD_CHANGED, actor=command).count() == 1
    assert not any(GOOD in str(e.after) or GOOD in e.reason for e in AuditEvent.objects.all())


@override_settings(FANGKONG_LOGIN_MAX_FAILURES=3)
def test_a_borrowed_session_cannot_guess_the_old_password(command):
    thief = Client(REMOTE_ADDR="10.0.0.66")
    thief.force_login(command)
    for guess in ("guess-one-1", "guess-two-2", "guess-three-3"):
        assert "原密码不正确" in change(thief, guess, GOOD).content.decode()
    response = change(thief, PASSWORD, GOOD)  # the right one, but the wait runs
    assert "后再试" in response.content.decode()
    assert User.objects.get(pk=command.pk).check_password(PASSWORD)
    assert LoginAttempt.objects.filter(username="command", succeeded=False).count() == 3
    assert AuditEvent.objects.filter(event_type=EventType.LOGIN_FAILED, object_repr="command").count() == 3
