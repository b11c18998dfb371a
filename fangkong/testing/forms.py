"""Forms for the round and sampling-point pages. They parse input; fangkong.testing.services applies
the rules (the scope a planner may choose, the deadline, the community a point may be put in)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.filters import IdFilter
from fangkong.core.forms import MarksInvalid, datetime_field
from fangkong.zoning.choices import AreaClass

from .choices import RoundStatus, ScopeLevel
from .models import SamplingPoint


class RoundPlanForm(MarksInvalid, forms.Form):
    """The round itself; its scope is the AreaFormSet beside it."""

    number = forms.IntegerField(
        label=_("轮次"),
        min_value=1,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
        error_messages={"required": _("请填写轮次"), "invalid": _("轮次须为正整数"), "min_value": _("轮次须为正整数")},
    )
    name = forms.CharField(
        label=_("名称"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("留空则为“第 N 轮全员核酸检测”"),
    )
    starts_at = datetime_field(_("开始时间"))
    deadline_at = datetime_field(_("完成时限"), required=False)

    def __init__(self, *args, deadline_help: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].error_messages["required"] = _("请填写开始时间")
        if deadline_help:
            self.fields["deadline_at"].help_text = deadline_help


class AreaForm(forms.Form):
    """One place of the scope: a level, the place (none for the whole city) and its area class."""

    level = forms.ChoiceField(label=_("层级"), choices=ScopeLevel.choices, widget=forms.Select(attrs={"class": "form-select"}))
    place = forms.IntegerField(label=_("区域"), required=False, widget=forms.Select(attrs={"class": "form-select"}))
    area_class = forms.ChoiceField(
        label=_("区域类别"), choices=AreaClass.choices, initial=AreaClass.PRECAUTION, widget=forms.Select(attrs={"class": "form-select"})
    )

    def has_changed(self) -> bool:
        """A row is there when it sends its level (a row removed on the page sends nothing)."""
        return not self.is_bound or self.add_prefix("level") in self.data

    def clean(self) -> dict:
        data = super().clean()
        if data.get("level") and data["level"] != ScopeLevel.CITY and data.get("place") is None:
            self.add_error("place", _("请选择区域"))
        if data.get("level") == ScopeLevel.CITY:
            data["place"] = None
        return data


class BaseAreaFormSet(forms.BaseFormSet):
    def specs(self) -> list[tuple[str, int | None, str]]:
        """(level, place id, area class) of each row submitted (a row removed on the page sends nothing)."""
        return [(f.cleaned_data["level"], f.cleaned_data.get("place"), f.cleaned_data["area_class"]) for f in self.forms if f.cleaned_data]


AreaFormSet = forms.formset_factory(AreaForm, formset=BaseAreaFormSet, extra=0, max_num=200, absolute_max=200)


class RoundStatusForm(forms.Form):
    status = forms.ChoiceField(choices=RoundStatus.choices)


class SamplingPointForm(MarksInvalid, forms.Form):
    """A sampling point: the community and grid choices are the ones the user covers."""

    community = forms.ModelChoiceField(
        label=_("所属社区"),
        queryset=None,
        empty_label=_("— 请选择社区 —"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": _("请选择社区"), "invalid_choice": _("该社区不在您的管辖范围内")},
    )
    grid = forms.ModelChoiceField(
        label=_("所属网格"),
        queryset=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": _("该网格不在您的管辖范围内")},
    )
    name = forms.CharField(
        label=_("名称"),
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("例如：迎宾小区南门采样点")}),
        error_messages={"required": _("请填写采样点名称")},
    )
    address = forms.CharField(label=_("地址"), max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))
    opening_hours = forms.CharField(
        label=_("开放时间"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("例如：7:00-21:00")}),
    )
    staff_names = forms.CharField(
        label=_("采样人员"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("多名人员用顿号或逗号分隔"),
    )

    def __init__(self, *args, communities, grids, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["community"].label_from_instance = lambda c: f"{c.street.name} › {c.name}"
        self.fields["grid"].queryset = grids


class SamplingPointFilter(django_filters.FilterSet):
    """The sampling-point list's filter (page and API): by community, by name."""

    community = IdFilter(field_name="community_id", label=_("社区"))
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("名称"))

    class Meta:
        model = SamplingPoint
        fields = ["community", "q"]
