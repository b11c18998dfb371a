"""The Ct value field of every form that records a result (the isolation day sheet, a case's test)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .rules import CT_RANGE


def ct_field(label: Any, *, small: bool = True) -> forms.FloatField:
    low, high = CT_RANGE
    out_of_range = _("Ct 值须在 0–50 之间")
    return forms.FloatField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        widget=forms.NumberInput(
            attrs={"class": "form-control form-control-sm" if small else "form-control", "step": "0.1", "inputmode": "decimal"}
        ),
        error_messages={"invalid": _("Ct 值须为数字"), "min_value": out_of_range, "max_value": out_of_range},
    )
