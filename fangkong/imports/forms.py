"""The upload form: a file and how to import it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ImportMode


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码），第 1 行为表头"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
    )
    mode = forms.ChoiceField(
        label=_("导入方式"),
        choices=ImportMode.choices,
        initial=ImportMode.VALIDATE,
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv", ".txt")):
            raise forms.ValidationError(_("只支持 .xlsx 或 .csv 文件；旧版 .xls 请在 Excel 中另存为 .xlsx"))
        return upload
