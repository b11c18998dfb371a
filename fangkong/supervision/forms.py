"""督导's forms: an inspection on a phone (the checklist of the assigned place's kind, a finding with
its photo, owner and deadline, GPS filled by the phone), the owner's evidence, the inspector's check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import RefusalForm, datetime_field

from .choices import Answer, PlaceKind
from .models import Assignment
from .owners import owners_for
from .selectors import checklist

INPUT = {"class": "form-control"}
PHOTO = forms.ClearableFileInput(attrs={"class": "form-control", "accept": "image/jpeg,image/png,image/webp", "capture": "environment"})
DEFAULT_DEADLINE = dt.timedelta(hours=24)


class OwnerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name or obj.username}（{obj.get_role_display()}）"


class InspectionForm(RefusalForm, forms.Form):
    assignment = forms.IntegerField(widget=forms.HiddenInput, label=_("督导点位"))
    inspected_at = datetime_field(_("检查时间"))
    finding = forms.CharField(label=_("发现的问题"), max_length=500, required=False, widget=forms.Textarea(attrs={**INPUT, "rows": 3}))
    finding_item = forms.TypedChoiceField(
        label=_("对应检查项"), required=False, coerce=int, empty_value=None, widget=forms.Select(attrs={"class": "form-select"})
    )
    photo = forms.FileField(label=_("问题照片"), required=False, widget=PHOTO)
    owner = OwnerChoice(label=_("整改责任人"), queryset=None, required=False, widget=forms.Select(attrs={"class": "form-select"}))
    deadline = datetime_field(_("整改时限"), required=False)
    note = forms.CharField(label=_("备注"), max_length=500, required=False, widget=forms.TextInput(attrs=INPUT))
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, assignment: Assignment | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["inspected_at"].initial = now
        self.fields["deadline"].initial = now + DEFAULT_DEADLINE
        self.items = checklist(assignment.place_kind) if assignment is not None else []
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.text, choices=Answer.choices, widget=forms.RadioSelect, error_messages={"required": _("请选择检查结果")}
            )
        self.fields["finding_item"].choices = [("", "—"), *((i.pk, i.text) for i in self.items)]
        owners = owners_for(
            district_id=getattr(assignment, "district_id", None),
            street_id=getattr(assignment, "street_id", None),
            community_id=getattr(assignment, "community_id", None),
        )
        self.fields["owner"].queryset = owners if assignment is not None else owners.none()

    def item_fields(self) -> list:
        return [self[f"item_{i.pk}"] for i in self.items]

    def answers(self) -> dict[int, str]:
        return {i.pk: self.cleaned_data.get(f"item_{i.pk}") for i in self.items}

    def clean(self) -> dict:
        data = super().clean()
        if (data.get("finding") or "").strip():
            if not data.get("owner"):
                self.add_error("owner", _("请选择整改责任人"))
            if not data.get("deadline"):
                self.add_error("deadline", _("请填写整改时限"))
        elif data.get("photo"):
            self.add_error("finding", _("上传了照片，请写明发现的问题"))
        return data


class FixForm(RefusalForm, forms.Form):
    evidence = forms.CharField(label=_("整改情况"), required=False, widget=forms.Textarea(attrs={**INPUT, "rows": 3}))
    photo = forms.FileField(label=_("整改照片"), required=False, widget=PHOTO)


class VerifyForm(RefusalForm, forms.Form):
    decision = forms.ChoiceField(
        label=_("验证结果"),
        choices=[("verified", _("整改到位，销号")), ("returned", _("未整改到位，退回"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("验证意见"), max_length=300, required=False, widget=forms.TextInput(attrs=INPUT))


class MemberChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name or obj.username


class TeamForm(RefusalForm, forms.Form):
    name = forms.CharField(label=_("督导组名称"), max_length=100, widget=forms.TextInput(attrs=INPUT))
    district = forms.ModelChoiceField(label=_("区县"), queryset=None, widget=forms.Select(attrs={"class": "form-select"}))
    members = MemberChoice(label=_("成员"), queryset=None, widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 6}))

    def __init__(self, *args: Any, districts: Any = None, inspectors: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["members"].queryset = inspectors


class AssignmentForm(RefusalForm, forms.Form):
    team = forms.ModelChoiceField(label=_("督导组"), queryset=None, widget=forms.Select(attrs={"class": "form-select"}))
    place = forms.ChoiceField(label=_("点位"), widget=forms.Select(attrs={"class": "form-select"}))
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={**INPUT, "type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={**INPUT, "type": "date"}))

    def __init__(self, *args: Any, teams: Any = None, places: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["place"].choices = [(f"{p.kind}:{p.pk}", f"{PlaceKind(p.kind).label} · {p.name}") for p in places]
        self.fields["starts_on"].initial = timezone.localdate()

    def place_of(self) -> tuple[str, int]:
        kind, pk = self.cleaned_data["place"].split(":")
        return kind, int(pk)
