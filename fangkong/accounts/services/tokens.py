"""API tokens: issued, checked on every API request, revoked.

A key is `fk_` + 43 random URL-safe characters (256 bits). Only its SHA-256 is stored — a slow
hash buys nothing for a random 256-bit secret — with its first characters for people to tell
tokens apart. A key is shown once, when issued. Every token expires; a token is refused once
expired or revoked, when its user is inactive, and when the user's role must have a second factor
but the user has none or the token was issued without one (FANGKONG_SECOND_FACTOR_ROLES).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import user_can

from ..models import ApiToken, ApiTokenKind, User
from ..permissions import ACCOUNTS_MANAGE
from .second_factor import second_factor_required, user_has_second_factor

KEY_PREFIX = "fk_"
SHOWN_CHARS = 10  # "fk_" and 7 characters: enough to tell tokens apart, useless to guess one
LAST_USED_EVERY = dt.timedelta(minutes=1)  # last_used_at is written at most this often per token


class TokenRefused(DomainError):
    """The key is unknown, expired or revoked, or its user may not use a token now."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # the only time the key exists outside the caller's hands


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def personal_token_days() -> list[int]:
    """The lifetimes offered for a personal token, up to FANGKONG_API_TOKEN_MAX_DAYS."""
    most = settings.FANGKONG_API_TOKEN_MAX_DAYS
    return sorted({d for d in (7, 30, 90, 180, 365) if d <= most} | {most})


def _issue(*, user: User, kind: str, name: str, lifetime: dt.timedelta, second_factor: bool, actor: User) -> IssuedToken:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        kind=kind,
        name=name[:64],
        prefix=key[:SHOWN_CHARS],
        key_hash=key_hash(key),
        second_factor=second_factor,
        expires_at=timezone.now() + lifetime,
    )
    audit_record(
        actor=actor,
        event_type=EventType.API_TOKEN_CREATED,
        obj=user,
        after={"token": f"{token.prefix}…", "kind": kind, "name": token.name, "expires_at": timezone.localtime(token.expires_at)},
    )
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_create(*, actor: User, name: str, days: int, second_factor: bool) -> IssuedToken:
    """A personal token for the actor's scripts, for `days` (one of personal_token_days()).
    `second_factor`: the actor's session passed the second factor."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写令牌名称，例如用途或脚本名称"), field="name", rule="accounts.api_token")
    if days not in personal_token_days():
        raise DomainError(_("有效期不在可选范围内"), field="days", rule="accounts.api_token")
    lifetime = dt.timedelta(days=days)
    return _issue(user=actor, kind=ApiTokenKind.PERSONAL, name=name, lifetime=lifetime, second_factor=second_factor, actor=actor)


@transaction.atomic
def api_token_sign_in(*, user: User, second_factor: bool) -> IssuedToken:
    """POST /api/token/: a sign-in token for FANGKONG_API_TOKEN_SIGN_IN_HOURS, after the checks of
    fangkong.accounts.services.signin."""
    lifetime = dt.timedelta(hours=settings.FANGKONG_API_TOKEN_SIGN_IN_HOURS)
    return _issue(user=user, kind=ApiTokenKind.SIGN_IN, name="", lifetime=lifetime, second_factor=second_factor, actor=user)


def _may_revoke(actor: Any, token: ApiToken) -> bool:
    return token.user_id == getattr(actor, "pk", None) or user_can(actor, ACCOUNTS_MANAGE)


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken, reason: str = "") -> bool:
    """Revoke one token: its user's own, or anyone's for an account manager. Audited.
    False if it was already revoked."""
    if not _may_revoke(actor, token):
        raise PermissionRefused(_("只能作废自己的令牌"), rule=ACCOUNTS_MANAGE)
    now = timezone.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now, revoked_by=actor)
    if not updated:
        return False
    token.revoked_at, token.revoked_by = now, actor
    audit_record(
        actor=actor,
        event_type=EventType.API_TOKEN_REVOKED,
        obj=token.user,
        before={"token": f"{token.prefix}…", "kind": token.kind, "name": token.name},
        reason=reason or ("" if token.user_id == actor.pk else "管理员作废"),
    )
    return True


def api_token_authenticate(*, key: str) -> ApiToken:
    """The live token for `key` (with its user), or TokenRefused. Notes when it was last used."""
    if not key.startswith(KEY_PREFIX) or not 20 <= len(key) <= 100:
        raise TokenRefused(_("令牌无效或已作废"), rule="accounts.api_token")
    token = ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()
    now = timezone.now()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        raise TokenRefused(_("令牌无效或已作废"), rule="accounts.api_token")
    if token.expires_at <= now:
        raise TokenRefused(_("令牌已过期，请重新获取"), rule="accounts.api_token_expired")
    user = token.user
    if second_factor_required(user) and not (token.second_factor and user_has_second_factor(user)):
        raise TokenRefused(_("您的角色须绑定动态口令，并在通过动态口令验证后重新获取令牌"), rule="accounts.second_factor")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
