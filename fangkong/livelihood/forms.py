"""Forms of the 民生保障 pages (parse only; the services apply the rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import RefusalForm, datetime_field
from fangkong.geo.choices import VulnerableTag

from .choices import ConfirmedBy, Handover, MemberKind, Need, ReceiptSource, ReliefKind, RequestChannel, RequestKind, VoucherForm

_TEXT = {"class": "form-control form-control-sm"}
_SELECT = {"class": "form-select form-select-sm"}
_CHECKS = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
_CHECK = forms.CheckboxInput(attrs={"class": "form-check-input"})


class EntryForm(RefusalForm, forms.Form):
    id_number = forms.CharField(label=_("证件号码"), max_length=32, widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "off"}))
    categories = forms.MultipleChoiceField(label=_("类别"), choices=VulnerableTag.choices, widget=_CHECKS)
    needs = forms.MultipleChoiceField(label=_("需求"), choices=Need.choices, required=False, widget=_CHECKS)
    contact_name = forms.CharField(label=_("联系人"), max_length=64, required=False, widget=forms.TextInput(attrs=_TEXT))
    contact_phone = forms.CharField(
        label=_("联系电话"), max_length=24, required=False, widget=forms.TextInput(attrs={**_TEXT, "inputmode": "tel"})
    )
    can_order_by_phone = forms.BooleanField(label=_("能自己电话下单"), required=False, initial=True, widget=_CHECK)
    notes = forms.CharField(label=_("备注"), max_length=300, required=False, widget=forms.TextInput(attrs=_TEXT))


class EntryEditForm(RefusalForm, forms.Form):
    categories = forms.MultipleChoiceField(label=_("类别"), choices=VulnerableTag.choices, widget=_CHECKS)
    needs = forms.MultipleChoiceField(label=_("需求"), choices=Need.choices, required=False, widget=_CHECKS)
    contact_name = forms.CharField(label=_("联系人"), max_length=64, required=False, widget=forms.TextInput(attrs=_TEXT))
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=24,
        required=False,
        help_text=_("留空则保留原号码"),
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "tel"}),
    )
    can_order_by_phone = forms.BooleanField(label=_("能自己电话下单"), required=False, widget=_CHECK)
    notes = forms.CharField(label=_("备注"), max_length=300, required=False, widget=forms.TextInput(attrs=_TEXT))


class VisitForm(RefusalForm, forms.Form):
    visited_at = datetime_field(_("摸排时间"), small=True)
    visitor_name = forms.CharField(label=_("摸排人"), max_length=64, widget=forms.TextInput(attrs=_TEXT))
    findings = forms.CharField(label=_("摸排情况"), max_length=1000, widget=forms.Textarea(attrs={**_TEXT, "rows": 2}))
    needs_found = forms.MultipleChoiceField(label=_("发现需求"), choices=Need.choices, required=False, widget=_CHECKS)


class GroupForm(RefusalForm, forms.Form):
    compound = forms.ChoiceField(label=_("小区"), choices=(), widget=forms.Select(attrs=_SELECT))
    name = forms.CharField(label=_("工作组名称"), max_length=64, widget=forms.TextInput(attrs=_TEXT))

    def __init__(self, *args: Any, compounds: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].choices = [(str(pk), name) for pk, name in compounds]


class MemberForm(RefusalForm, forms.Form):
    kind = forms.ChoiceField(label=_("身份"), choices=MemberKind.choices, widget=forms.Select(attrs=_SELECT))
    name = forms.CharField(label=_("姓名"), max_length=64, widget=forms.TextInput(attrs=_TEXT))
    phone = forms.CharField(
        label=_("电话"), max_length=24, widget=forms.TextInput(attrs={**_TEXT, "inputmode": "tel", "autocomplete": "off"})
    )
    username = forms.CharField(
        label=_("平台账号（用户名）"),
        max_length=150,
        required=False,
        help_text=_("填写后本人可用手机查看配送任务"),
        widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "off"}),
    )


class PairForm(RefusalForm, forms.Form):
    member = forms.ChoiceField(label=_("帮扶人"), choices=(), widget=forms.Select(attrs=_SELECT))
    entries = forms.MultipleChoiceField(label=_("结对居民"), choices=(), widget=_CHECKS)

    def __init__(self, *args: Any, members: list[tuple[int, str]], entries: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(str(pk), label) for pk, label in members]
        self.fields["entries"].choices = [(str(pk), label) for pk, label in entries]


class RequestForm(RefusalForm, forms.Form):
    kind = forms.ChoiceField(label=_("需求类型"), choices=RequestKind.choices, widget=forms.Select(attrs=_SELECT))
    items = forms.CharField(label=_("所需物品"), max_length=300, widget=forms.TextInput(attrs=_TEXT))
    channel = forms.ChoiceField(label=_("来源"), choices=RequestChannel.choices, widget=forms.Select(attrs=_SELECT))


class DeliverForm(RefusalForm, forms.Form):
    handover = forms.ChoiceField(label=_("交接方式"), choices=Handover.choices, widget=forms.Select(attrs=_SELECT))
    handed_to = forms.CharField(label=_("交接网格员"), max_length=64, required=False, widget=forms.TextInput(attrs=_TEXT))


class ConfirmForm(RefusalForm, forms.Form):
    by = forms.ChoiceField(label=_("确认方"), choices=ConfirmedBy.choices, widget=forms.Select(attrs=_SELECT))


class IssueForm(RefusalForm, forms.Form):
    id_number = forms.CharField(label=_("证件号码"), max_length=32, widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "off"}))
    form = forms.ChoiceField(label=_("发放形式"), choices=VoucherForm.choices, widget=forms.Select(attrs=_SELECT))


class RunForm(RefusalForm, forms.Form):
    community = forms.ChoiceField(label=_("社区"), choices=(), widget=forms.Select(attrs=_SELECT))
    form = forms.ChoiceField(label=_("发放形式"), choices=VoucherForm.choices, widget=forms.Select(attrs=_SELECT))

    def __init__(self, *args: Any, communities: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(str(pk), name) for pk, name in communities]


class ProgrammeForm(RefusalForm, forms.Form):
    name = forms.CharField(label=_("方案名称"), max_length=100, widget=forms.TextInput(attrs=_TEXT))
    age_reference_date = forms.DateField(label=_("年龄计算基准日"), required=False, widget=forms.DateInput(attrs={**_TEXT, "type": "date"}))


class StockForm(RefusalForm, forms.Form):
    """One form for a warehouse's four movements; `action` says which."""

    action = forms.ChoiceField(
        label=_("操作"),
        choices=[("receive", _("入库")), ("issue", _("出库发放")), ("transfer", _("调拨")), ("count", _("盘点"))],
        widget=forms.Select(attrs=_SELECT),
    )
    item = forms.ChoiceField(label=_("物资"), choices=(), widget=forms.Select(attrs=_SELECT))
    quantity = forms.CharField(
        label=_("数量（盘点：实点数）"), max_length=12, widget=forms.TextInput(attrs={**_TEXT, "inputmode": "numeric"})
    )
    source = forms.ChoiceField(label=_("来源（入库）"), required=False, choices=(), widget=forms.Select(attrs=_SELECT))
    batch = forms.CharField(label=_("批次（境外采购必填）"), max_length=64, required=False, widget=forms.TextInput(attrs=_TEXT))
    to_unit = forms.CharField(label=_("领用单位（出库）"), max_length=100, required=False, widget=forms.TextInput(attrs=_TEXT))
    target = forms.ChoiceField(label=_("调入仓库（调拨）"), required=False, choices=(), widget=forms.Select(attrs=_SELECT))

    def __init__(self, *args: Any, items: list[tuple[int, str]], targets: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(str(pk), label) for pk, label in items]
        self.fields["source"].choices = [("", "—"), *ReceiptSource.choices]
        self.fields["target"].choices = [("", "—"), *[(str(pk), label) for pk, label in targets]]


class DisburseForm(RefusalForm, forms.Form):
    id_number = forms.CharField(label=_("证件号码"), max_length=32, widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "off"}))
    kind = forms.ChoiceField(label=_("类型"), choices=ReliefKind.choices, widget=forms.Select(attrs=_SELECT))
    amount = forms.CharField(
        label=_("金额或物资价值（元）"), max_length=16, widget=forms.TextInput(attrs={**_TEXT, "inputmode": "decimal"})
    )
    goods = forms.CharField(label=_("物资（粮油、蔬菜包必填）"), max_length=200, required=False, widget=forms.TextInput(attrs=_TEXT))


class BudgetForm(RefusalForm, forms.Form):
    district = forms.ChoiceField(label=_("区县"), choices=(), widget=forms.Select(attrs=_SELECT))
    year = forms.IntegerField(label=_("年度"), min_value=2020, max_value=2100, widget=forms.NumberInput(attrs=_TEXT))
    amount = forms.CharField(label=_("预算（元）"), max_length=16, widget=forms.TextInput(attrs={**_TEXT, "inputmode": "decimal"}))

    def __init__(self, *args: Any, districts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [(str(pk), name) for pk, name in districts]
