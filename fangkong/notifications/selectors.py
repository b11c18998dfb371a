"""Reads of the notification centre: the bell's count (one indexed count), a user's list, and the
rules their role receives with whether they muted each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from .models import Mute, Notification
from .rules import rules
from .text import title_and_text

BELL_CAP = 100  # the bell shows "99+" beyond


def unread_count(user: Any, *, cap: int | None = None) -> int:
    """One count on the partial index of unread rows (notification_unread); with `cap`, counted up to
    it only (the bell: the same cost with 30 or 30,000 unread)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    qs = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    return (qs[:cap] if cap else qs).count()


def notification_list(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient_id=user.pk)
    return qs.filter(read_at__isnull=True) if unread_only else qs


@dataclass(frozen=True)
class ShownNotification:
    pk: int
    title: str
    text: str
    url: str
    occurred_at: Any
    created_at: Any
    unread: bool


def shown(notifications: Any) -> list[ShownNotification]:
    """Each notification's words in the active language."""
    out = []
    for n in notifications:
        title, text = title_and_text(n.message, n.params)
        out.append(ShownNotification(n.pk, title, text, n.url, n.occurred_at, n.created_at, n.read_at is None))
    return out


@dataclass(frozen=True)
class Subscription:
    key: str
    label: str
    muted: bool


def subscriptions(user: Any) -> list[Subscription]:
    """The rules the user's role receives by default, each with whether the user muted it."""
    muted = set(Mute.objects.filter(user_id=user.pk).values_list("rule", flat=True))
    return [Subscription(r.key, str(r.label), r.key in muted) for r in rules.for_role(getattr(user, "role", "") or "")]
