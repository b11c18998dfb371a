"""Forms of the risk-area pages (parse only; fangkong.zoning.services applies the rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import RefusalForm, datetime_field

from .choices import DECLARABLE_LEVELS


class DeclareForm(RefusalForm, forms.Form):
    name = forms.CharField(label=_("区域名称"), max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))
    area_class = forms.ChoiceField(label=_("风险等级"), choices=(), widget=forms.Select(attrs={"class": "form-select"}))
    places = forms.MultipleChoiceField(label=_("划定范围"), choices=(), widget=forms.CheckboxSelectMultiple)
    cases = forms.CharField(
        label=_("触发病例编号"),
        required=False,
        help_text=_("多个编号用逗号分隔；没有关联病例时须填写划定理由。"),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    reason = forms.CharField(label=_("划定理由"), required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))
    justification = forms.CharField(
        label=_("扩大范围的理由"),
        required=False,
        help_text=_("超出现行政策划定单位（如整个小区、社区、街道）时必填，并提交督导。"),
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    effective_at = datetime_field(_("生效时间"), required=False, help_text=_("留空：批准时生效。"))

    def __init__(self, *args: Any, classes: list[tuple[str, str]], places: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area_class"].choices = classes
        self.fields["places"].choices = places

    def clean_places(self) -> list[tuple[str, int]]:
        out = []
        for value in self.cleaned_data["places"]:
            level, _sep, pk = value.partition(":")
            if level not in DECLARABLE_LEVELS or not pk.isdigit():
                raise forms.ValidationError(_("区域选择有误"))
            out.append((level, int(pk)))
        return out

    def clean_cases(self) -> list[int]:
        raw = (self.cleaned_data.get("cases") or "").replace("，", ",").replace("#", "")
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise forms.ValidationError(_("病例编号须为数字，多个用逗号分隔"))
        return [int(p) for p in parts]


class DecisionForm(RefusalForm, forms.Form):
    reason = forms.CharField(
        label=_("理由"), required=False, max_length=300, widget=forms.TextInput(attrs={"class": "form-control form-control-sm"})
    )
