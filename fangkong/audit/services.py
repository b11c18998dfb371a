"""audit_record(): the one way to write an audit event."""

from __future__ import annotations

from typing import Any

from django.db import models

from .catalogue import EventType
from .context import current
from .models import AuditEvent


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return str(value)


def audit_record(
    *,
    actor: Any,
    event_type: EventType | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    count: int | None = None,
    reason: str = "",
) -> AuditEvent:
    """Record one event. Call inside the transaction of the change it describes."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    ctx = current.get()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_name=(actor.get_username() if is_user else str(actor or "system"))[:150],
        event_type=str(event_type),
        object_type=object_type[:48],
        object_id=str(object_id)[:64],
        object_repr=object_repr[:200],
        before=_jsonable(before),
        after=_jsonable(after),
        count=count,
        reason=reason,
        ip=ctx.ip,
        request_id=ctx.request_id,
    )
