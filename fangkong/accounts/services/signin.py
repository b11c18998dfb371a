"""Signing in: the one password check of the platform, the second factor, signing out.

Every path that checks a password goes through `login_check_password` (or, for the old password on
the change-password page, `_check_password`): the login page, the API token endpoint, the admin
site (its login page sends people to ours) and Django's `authenticate()` itself (our only
authentication backend calls it). Each check is first reserved in fangkong.accounts.throttle —
counted atomically, per account and per address, with a delay that grows — and every outcome is
recorded: a LoginAttempt row for each checked attempt and an audit event (auth.login,
auth.login_failed, auth.login_locked) for each attempt, refused ones included — except that, under
a user name no account has, attempts refused during a wait write one auth.login_locked per bucket
and wait (not one per request: anyone may send them), and the typed name is recorded marked as
typed and cut to TYPED_NAME_CHARS (`_subject`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.core.errors import DomainError
from fangkong.core.netaddr import client_address

from .. import throttle
from ..models import ApiTokenKind, LoginAttempt, User
from .revoking import api_tokens_revoke_for
from .second_factor import second_factor_required, totp_verify, user_has_second_factor
from .tokens import IssuedToken, api_token_sign_in

BACKEND = "fangkong.accounts.backends.GuardedModelBackend"
# A user name no account has is recorded as typed, marked, and cut to this many characters.
TYPED_NAME_CHARS = 32
UNKNOWN_NAME_MARK = "（未注册的用户名）"


class LoginLocked(DomainError):
    """Too many failed attempts: refused, unchecked, until `until`."""

    def __init__(self, until: dt.datetime) -> None:
        local = timezone.localtime(until)
        super().__init__(
            _("登录失败次数过多，已暂时锁定，请于 %(time)s 后再试") % {"time": f"{local:%H:%M:%S}"},
            rule="accounts.login_lockout",
        )
        self.until = until


class LoginFailed(DomainError):
    """Wrong username, password or token (deliberately not saying which)."""


@dataclass(frozen=True)
class LoginResult:
    user: User
    needs_second_factor: bool


def _account(username: str) -> User | None:
    """The account `username` names, as the password check looks it up (None: no such account)."""
    return User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()


def _subject(username: str, account: User | None) -> dict[str, Any]:
    """What an audit event of an attempt names: the account, or — for a name no account has, typed
    by anyone — the typed name marked as such, without control characters, cut to TYPED_NAME_CHARS
    (so an anonymous caller cannot write sentences into the log under a name of their choosing)."""
    if account is not None:
        return {"obj": account, "object_repr": account.get_username()}
    typed = "".join(ch for ch in username if ch.isprintable())
    if len(typed) > TYPED_NAME_CHARS:
        typed = typed[:TYPED_NAME_CHARS] + "…"
    return {"object_type": "accounts.user", "object_repr": f"{UNKNOWN_NAME_MARK}{typed}"}


def _reserve(request: Any, username: str, account: User | None = None) -> throttle.Reservation:
    try:
        return throttle.reserve(throttle.buckets_for(request, username))
    except throttle.Throttled as exc:
        account = account or _account(username)
        if account is not None or exc.first:
            audit_record(
                actor=None,
                event_type=EventType.LOGIN_LOCKED,
                **_subject(username, account),
                after={"locked_until": timezone.localtime(exc.until).isoformat(timespec="seconds"), "scope": exc.scopes},
                reason="等待期间的登录尝试，未核对密码即拒绝" + ("" if account is not None else "（未注册的用户名：每次等待只记录第一次）"),
            )
        raise LoginLocked(exc.until) from None


@transaction.atomic
def _failed(request: Any, username: str, reservation: throttle.Reservation, *, why: str, account: User | None = None) -> None:
    LoginAttempt.objects.create(username=username[:150], succeeded=False, ip=client_address(request))
    subject = _subject(username, account or _account(username))
    audit_record(actor=None, event_type=EventType.LOGIN_FAILED, **subject, reason=why)
    for scope, until in sorted(reservation.delayed.items()):
        audit_record(
            actor=None,
            event_type=EventType.LOGIN_LOCKED,
            **subject,
            after={"locked_until": timezone.localtime(until).isoformat(timespec="seconds"), "scope": [scope]},
            reason="连续失败，须等待后再试",
        )


@transaction.atomic
def _succeed(request: Any, user: User, *, second_factor: bool) -> None:
    LoginAttempt.objects.create(username=user.get_username(), succeeded=True, ip=client_address(request))
    audit_record(actor=user, event_type=EventType.LOGIN, obj=user, after={"second_factor": second_factor})


def _credentials(request: Any, username: str, password: str) -> User | None:
    """Django's own check (constant work for unknown users, inactive users refused)."""
    user = ModelBackend().authenticate(request, username=username, password=password)
    if user is not None:
        user.backend = BACKEND
    return user


def login_check_password(*, request: Any, username: str, password: str, enrolled_only: bool = False) -> LoginResult:
    """First step of signing in. Raises LoginLocked or LoginFailed; starts no session.

    A user with a confirmed TOTP device must still pass `login_check_token`; everyone else is
    recorded as signed in here. `enrolled_only` (paths with no enrolment page: the API, Django's
    authenticate()) also refuses a user whose role needs a second factor not yet enrolled."""
    username = (username or "").strip()
    reservation = _reserve(request, username)
    user = _credentials(request, username, password)
    if user is None:
        _failed(request, username, reservation, why="用户名或密码错误")
        raise LoginFailed(_("用户名或密码错误"), rule="accounts.login")
    if user_has_second_factor(user):
        throttle.settle_success(reservation, complete=False)
        return LoginResult(user=user, needs_second_factor=True)
    if enrolled_only and second_factor_required(user):
        throttle.settle_success(reservation, complete=False)
        audit_record(actor=None, event_type=EventType.LOGIN_FAILED, obj=user, reason="角色须先绑定动态口令")
        raise LoginFailed(_("您的角色须先在网页上绑定动态口令"), rule="accounts.second_factor")
    throttle.settle_success(reservation, complete=True)
    _succeed(request, user, second_factor=False)
    return LoginResult(user=user, needs_second_factor=False)


def login_check_token(*, request: Any, user: User, token: str) -> TOTPDevice:
    """Second step: a token from the user's confirmed device. Wrong tokens count as failures."""
    username = user.get_username()
    reservation = _reserve(request, username, user)
    device = totp_verify(user=user, token=token)
    if device is None:
        _failed(request, username, reservation, why="动态口令错误", account=user)
        raise LoginFailed(_("动态口令错误或已使用"), rule="accounts.second_factor", field="token")
    throttle.settle_success(reservation, complete=True)
    _succeed(request, user, second_factor=True)
    return device


def check_own_password(*, request: Any, actor: User, password: str) -> None:
    """The signed-in user's password, checked like a sign-in (counted, delayed, audited) so a
    borrowed session cannot be used to guess it. Raises LoginLocked or LoginFailed."""
    username = actor.get_username()
    reservation = _reserve(request, username, actor)
    user = _credentials(request, username, password)
    if user is None or user.pk != actor.pk:
        _failed(request, username, reservation, why="修改密码时原密码错误", account=actor)
        raise LoginFailed(_("原密码不正确"), rule="accounts.password", field="old_password")
    throttle.settle_success(reservation, complete=False)


@transaction.atomic
def logout_record(*, actor: Any) -> None:
    """Signing out on the web ends the user's API sign-in tokens too (personal tokens stay)."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        audit_record(actor=actor, event_type=EventType.LOGOUT, obj=actor)
        api_tokens_revoke_for(actor=actor, user=actor, kinds=[ApiTokenKind.SIGN_IN], reason="退出登录")


def api_token_obtain(*, request: Any, username: str, password: str, otp_token: str = "") -> IssuedToken:
    """POST /api/token/: the login page's checks (throttle, audit), the TOTP token for users with
    a device, and no token at all for a role that needs a second factor not yet enrolled, nor for a
    temporary password (set by an account manager) not yet changed on the login page."""
    result = login_check_password(request=request, username=username, password=password, enrolled_only=True)
    if result.needs_second_factor:
        login_check_token(request=request, user=result.user, token=otp_token)
    if result.user.must_change_password:
        raise DomainError(_("这是临时密码：请先在网页上登录并修改密码"), rule="accounts.must_change_password")
    return api_token_sign_in(user=result.user, second_factor=result.needs_second_factor)
