"""Forms for the policy pages (parse only; fangkong.policy.services applies the rules)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ProfileCopyForm(forms.Form):
    name = forms.CharField(label=_("新版本名称"), max_length=120, widget=forms.TextInput(attrs={"class": "form-control"}))
    version = forms.CharField(label=_("版本号"), max_length=32, initial="local", widget=forms.TextInput(attrs={"class": "form-control"}))


class ParameterChangeForm(forms.Form):
    value = forms.CharField(
        label=_("取值"),
        max_length=500,
        required=False,
        help_text=_("整数直接填写；多个值用逗号分隔；是/否填写 true 或 false。"),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    source = forms.CharField(
        label=_("修改依据"),
        help_text=_("必填：写明文件名称、文号或会议决定，将记入审计日志。"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
