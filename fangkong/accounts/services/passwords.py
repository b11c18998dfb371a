"""Changing one's own password: the old one checked like a sign-in, the new one by the platform's
password rules (settings.AUTH_PASSWORD_VALIDATORS, fangkong.accounts.passwords)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.core.errors import DomainError

from ..models import User
from .revoking import api_tokens_revoke_for
from .signin import check_own_password


def password_rules_check(password: str, *, user: Any = None) -> None:
    """Raise DomainError naming every rule the password breaks."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages), field="new_password1", rule="accounts.password_rules") from None


def password_change(*, request: Any, actor: User, old_password: str, new_password: str) -> int:
    """Change the actor's own password. Their other sessions end (Django checks the password hash
    on each request) and every API token of theirs is revoked; returns how many. A temporary password
    (set by an account manager) is done with. Audited."""
    check_own_password(request=request, actor=actor, password=old_password)
    if new_password == old_password:
        raise DomainError(_("新密码不能与原密码相同"), field="new_password1", rule="accounts.password_rules")
    password_rules_check(new_password, user=actor)
    with transaction.atomic():
        actor.set_password(new_password)
        actor.must_change_password = False
        actor.save(update_fields=["password", "must_change_password"])
        audit_record(actor=actor, event_type=EventType.PASSWORD_CHANGED, obj=actor)
        return api_tokens_revoke_for(actor=actor, user=actor, reason="修改密码")
