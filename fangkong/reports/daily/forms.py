"""The daily report pages' forms: parse only; the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import RefusalForm

from .choices import ReportLevel

TEXTAREA = {"class": "form-control", "rows": 4}


class DayForm(forms.Form):
    date = forms.DateField(
        label=_("日期"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"class": "form-control form-control-sm", "type": "date"}, format="%Y-%m-%d"),
    )

    def day(self, today: dt.date) -> dt.date:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("date"):
            return min(self.cleaned_data["date"], today)
        return today


class OpenForm(RefusalForm, forms.Form):
    level = forms.ChoiceField(label=_("层级"), choices=ReportLevel.choices)
    place = forms.IntegerField(label=_("单位"), required=False)
    date = forms.DateField(label=_("日期"), input_formats=["%Y-%m-%d"])


class TextsForm(RefusalForm, forms.Form):
    problems = forms.CharField(label=_("存在的问题"), required=False, widget=forms.Textarea(attrs=TEXTAREA))
    needs = forms.CharField(label=_("困难和需求"), required=False, widget=forms.Textarea(attrs=TEXTAREA))
    next_steps = forms.CharField(label=_("下一步工作"), required=False, widget=forms.Textarea(attrs=TEXTAREA))


class ActionForm(RefusalForm, forms.Form):
    """A button's form (submit, compile, refill): no fields; a refusal shows above the page."""


class ReopenForm(RefusalForm, forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=500, widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))
