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


class AccountForm(forms.Form):
    """An account as its manager edits it: name, role and grants (the choices: the manager's
    reach, fangkong.accounts.selectors.grant_choices); the user name only when creating."""

    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("登录用，建好后不能修改；字母、数字和 @ . + - _"),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )
    full_name = forms.CharField(
        label=_("姓名"), max_length=64, widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"})
    )
    phone = forms.CharField(
        label=_("电话"), max_length=20, required=False, widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"})
    )
    role = forms.ChoiceField(label=_("角色"), widget=forms.Select(attrs={"class": "form-select"}))
    grants = forms.MultipleChoiceField(
        label=_("管辖范围"),
        help_text=_("可多选（按住 Ctrl 或 ⌘ 点选）；只列出您管理范围内的区域和机构"),
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 12}),
    )

    def __init__(self, *args, roles: list[tuple[str, str]], grant_choices: list, creating: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "—"), *roles]
        self.fields["grants"].choices = grant_choices
        if not creating:
            del self.fields["username"]

    def clean_grants(self) -> list:
        from .reach import GrantSpec

        return [spec for key in self.cleaned_data["grants"] if (spec := GrantSpec.from_key(key)) is not None]
