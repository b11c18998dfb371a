"""Forms of the 快转 pages. They parse input; fangkong.cases.services applies the rules (triage,
admission rules, beds, the discharge criteria, the order of times) and names the rule that refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import RefusalForm, datetime_field
from fangkong.geo.forms import clean_id_input
from fangkong.results.choices import Result
from fangkong.results.forms import ct_field
from fangkong.zoning.choices import FoundIn

from .choices import (
    HAND_SOURCES,
    BedType,
    CaseSource,
    CaseStatus,
    Classification,
    ClinicalCriterion,
    FacilityKind,
    RiskFactor,
    TransferStatus,
)
from .models import TreatmentFacility

SELECT = {"class": "form-select"}
SELECT_SM = {"class": "form-select form-select-sm"}
TEXT = {"class": "form-control"}
TEXT_SM = {"class": "form-control form-control-sm"}


# ---- the board ----


class BoardFilterForm(forms.Form):
    district = forms.TypedChoiceField(label=_("区县"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT_SM))
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部在途")), *[(s, TransferStatus(s).label) for s in ("awaiting", "dispatched", "picked_up")]],
        widget=forms.Select(attrs=SELECT_SM),
    )
    triage_kind = forms.ChoiceField(
        label=_("分诊去向"), required=False, choices=[("", _("全部")), *FacilityKind.choices], widget=forms.Select(attrs=SELECT_SM)
    )
    overdue = forms.BooleanField(label=_("只看超时"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, *args: Any, districts=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("全部区县")), *[(d.pk, d.name) for d in districts]]

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        d = self.cleaned_data
        return {
            "district_id": d.get("district"),
            "status": d.get("status"),
            "triage_kind": d.get("triage_kind"),
            "overdue": d.get("overdue"),
        }


class DispatchForm(RefusalForm, forms.Form):
    """派车: the facility (the suggestion unless another is chosen), bed type, vehicle and crew."""

    facility = forms.ModelChoiceField(
        label=_("收治机构"),
        queryset=TreatmentFacility.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT_SM),
        error_messages={"invalid_choice": _("该机构不存在或已停止收治")},
    )
    bed_type = forms.ChoiceField(label=_("床位类型"), choices=BedType.choices, required=False, widget=forms.Select(attrs=SELECT_SM))
    vehicle = forms.CharField(
        label=_("车辆"),
        max_length=64,
        widget=forms.TextInput(attrs={**TEXT_SM, "placeholder": _("车牌号或车辆编号")}),
        error_messages={"required": _("请填写转运车辆")},
    )
    crew = forms.CharField(
        label=_("随车人员"), max_length=200, required=False, widget=forms.TextInput(attrs={**TEXT_SM, "placeholder": _("司机、医护人员")})
    )

    def __init__(self, *args: Any, facilities=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities if facilities is not None else TreatmentFacility.objects.filter(is_active=True)


class AdmitForm(RefusalForm, forms.Form):
    """入院收治: the bed type (the assigned one unless changed); the facility only when admitting on
    the spot (就地收治) for someone else's facility (the command centre)."""

    bed_type = forms.ChoiceField(label=_("床位类型"), choices=BedType.choices, required=False, widget=forms.Select(attrs=SELECT_SM))
    facility = forms.ModelChoiceField(
        label=_("收治机构"), queryset=TreatmentFacility.objects.none(), required=False, widget=forms.Select(attrs=SELECT_SM)
    )

    def __init__(self, *args: Any, facilities=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities if facilities is not None else TreatmentFacility.objects.filter(is_active=True)


class ReasonForm(RefusalForm, forms.Form):
    """A reason, required: a refusal (拒收), a withdrawal (撤销), care reopened (再收治)."""

    reason = forms.CharField(
        label=_("原因"), max_length=300, widget=forms.TextInput(attrs=TEXT_SM), error_messages={"required": _("请填写原因")}
    )

    def __init__(self, *args: Any, label: str = "", placeholder: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
            self.fields["reason"].error_messages["required"] = _("请填写%(label)s") % {"label": label}
        if placeholder:
            self.fields["reason"].widget.attrs["placeholder"] = placeholder


# ---- cases ----


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("姓名或证件号"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={**TEXT_SM, "placeholder": _("姓名 / 证件号后四位 / 完整证件号"), "type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *CaseStatus.choices], widget=forms.Select(attrs=SELECT_SM)
    )
    classification = forms.ChoiceField(
        label=_("临床分型"), required=False, choices=[("", _("全部分型")), *Classification.choices], widget=forms.Select(attrs=SELECT_SM)
    )
    found_in = forms.ChoiceField(
        label=_("发现场所"), required=False, choices=[("", _("全部")), *FoundIn.choices], widget=forms.Select(attrs=SELECT_SM)
    )
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部来源")), *CaseSource.choices], widget=forms.Select(attrs=SELECT_SM)
    )
    district = forms.TypedChoiceField(label=_("区县"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT_SM))
    facility = forms.TypedChoiceField(
        label=_("收治机构"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT_SM)
    )

    def __init__(self, *args: Any, districts=(), facilities=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("全部区县")), *[(d.pk, d.name) for d in districts]]
        self.fields["facility"].choices = [("", _("全部机构")), *[(f.pk, f.name) for f in facilities]]

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        d = self.cleaned_data
        return {
            "status": d.get("status"),
            "classification": d.get("classification"),
            "found_in": d.get("found_in"),
            "source": d.get("source"),
            "district_id": d.get("district"),
            "facility_id": d.get("facility"),
        }


def _risk_factors_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("重型高危因素"),
        choices=RiskFactor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )


def _classification_field(**kwargs: Any) -> forms.ChoiceField:
    kwargs.setdefault("widget", forms.Select(attrs=SELECT))
    return forms.ChoiceField(
        label=_("临床分型"), choices=Classification.choices, error_messages={"required": _("请选择临床分型")}, **kwargs
    )


class ClassifyForm(RefusalForm, forms.Form):
    classification = _classification_field()
    risk_factors = _risk_factors_field()
    at = datetime_field(_("分型时间"), required=False, help_text=_("留空为现在"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False, widget=forms.TextInput(attrs=TEXT))


class TestResultForm(RefusalForm, forms.Form):
    """A nucleic-acid test: the result, or the Ct values from which the policy threshold decides it."""

    sampled_at = datetime_field(_("采样时间"), small=True)
    result = forms.ChoiceField(
        label=_("结果"),
        required=False,
        choices=[("", _("按 Ct 值判定")), *Result.choices],
        widget=forms.Select(attrs=SELECT_SM),
    )
    ct_orf1ab = ct_field(_("ORF1ab Ct"))
    ct_n = ct_field(_("N Ct"))
    reported_at = datetime_field(_("报告时间"), required=False, small=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not data.get("result") and data.get("ct_orf1ab") is None and data.get("ct_n") is None:
            self.add_error("result", _("请填写检测结果或 Ct 值"))
        return data


class DischargeForm(RefusalForm, forms.Form):
    clinical = forms.MultipleChoiceField(
        label=_("临床出院条件（医生确认）"),
        choices=ClinicalCriterion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    at = datetime_field(_("出院时间"), required=False, help_text=_("留空为现在"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False, widget=forms.TextInput(attrs=TEXT))


class PersonLookupForm(forms.Form):
    """The person a case is opened for, by their full ID number (looked up by its keyed hash)."""

    id_number = forms.CharField(
        label=_("证件号码"),
        max_length=32,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": _("完整的身份证号码"), "autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"required": _("请输入完整的证件号码")},
    )

    def clean_id_number(self) -> str:
        return clean_id_input(self.cleaned_data["id_number"])


class OpenCaseForm(RefusalForm, forms.Form):
    """登记病例 by hand: a hospital's report or another city's notice."""

    person = forms.IntegerField(widget=forms.HiddenInput)
    classification = _classification_field()
    risk_factors = _risk_factors_field()
    confirmed_at = datetime_field(_("确诊时间"))
    positive_at = datetime_field(_("阳性结果时间"), required=False, help_text=_("留空同确诊时间"))
    onset_at = datetime_field(_("发病时间"), required=False)
    source = forms.ChoiceField(
        label=_("病例来源"),
        choices=[(s.value, s.label) for s in HAND_SOURCES],
        widget=forms.Select(attrs=SELECT),
        error_messages={"required": _("请选择病例来源")},
    )
    source_note = forms.CharField(
        label=_("报告机构或通报来源"),
        max_length=300,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": _("例如：市第一医院发热门诊报告")}),
        error_messages={"required": _("请注明报告机构或通报来源")},
    )
    is_imported = forms.BooleanField(label=_("境外输入"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    reporting_facility = forms.ModelChoiceField(
        label=_("报告的定点医院/方舱"),
        queryset=TreatmentFacility.objects.none(),
        required=False,
        empty_label=_("— 无 —"),
        widget=forms.Select(attrs=SELECT),
        help_text=_("病例由定点医院或方舱自行报告时选择：该机构可就地收治"),
    )

    def __init__(self, *args: Any, facilities=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reporting_facility"].queryset = facilities if facilities is not None else TreatmentFacility.objects.all()


class QueueOpenForm(RefusalForm, forms.Form):
    """One positive of the queue opened with the medical team's first assessment."""

    classification = _classification_field(initial=Classification.ASYMPTOMATIC, widget=forms.Select(attrs=SELECT_SM))
    risk_factors = _risk_factors_field()
    note = forms.CharField(label=_("研判说明"), max_length=300, required=False, widget=forms.TextInput(attrs=TEXT_SM))


# ---- facilities ----


class HighRiskSelect(forms.NullBooleanSelect):
    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("unknown", _("按类型（定点医院收治，方舱不收治）")), ("true", _("收治")), ("false", _("不收治"))]


class FacilityForm(RefusalForm, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=FacilityKind.choices, widget=forms.Select(attrs=SELECT))
    name = forms.CharField(
        label=_("名称"), max_length=100, widget=forms.TextInput(attrs=TEXT), error_messages={"required": _("请填写名称")}
    )
    district = forms.ModelChoiceField(
        label=_("所在区县"), queryset=None, widget=forms.Select(attrs=SELECT), error_messages={"required": _("请选择区县")}
    )
    address = forms.CharField(label=_("地址"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))
    contact = forms.CharField(label=_("联系人及电话"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT))
    is_active = forms.BooleanField(
        label=_("收治中"), required=False, initial=True, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    admission_classes = forms.MultipleChoiceField(
        label=_("收治分型"),
        choices=Classification.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("不选则按类型：方舱收治政策规定的分型，定点医院收治全部分型"),
    )
    admits_high_risk = forms.NullBooleanField(
        label=_("收治高风险人群"),
        required=False,
        widget=HighRiskSelect(attrs=SELECT),
    )
    max_age = forms.IntegerField(
        label=_("收治年龄上限"),
        required=False,
        min_value=0,
        max_value=150,
        widget=forms.NumberInput(attrs=TEXT),
        help_text=_("无上限则留空"),
    )
    admission_note = forms.CharField(label=_("收治说明"), max_length=300, required=False, widget=forms.TextInput(attrs=TEXT))
    beds_general = forms.IntegerField(label=_("普通床位数"), required=False, min_value=0, widget=forms.NumberInput(attrs=TEXT))
    beds_icu = forms.IntegerField(label=_("ICU 床位数"), required=False, min_value=0, widget=forms.NumberInput(attrs=TEXT))

    EDITABLE = ("name", "address", "contact", "is_active", "admission_classes", "admits_high_risk", "max_age", "admission_note")

    def __init__(self, *args: Any, districts=None, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:  # kind and district are fixed once set; beds are set on the facility page
            for name in ("kind", "district", "beds_general", "beds_icu"):
                del self.fields[name]
        else:  # a new facility admits from the start; it is stopped by changing it
            self.fields["district"].queryset = districts
            del self.fields["is_active"]

    def values(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in self.EDITABLE if k in self.fields}

    def beds(self) -> dict[str, int]:
        d = self.cleaned_data
        return {k: v for k, v in ((BedType.GENERAL, d.get("beds_general")), (BedType.ICU, d.get("beds_icu"))) if v is not None}


class BedsForm(RefusalForm, forms.Form):
    """Beds of one type: capacity, and the occupied count reconciled with the ward (with a reason)."""

    bed_type = forms.ChoiceField(label=_("床位类型"), choices=BedType.choices, widget=forms.Select(attrs=SELECT_SM))
    capacity = forms.IntegerField(
        label=_("床位数"),
        min_value=0,
        widget=forms.NumberInput(attrs={**TEXT_SM, "inputmode": "numeric"}),
        error_messages={"required": _("请填写床位数"), "min_value": _("床位数不能为负数")},
    )
    occupied = forms.IntegerField(
        label=_("在院人数"),
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={**TEXT_SM, "inputmode": "numeric"}),
        help_text=_("与病区核对不一致时才修改，须填写原因"),
    )
    reason = forms.CharField(label=_("修改原因"), max_length=300, required=False, widget=forms.TextInput(attrs=TEXT_SM))


# ---- the day's figures ----


class DayForm(forms.Form):
    date = forms.DateField(
        label=_("日期"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={**TEXT_SM, "type": "date"}, format="%Y-%m-%d"),
    )

    def day(self, today: dt.date) -> dt.date:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("date"):
            return min(self.cleaned_data["date"], today)
        return today
