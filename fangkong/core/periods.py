"""A period of Beijing dates for the pages that count over one (跟踪问效 per unit and per responsible
person): from and to, at most MAX_DAYS, from not after to; by default the last DEFAULT_DAYS days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 92  # a quarter: longer periods are read quarter by quarter
DEFAULT_DAYS = 7
INPUT = {"class": "form-control form-control-sm"}


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("自"), widget=forms.DateInput(attrs={**INPUT, "type": "date"}))
    end = forms.DateField(label=_("至"), widget=forms.DateInput(attrs={**INPUT, "type": "date"}))

    @classmethod
    def for_request(cls, data: Any, today: dt.date) -> PeriodForm:
        """The period asked for, or the last DEFAULT_DAYS days to today."""
        if data.get("start") or data.get("end"):
            return cls({"start": data.get("start", ""), "end": data.get("end", "")})
        return cls({"start": (today - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat(), "end": today.isoformat()})

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("结束日期早于开始日期"))
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", _("期间最长 %(n)s 天，请缩短") % {"n": MAX_DAYS})
        return data
