"""A period of Beijing dates for the pages and answers that count over one (跟踪问效 per unit and per
responsible person, the volunteers' totals): from and to, from not after to, at most a given number of
days; by default the last DEFAULT_DAYS days to today. One rule (`period`) for the form and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .errors import DomainError

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
            try:
                period(start, end, today=end)
            except DomainError as refused:
                self.add_error(refused.field, refused.message)
        return data


def period(
    start: dt.date | None, end: dt.date | None, *, today: dt.date, default_days: int = DEFAULT_DAYS, max_days: int = MAX_DAYS
) -> tuple[dt.date, dt.date]:
    """(start, end) as asked: `end` by default today, `start` by default `default_days` days to `end`;
    refused (naming the field) when `end` is before `start` or the period is longer than `max_days`."""
    end = end or today
    start = start or end - dt.timedelta(days=default_days - 1)
    if end < start:
        raise DomainError(gettext("结束日期早于开始日期"), field="end", rule="core.period")
    if (end - start).days + 1 > max_days:
        raise DomainError(gettext("期间最长 %(n)s 天，请缩短") % {"n": max_days}, field="end", rule="core.period")
    return start, end
