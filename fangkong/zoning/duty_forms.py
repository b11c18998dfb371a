"""Forms of the 4+N duty pages (parse only; fangkong.zoning.services.duty applies the rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import RefusalForm, datetime_field

from .choices import CadreRank, DutyRole

_TEXT = {"class": "form-control form-control-sm"}
_SELECT = {"class": "form-select form-select-sm"}


class DutyPostForm(RefusalForm, forms.Form):
    role = forms.ChoiceField(label=_("岗位"), choices=DutyRole.choices, widget=forms.Select(attrs=_SELECT))
    name = forms.CharField(label=_("姓名"), max_length=64, widget=forms.TextInput(attrs=_TEXT))
    phone = forms.CharField(
        label=_("电话"), max_length=24, widget=forms.TextInput(attrs={**_TEXT, "inputmode": "tel", "autocomplete": "off"})
    )
    rank = forms.ChoiceField(
        label=_("职级"),
        required=False,
        choices=[("", "—"), *CadreRank.choices],
        widget=forms.Select(attrs=_SELECT),
        help_text=_("包联干部填写"),
    )
    area = forms.ChoiceField(label=_("包联区域"), required=False, choices=(), widget=forms.Select(attrs=_SELECT))
    user = forms.CharField(
        label=_("平台账号（用户名）"),
        required=False,
        max_length=150,
        help_text=_("填写后本人可用手机签到"),
        widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, areas: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "—"), *[(str(pk), label) for pk, label in areas]]


class DutyShiftForm(RefusalForm, forms.Form):
    post = forms.ChoiceField(label=_("值守人员"), choices=(), widget=forms.Select(attrs=_SELECT))
    starts_at = datetime_field(_("开始时间"), small=True)
    ends_at = datetime_field(_("结束时间"), small=True)
    days = forms.IntegerField(
        label=_("连续天数"), min_value=1, max_value=31, initial=1, widget=forms.NumberInput(attrs={**_TEXT, "min": 1, "max": 31})
    )

    def __init__(self, *args: Any, posts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["post"].choices = [(str(pk), label) for pk, label in posts]


class DutyShiftChangeForm(RefusalForm, forms.Form):
    starts_at = datetime_field(_("开始时间"), small=True)
    ends_at = datetime_field(_("结束时间"), small=True)
