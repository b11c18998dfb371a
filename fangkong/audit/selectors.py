"""Reads of the audit log. Fails closed: only users with AUDIT_VIEW *and* a city-wide grant
see events (events are not tied to places, so a partial jurisdiction cannot be applied)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from fangkong.audit.permissions import AUDIT_VIEW
from fangkong.core.permissions import user_can
from fangkong.core.scoping import jurisdiction_of

from .models import AuditEvent


def audit_visible(*, user: Any) -> bool:
    return user_can(user, AUDIT_VIEW) and jurisdiction_of(user).city


def may_read_private_file(*, user: Any, owner_id: int | None, capability: str) -> bool:
    """Uploaded files and their error reports (full ID numbers, phones): their owner, while they hold
    `capability` (the one that let them upload), and the auditor. Nobody else, whatever their grants."""
    if not getattr(user, "is_authenticated", False):
        return False
    if owner_id is not None and user.pk == owner_id and user_can(user, capability):
        return True
    return audit_visible(user=user)


def event_queryset(*, user: Any) -> QuerySet[AuditEvent]:
    if not audit_visible(user=user):
        return AuditEvent.objects.none()
    return AuditEvent.objects.all()


def event_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[AuditEvent]:
    from .filters import AuditEventFilter

    qs = event_queryset(user=user).order_by("-at", "-id")
    if filters is not None:
        qs = AuditEventFilter(filters, queryset=qs).qs
    return qs


def event_get(*, user: Any, pk: int) -> AuditEvent:
    return get_object_or_404(event_queryset(user=user), pk=pk)


@dataclass(frozen=True)
class DiffRow:
    key: str
    before: Any
    after: Any
    changed: bool


_MISSING = object()


def event_diff(event: AuditEvent) -> list[DiffRow]:
    """before/after as rows, one per key, in a stable order (keys of `before` first)."""
    before = event.before if isinstance(event.before, dict) else ({} if event.before is None else {"value": event.before})
    after = event.after if isinstance(event.after, dict) else ({} if event.after is None else {"value": event.after})
    keys = list(before) + [k for k in after if k not in before]
    rows = []
    for key in keys:
        b, a = before.get(key, _MISSING), after.get(key, _MISSING)
        rows.append(DiffRow(key=key, before=None if b is _MISSING else b, after=None if a is _MISSING else a, changed=b != a))
    return rows


def event_object_types(*, user: Any) -> list[str]:
    """The object types present in the log, for the filter's suggestions."""
    return list(event_queryset(user=user).order_by().values_list("object_type", flat=True).distinct()[:100])
