"""Form pieces every page uses: the date-time input, invalid fields marked for Bootstrap, and a
service's refusal put next to the field it names (its 依据 shown folded: templates/components/_basis.html)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .errors import DomainError

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs={"class": "form-control", **(attrs or {})}, format=DATETIME_LOCAL)


def datetime_field(label: Any, *, required: bool = True, help_text: Any = "", small: bool = False) -> forms.DateTimeField:
    """A local (Beijing) date and time, typed or picked."""
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=DateTimeLocalInput(attrs={"class": "form-control form-control-sm"} if small else None),
        error_messages={
            "invalid": _("请输入有效的日期和时间，例如 2022-11-22 08:00"),
            "required": format_lazy(_("请填写{label}"), label=label),
        },
    )


class MarksInvalid:
    """Bootstrap's is-invalid on the widget of every field with an error (a service's refusal too)."""

    def add_error(self, field: str | None, error) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class RefusalForm(MarksInvalid):
    """A form that can carry a service's refusal: on the field it names (`fields` maps a service's
    field name to this form's), or above the form; the refusal is kept for its 依据."""

    refusal: DomainError | None = None

    def refuse(self, exc: DomainError, *, fields: dict[str, str] | None = None) -> None:
        self.refusal = exc
        name = (fields or {}).get(exc.field, exc.field)
        self.add_error(name if name in self.fields else None, exc.message)
