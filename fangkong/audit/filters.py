"""The audit log filter (page; an API would reuse it)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import registry

from .models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_name", lookup_expr="iexact", label=_("操作人（用户名）"))
    event_type = django_filters.ChoiceFilter(
        choices=lambda: sorted(registry.event_types.items()), label=_("事件类型"), empty_label=_("全部")
    )
    object_type = django_filters.CharFilter(field_name="object_type", lookup_expr="iexact", label=_("对象类型"))
    object_id = django_filters.CharFilter(field_name="object_id", label=_("对象编号"))
    since = django_filters.DateTimeFilter(
        field_name="at", lookup_expr="gte", label=_("起始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    until = django_filters.DateTimeFilter(
        field_name="at", lookup_expr="lte", label=_("截止时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    class Meta:
        model = AuditEvent
        fields = ["actor", "event_type", "object_type", "object_id", "since", "until"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)
