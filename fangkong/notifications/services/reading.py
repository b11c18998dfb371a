"""A user's own notifications: marking them read and muting a rule. Only the user's own rows are
touched (another user's notification is not found, the same as a missing one)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone

from ..models import Mute, Notification
from ..rules import rules


def mark_read(*, user: Any, pk: int) -> Notification:
    notification = Notification.objects.filter(recipient=user, pk=pk).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def mute(*, user: Any, rule: str) -> None:
    """Stop a rule the user's role receives; an unknown rule or one not the role's is not found."""
    if rule not in {r.key for r in rules.for_role(getattr(user, "role", ""))}:
        raise Http404
    Mute.objects.get_or_create(user=user, rule=rule)


def unmute(*, user: Any, rule: str) -> None:
    Mute.objects.filter(user=user, rule=rule).delete()
