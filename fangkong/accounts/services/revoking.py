"""Revoking all of one user's API tokens at once (signing out, a password changed or reset, an
account deactivated, a second factor reset or replaced): one audited batch. Apart from
fangkong.accounts.services.tokens so that the second factor's services may call it (tokens checks
the second factor)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record

from ..models import ApiToken, User


@transaction.atomic
def api_tokens_revoke_for(
    *, actor: Any, user: User, kinds: Iterable[str] | None = None, second_factor_only: bool = False, reason: str
) -> int:
    """Revoke all live tokens of `user` (of `kinds`; only those issued after passing the second
    factor if `second_factor_only`), as one audited batch (signing out, a password change, a
    second factor reset or replaced)."""
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())
    if kinds is not None:
        live = live.filter(kind__in=list(kinds))
    if second_factor_only:
        live = live.filter(second_factor=True)
    prefixes = list(live.values_list("prefix", flat=True))
    if not prefixes:
        return 0
    count = live.update(revoked_at=timezone.now(), revoked_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit_record(
        actor=actor,
        event_type=EventType.API_TOKEN_REVOKED,
        obj=user,
        before={"tokens": [f"{p}…" for p in prefixes]},
        count=count,
        reason=reason,
    )
    return count
