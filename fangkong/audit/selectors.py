"""Reads of the audit log. Fails closed: only users with AUDIT_VIEW *and* a city-wide grant
see events (events are not tied to places, so a partial jurisdiction cannot be applied)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


# Names of the keys events record that are not fields of the object's model (an export's list and
# filters, a bulk action's counts); the model's own fields are named by their verbose_name.
KEY_LABELS: dict[str, Any] = {
    "value": gettext_lazy("取值"),
    "list": gettext_lazy("列表"),
    "format": gettext_lazy("格式"),
    "filters": gettext_lazy("筛选条件"),
    "rows": gettext_lazy("行数"),
    "round": gettext_lazy("轮次"),
    "grid": gettext_lazy("网格"),
    "community": gettext_lazy("社区"),
    "street": gettext_lazy("街道"),
    "district": gettext_lazy("区县"),
    "status": gettext_lazy("状态"),
    "level": gettext_lazy("层级"),
    "place": gettext_lazy("区域"),
    "q": gettext_lazy("搜索"),
    "role": gettext_lazy("角色"),
    "state": gettext_lazy("状态"),
    "reason": gettext_lazy("原因"),
    "rule": gettext_lazy("依据"),
    "event_type": gettext_lazy("事件"),
    "object_type": gettext_lazy("对象类型"),
    "object_id": gettext_lazy("对象编号"),
    "second_factor": gettext_lazy("第二重验证"),
}


def _model(object_type: str) -> type[Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    """An event's object type as people name it: the model's verbose_name in the active language
    ("用户" for accounts.user); the recorded type when no model has it."""
    model = _model(object_type) if object_type else None
    return str(model._meta.verbose_name) if model is not None else object_type


def key_label(key: str, model: type[Model] | None = None) -> str:
    """A recorded key by name: the model field's verbose_name, a known key's name, else the key."""
    if model is not None:
        try:
            field = model._meta.get_field(key.removesuffix("_id"))
        except FieldDoesNotExist:
            pass
        else:
            if getattr(field, "verbose_name", None):
                return str(field.verbose_name)
    return str(KEY_LABELS.get(key, key))


def value_text(value: Any) -> str | None:
    """A recorded value as text: 是/否 for booleans, "名称: 值" pairs for a mapping (an export's
    filters), lists joined; None stays None (shown as —)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dict):
        return "；".join(f"{key_label(k)}: {value_text(v) or '—'}" for k, v in value.items()) or "—"
    if isinstance(value, list | tuple):
        return "、".join(value_text(v) or "—" for v in value)
    return str(value)


@dataclass(frozen=True)
class DiffRow:
    key: str
    before: Any
    after: Any
    changed: bool
    label: str = ""
    before_text: str | None = None
    after_text: str | None = None


_MISSING = object()


def event_diff(event: AuditEvent) -> list[DiffRow]:
    """before/after as rows, one per key, in a stable order (keys of `before` first), each named by
    its field's verbose_name and its values as text (value_text)."""
    before = event.before if isinstance(event.before, dict) else ({} if event.before is None else {"value": event.before})
    after = event.after if isinstance(event.after, dict) else ({} if event.after is None else {"value": event.after})
    keys = list(before) + [k for k in after if k not in before]
    model = _model(event.object_type) if event.object_type else None
    rows = []
    for key in keys:
        b, a = before.get(key, _MISSING), after.get(key, _MISSING)
        b, a = (None if b is _MISSING else b), (None if a is _MISSING else a)
        rows.append(
            DiffRow(
                key=key,
                before=b,
                after=a,
                changed=b != a,
                label=key_label(key, model),
                before_text=value_text(b),
                after_text=value_text(a),
            )
        )
    return rows


def event_object_types(*, user: Any) -> list[str]:
    """The object types present in the log, for the filter's suggestions."""
    return list(event_queryset(user=user).order_by().values_list("object_type", flat=True).distinct()[:100])
