"""Writes about accounts: signing in (with lockout), the TOTP second factor, API tokens.

Login lockout: after settings.FANGKONG_LOGIN_MAX_FAILURES failed attempts for one username within
FANGKONG_LOGIN_LOCK_MINUTES (counting only failures after the last success), every further
attempt is refused — even with the right password — until the oldest of those failures leaves
the window. Refused attempts are audited (auth.login_locked) but not stored as LoginAttempt rows,
so hammering a locked account does not extend the lock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.core.errors import DomainError

from .models import LoginAttempt, User

# Not yet in fangkong.audit.catalogue.EventType (see the report): stored as a plain string.
API_TOKEN_ROTATED = EventType.API_TOKEN_ROTATED


class LoginLocked(DomainError):
    """Too many failed attempts: refused until `until`."""

    def __init__(self, until: dt.datetime) -> None:
        local = timezone.localtime(until)
        super().__init__(
            _("登录失败次数过多，账号已临时锁定，请于 %(time)s 后再试") % {"time": f"{local:%H:%M}"},
            rule="accounts.login_lockout",
        )
        self.until = until


class LoginFailed(DomainError):
    """Wrong username, password or token (deliberately not saying which)."""


@dataclass(frozen=True)
class LoginResult:
    user: User
    needs_second_factor: bool


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.FANGKONG_LOGIN_LOCK_MINUTES)


def login_locked_until(username: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the lock on `username` ends, or None if it is not locked."""
    now = now or timezone.now()
    limit = settings.FANGKONG_LOGIN_MAX_FAILURES
    if limit <= 0:
        return None
    since = now - _window()
    last_success = (
        LoginAttempt.objects.filter(username=username, succeeded=True, at__gte=since).order_by("-at").values_list("at", flat=True).first()
    )
    failures = LoginAttempt.objects.filter(username=username, succeeded=False, at__gte=last_success or since)
    recent = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
    if len(recent) < limit:
        return None
    return recent[-1] + _window()


def _record(username: str, *, succeeded: bool, ip: str | None) -> None:
    LoginAttempt.objects.create(username=username[:150], succeeded=succeeded, ip=ip)


def _refuse_if_locked(username: str, *, ip: str | None) -> None:
    until = login_locked_until(username)
    if until is not None:
        audit_record(
            actor=None,
            event_type=EventType.LOGIN_LOCKED,
            object_type="accounts.user",
            object_repr=username,
            after={"locked_until": timezone.localtime(until).isoformat(timespec="minutes")},
            reason="已锁定期间的登录尝试被拒绝",
        )
        raise LoginLocked(until)


@transaction.atomic
def _fail(username: str, *, ip: str | None, why: str) -> None:
    _record(username, succeeded=False, ip=ip)
    audit_record(actor=None, event_type=EventType.LOGIN_FAILED, object_type="accounts.user", object_repr=username, reason=why)
    until = login_locked_until(username)
    if until is not None:
        audit_record(
            actor=None,
            event_type=EventType.LOGIN_LOCKED,
            object_type="accounts.user",
            object_repr=username,
            after={"locked_until": timezone.localtime(until).isoformat(timespec="minutes")},
            reason=f"连续失败 {settings.FANGKONG_LOGIN_MAX_FAILURES} 次",
        )


def user_has_second_factor(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_required(user: Any) -> bool:
    roles = getattr(settings, "FANGKONG_SECOND_FACTOR_ROLES", ())
    return bool(roles) and (user.role in roles or user.is_superuser)


def login_check_password(*, request: Any, username: str, password: str) -> LoginResult:
    """First step of signing in. Raises LoginLocked or LoginFailed; does not start a session.
    Not atomic as a whole: a failed attempt must stay recorded when the refusal is raised.

    A user with a confirmed TOTP device still has to pass `login_check_token`; everyone else is
    recorded as signed in here (the view then calls django.contrib.auth.login)."""
    username = (username or "").strip()
    ip = _ip(request)
    _refuse_if_locked(username, ip=ip)
    user = authenticate(request, username=username, password=password)
    if user is None:
        _fail(username, ip=ip, why="用户名或密码错误")
        raise LoginFailed(_("用户名或密码错误"), rule="accounts.login")
    if user_has_second_factor(user):
        return LoginResult(user=user, needs_second_factor=True)
    _succeed(user, ip=ip, second_factor=False)
    return LoginResult(user=user, needs_second_factor=False)


def login_check_token(*, request: Any, user: User, token: str) -> TOTPDevice:
    """Second step: a token from the user's confirmed device. Wrong tokens count as failures."""
    ip = _ip(request)
    _refuse_if_locked(user.get_username(), ip=ip)
    device = totp_verify(user=user, token=token)
    if device is None:
        _fail(user.get_username(), ip=ip, why="动态口令错误")
        raise LoginFailed(_("动态口令错误或已使用"), rule="accounts.second_factor", field="token")
    _succeed(user, ip=ip, second_factor=True)
    return device


@transaction.atomic
def _succeed(user: User, *, ip: str | None, second_factor: bool) -> None:
    _record(user.get_username(), succeeded=True, ip=ip)
    audit_record(actor=user, event_type=EventType.LOGIN, obj=user, after={"second_factor": second_factor})


def logout_record(*, actor: Any) -> None:
    if actor is not None and getattr(actor, "is_authenticated", False):
        audit_record(actor=actor, event_type=EventType.LOGOUT, obj=actor)


def _ip(request: Any) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


# ---- TOTP second factor ----


def totp_verify(*, user: Any, token: str) -> TOTPDevice | None:
    """The confirmed device that accepts `token`, or None."""
    token = (token or "").strip().replace(" ", "")
    if not token.isdigit():
        return None
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


@transaction.atomic
def totp_device_start(*, actor: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (created on first call, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name="fangkong", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, actor: User, device: TOTPDevice, token: str) -> TOTPDevice:
    """Confirm enrolment with the first token from the app; audited (auth.2fa_enrolled)."""
    if device.user_id != actor.pk or device.confirmed:
        raise DomainError(_("该设备无需确认"), rule="accounts.second_factor")
    token = (token or "").strip().replace(" ", "")
    if not token.isdigit() or not device.verify_token(token):
        raise DomainError(_("动态口令不正确，请核对手机时间后重试"), field="token", rule="accounts.second_factor")
    replaced = list(TOTPDevice.objects.filter(user=actor, confirmed=True).values_list("pk", flat=True))
    TOTPDevice.objects.filter(pk__in=replaced).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=actor, event_type=EventType.SECOND_FACTOR_ENROLLED, obj=actor, after={"device": device.pk, "replaced": replaced})
    return device


# ---- API tokens ----


@transaction.atomic
def api_token_rotate(*, actor: User) -> Token:
    """Create the user's API token, or replace it (the old one stops working at once); audited."""
    had = Token.objects.filter(user=actor).exists()
    Token.objects.filter(user=actor).delete()
    token = Token.objects.create(user=actor)
    audit_record(
        actor=actor,
        event_type=API_TOKEN_ROTATED,
        obj=actor,
        before={"token": "exists" if had else None},
        after={"token": f"{token.key[:4]}…"},
    )
    return token


@transaction.atomic
def api_token_revoke(*, actor: User) -> None:
    deleted, _ = Token.objects.filter(user=actor).delete()
    if deleted:
        audit_record(actor=actor, event_type=API_TOKEN_ROTATED, obj=actor, before={"token": "exists"}, after={"token": None})


def api_token_obtain(*, request: Any, username: str, password: str, otp_token: str = "") -> Token:
    """POST /api/token/: the same lockout as the login page. Users who have (or whose role needs)
    a second factor must also send a current TOTP token, so the API is no way around it."""
    result = login_check_password(request=request, username=username, password=password)
    user = result.user
    if result.needs_second_factor:
        login_check_token(request=request, user=user, token=otp_token)
    elif second_factor_required(user):
        raise LoginFailed(_("您的角色须先绑定动态口令"), rule="accounts.second_factor")
    token, created = Token.objects.get_or_create(user=user)
    if created:
        audit_record(actor=user, event_type=API_TOKEN_ROTATED, obj=user, before={"token": None}, after={"token": f"{token.key[:4]}…"})
    return token
