"""Forms for signing in, the second factor, changing one's password and API tokens."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "class": "form-control"}),
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "form-control"})
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("动态口令"),
        min_length=6,
        max_length=8,
        help_text=_("手机验证器应用（如 Google Authenticator、Microsoft Authenticator）上显示的 6 位数字"),
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "class": "form-control",
            }
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].replace(" ", "")


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("原密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "form-control"})
    )
    new_password1 = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "class": "form-control"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("再次输入新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "class": "form-control"})
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return data


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("名称"),
        max_length=64,
        help_text=_("用途或脚本名称，例如“实验室结果上传”"),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    days = forms.TypedChoiceField(label=_("有效期"), coerce=int, widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, days: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [(d, _("%(days)s 天") % {"days": d}) for d in days]
        self.fields["days"].initial = 30 if 30 in days else days[0]
