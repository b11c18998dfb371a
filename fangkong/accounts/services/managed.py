"""Account management (账号管理) by an account manager (ACCOUNTS_MANAGE): create an account, change
its name, role and grants, deactivate and reactivate it, reset its password and its second factor.

Every write checks the capability, that the account lies within the manager's reach and that every
grant given does (fangkong.accounts.reach: the one rule), refuses the manager's own account, and
writes one audit event. A new account and a reset password get a temporary password, shown once to
the manager; the user must change it when they first sign in (User.must_change_password).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.validators import ASCIIUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.roles import Role

from .. import sessions, throttle
from ..models import Grant, User
from ..permissions import ACCOUNTS_MANAGE
from ..reach import GrantSpec, ManagerReach
from .revoking import api_tokens_revoke_for

RULE = "accounts.manage_reach"
# New user names: letters, digits and @ . + - _ in ASCII (existing names are left as they are).
ASCII_USERNAME = ASCIIUsernameValidator()
# No look-alike characters (0/O, 1/l/I): the manager reads the password out or writes it down.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """Twelve random characters in three groups (about 59 bits): used once, then changed."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


def _refuse_outside() -> PermissionRefused:
    return PermissionRefused(_("该账号不在您的管理范围内"), rule=RULE)


def _check_account(actor: Any, account: User) -> ManagerReach:
    """The manager may manage this account (capability, not themselves, within reach)."""
    require(actor, ACCOUNTS_MANAGE)
    if account.pk == actor.pk:
        raise PermissionRefused(_("不能在账号管理中修改自己的账号；密码和动态口令请在“我的账号”中修改"), rule=RULE)
    reach = ManagerReach(actor)
    if not reach.accounts(User.objects.filter(pk=account.pk)).exists():
        raise _refuse_outside()
    return reach


def _check_grants(reach: ManagerReach, grants: Iterable[GrantSpec]) -> list[GrantSpec]:
    wanted = sorted(set(grants))
    if not wanted:
        raise DomainError(_("请至少授予一个管辖范围"), field="grants", rule=RULE)
    if not all(reach.allows(spec) for spec in wanted):
        raise DomainError(_("所选管辖范围超出了您的管理范围"), field="grants", rule=RULE)
    return wanted


def _check_role(reach: ManagerReach, role: str) -> str:
    """A known role the manager may give (fangkong.accounts.reach: city roles from a city grant only)."""
    if role not in Role.values:
        raise DomainError(_("请选择角色"), field="role", rule=RULE)
    if not reach.allows_role(role):
        raise DomainError(_("只有全市范围的管理员可以授予该角色"), field="role", rule=RULE)
    return role


def _set_grants(account: User, wanted: list[GrantSpec]) -> tuple[list[GrantSpec], list[GrantSpec]]:
    """Make the account's grants exactly `wanted`; returns (before, after)."""
    existing = {GrantSpec.of(g): g for g in Grant.objects.filter(user=account)}
    for spec, grant in existing.items():
        if spec not in wanted:
            grant.delete()
    for spec in wanted:
        if spec not in existing:
            Grant.objects.create(user=account, level=spec.level, place_id=spec.place_id, facility_kind=spec.facility_kind)
    return sorted(existing), wanted


def _grants_audit(specs: list[GrantSpec]) -> list[dict[str, Any]]:
    return [s.as_audit() for s in specs]


@transaction.atomic
def account_create(
    *, actor: Any, username: str, full_name: str, phone: str = "", role: str, grants: Iterable[GrantSpec]
) -> tuple[User, str]:
    """A new account with a role and grants within the manager's reach. Returns the account and its
    temporary password (to show once). Audited: account.created."""
    require(actor, ACCOUNTS_MANAGE)
    reach = ManagerReach(actor)
    role = _check_role(reach, role)
    wanted = _check_grants(reach, grants)
    username = (username or "").strip()
    try:  # ASCII only: no look-alike letters (a Cyrillic "с" in "сommand") to pose as another account
        ASCII_USERNAME(username)
    except ValidationError:
        raise DomainError(_("用户名只能包含字母、数字和 @ . + - _"), field="username", rule=RULE) from None
    if not username or User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("该用户名已被使用，请换一个"), field="username", rule=RULE)
    password = temporary_password()
    account = User(username=username, full_name=full_name.strip(), phone=phone.strip(), role=role, must_change_password=True)
    account.set_password(password)
    account.save()
    _set_grants(account, wanted)
    audit_record(
        actor=actor,
        event_type=EventType.ACCOUNT_CREATED,
        obj=account,
        after={"role": role, "full_name": account.full_name, "grants": _grants_audit(wanted)},
    )
    return account, password


@transaction.atomic
def account_update(*, actor: Any, account: User, full_name: str, phone: str = "", role: str, grants: Iterable[GrantSpec]) -> bool:
    """Change the account's name, phone, role and grants. One event for the details and role
    (account.changed), one for the grants (account.grants_changed), each only when something
    changed. Returns whether anything did."""
    reach = _check_account(actor, account)
    role = _check_role(reach, role)
    wanted = _check_grants(reach, grants)
    fields = {"full_name": full_name.strip(), "phone": phone.strip(), "role": role}
    before = {name: getattr(account, name) for name in fields}
    changed = {name for name, value in fields.items() if before[name] != value}
    if changed:
        for name in changed:
            setattr(account, name, fields[name])
        account.save(update_fields=sorted(changed))
        audit_record(
            actor=actor,
            event_type=EventType.ACCOUNT_CHANGED,
            obj=account,
            before={n: before[n] for n in sorted(changed)},
            after={n: fields[n] for n in sorted(changed)},
        )
    old, new = _set_grants(account, wanted)
    if old != new:
        audit_record(
            actor=actor,
            event_type=EventType.ACCOUNT_GRANTS_CHANGED,
            obj=account,
            before={"grants": _grants_audit(old)},
            after={"grants": _grants_audit(new)},
        )
    return bool(changed) or old != new


@transaction.atomic
def account_set_active(*, actor: Any, account: User, active: bool) -> bool:
    """Deactivate (the user can no longer sign in; their sessions are deleted and their API tokens
    revoked) or reactivate the account (with no session: whoever held one before signs in again).
    Audited; returns whether it changed."""
    _check_account(actor, account)
    if account.is_active == active:
        return False
    account.is_active = active
    account.save(update_fields=["is_active"])
    event = EventType.ACCOUNT_REACTIVATED if active else EventType.ACCOUNT_DEACTIVATED
    audit_record(actor=actor, event_type=event, obj=account, before={"is_active": not active}, after={"is_active": active})
    # Both ways: a session kept through the deactivation would be valid again once reactivated.
    sessions.end_sessions_of(account)
    if not active:
        api_tokens_revoke_for(actor=actor, user=account, reason="停用账号")
    return True


@transaction.atomic
def account_password_reset(*, actor: Any, account: User) -> str:
    """A new temporary password (returned, to show once): the old one stops working, the user must
    change it at their next sign-in, their API tokens are revoked and their sign-in wait is lifted.
    Audited (account.password_reset; the password itself is never recorded)."""
    _check_account(actor, account)
    password = temporary_password()
    account.set_password(password)
    account.must_change_password = True
    account.save(update_fields=["password", "must_change_password"])
    audit_record(actor=actor, event_type=EventType.ACCOUNT_PASSWORD_RESET, obj=account)
    api_tokens_revoke_for(actor=actor, user=account, reason="重置密码")
    throttle.clear(account.get_username())
    return password


@transaction.atomic
def account_second_factor_reset(*, actor: Any, account: User) -> int:
    """Remove the account's TOTP devices (a lost phone): the user enrols again at their next sign-in
    where their role requires a second factor, or on 我的账号. Their API tokens are revoked: one
    issued under the lost device would otherwise work again once a new one is enrolled. Audited;
    returns how many devices."""
    _check_account(actor, account)
    devices = list(TOTPDevice.objects.filter(user=account).values_list("pk", flat=True))
    TOTPDevice.objects.filter(pk__in=devices).delete()
    audit_record(
        actor=actor, event_type=EventType.ACCOUNT_SECOND_FACTOR_RESET, obj=account, before={"devices": devices}, count=len(devices)
    )
    api_tokens_revoke_for(actor=actor, user=account, reason="重置动态口令")
    return len(devices)
