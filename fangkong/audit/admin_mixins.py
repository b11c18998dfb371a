"""Writes made in the Django admin are audited like any other: one event per saved or deleted
object, with the changed fields before and after (secrets never recorded)."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from .catalogue import EventType
from .services import audit_record

SECRET_FIELDS = frozenset({"password", "id_cipher", "phone_cipher", "id_hash", "phone_hash", "key", "secret"})


def _value(obj: models.Model, name: str) -> Any:
    if name in SECRET_FIELDS:
        return "***"
    field = obj._meta.get_field(name)
    return getattr(obj, field.attname) if field.concrete else None


class AuditedAdminMixin:
    """Mix into a ModelAdmin: save_model and delete_model write an AuditEvent in the same transaction."""

    def save_model(self, request: Any, obj: models.Model, form: Any, change: bool) -> None:
        changed = [n for n in (form.changed_data if form is not None else []) if n in {f.name for f in obj._meta.concrete_fields}]
        before = None
        if change and obj.pk is not None:
            old = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = {n: _value(old, n) for n in changed} if old is not None else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            audit_record(
                actor=request.user,
                event_type=EventType.ADMIN_CHANGED if change else EventType.ADMIN_CREATED,
                obj=obj,
                before=before,
                after={n: _value(obj, n) for n in changed},
            )

    def delete_model(self, request: Any, obj: models.Model) -> None:
        with transaction.atomic():
            audit_record(actor=request.user, event_type=EventType.ADMIN_DELETED, obj=obj)
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit_record(actor=request.user, event_type=EventType.ADMIN_DELETED, obj=obj)
            super().delete_queryset(request, queryset)  # type: ignore[misc]
