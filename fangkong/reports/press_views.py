"""The press brief's page: one day's brief (yesterday by default; a past day as it was), the
Chinese and English text to copy, and the figures by district. Figures only, no person: any signed-in
user, for what they cover."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.dbrouting import reads_from_replica
from fangkong.core.scoping import jurisdiction_of

from .press import press_brief


class BriefDayForm(forms.Form):
    date = forms.DateField(
        label=_("日期"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"class": "form-control form-control-sm", "type": "date"}, format="%Y-%m-%d"),
    )

    def day(self, today: dt.date) -> dt.date:
        """The day asked for, at most today; yesterday (the day a morning's conference reports) by default."""
        if self.is_bound and self.is_valid() and self.cleaned_data.get("date"):
            return min(self.cleaned_data["date"], today)
        return today - dt.timedelta(days=1)


@login_required
@reads_from_replica
def brief(request: HttpRequest) -> HttpResponse:
    day = BriefDayForm(request.GET or None).day(timezone.localdate())
    result = press_brief(user=request.user, date=day)
    return render(
        request,
        "reports/press_brief.html",
        {
            "form": BriefDayForm(initial={"date": day}),
            "brief": result,
            "day": day,
            "city": jurisdiction_of(request.user).city,
        },
    )
