"""Forms of the 民生保障 pages (parse only; the services apply the rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import RefusalForm, datetime_field
from fangkong.geo.choices import VulnerableTag

from .choices import (
    ConfirmedBy,
    Handover,
    MemberKind,
    Need,
    ReceiptSource,
    ReliefKind,
    RequestChannel,
    RequestKind,
    SupplyUnitKind,
    VoucherForm,
)

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


class DeployedMemberForm(RefusalForm, forms.Form):
    """A person deployed to the group's compound (volunteers' 下沉人员) joins the group."""

    deployment = forms.TypedChoiceField(label=_("下沉到本小区的人员"), coerce=int, choices=(), widget=forms.Select(attrs=_SELECT))

    def __init__(self, *args: Any, deployments: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deployment"].choices = [(str(pk), label) for pk, label in deployments]


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


PACK_ROWS = 3


class DeliverForm(RefusalForm, forms.Form):
    """The delivery, and the packs it carries from a warehouse of the resident's district (rows
    pack_0 … with their quantities pack_0_n …; a service's refusal names the row)."""

    handover = forms.ChoiceField(label=_("交接方式"), choices=Handover.choices, widget=forms.Select(attrs=_SELECT))
    handed_to = forms.CharField(label=_("交接网格员"), max_length=64, required=False, widget=forms.TextInput(attrs=_TEXT))
    warehouse = forms.ChoiceField(label=_("物资出库仓库"), required=False, choices=(), widget=forms.Select(attrs=_SELECT))

    def __init__(self, *args: Any, warehouses: list[tuple[int, str]] = (), items: list[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [("", "—"), *[(str(pk), label) for pk, label in warehouses]]
        for i in range(PACK_ROWS if warehouses else 0):
            self.fields[f"pack_{i}"] = forms.ChoiceField(
                label=_("携带物资 %(n)s") % {"n": i + 1},
                required=False,
                choices=[("", "—"), *[(str(pk), label) for pk, label in items]],
                widget=forms.Select(attrs=_SELECT),
            )
            self.fields[f"pack_{i}_n"] = forms.CharField(
                label=_("数量"), max_length=6, required=False, widget=forms.TextInput(attrs={**_TEXT, "inputmode": "numeric"})
            )

    def packs(self) -> list[tuple[int, str]]:
        """(item id, quantity as typed) of each row filled in."""
        d = self.cleaned_data
        return [(int(d[f"pack_{i}"]), d.get(f"pack_{i}_n") or "") for i in range(PACK_ROWS) if d.get(f"pack_{i}")]


class ReasonForm(RefusalForm, forms.Form):
    """Cancelling a request, a delivery or a unit's request for supplies: the reason is kept and audited."""

    reason = forms.CharField(label=_("原因"), max_length=200, widget=forms.TextInput(attrs=_TEXT))


class ReassignForm(RefusalForm, forms.Form):
    member = forms.ChoiceField(label=_("改派给"), choices=(), widget=forms.Select(attrs=_SELECT))
    reason = forms.CharField(label=_("改派原因"), max_length=200, widget=forms.TextInput(attrs=_TEXT))

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(str(pk), label) for pk, label in members]


SUPPLY_ROWS = 5


class SupplyRequestForm(RefusalForm, forms.Form):
    """A unit's request: where it is (a community, or for a street its street), which warehouse it
    asks, and up to SUPPLY_ROWS lines (line_0 … with line_0_n …)."""

    unit_kind = forms.ChoiceField(label=_("申领单位类型"), choices=SupplyUnitKind.choices, widget=forms.Select(attrs=_SELECT))
    community = forms.ChoiceField(
        label=_("所在社区（街道申领：街道内任一社区）"), required=False, choices=(), widget=forms.Select(attrs=_SELECT)
    )
    site = forms.ChoiceField(label=_("隔离点（隔离点申领）"), required=False, choices=(), widget=forms.Select(attrs=_SELECT))
    unit_name = forms.CharField(label=_("申领单位名称（可不填）"), max_length=100, required=False, widget=forms.TextInput(attrs=_TEXT))
    warehouse = forms.ChoiceField(label=_("向哪个仓库申领"), choices=(), widget=forms.Select(attrs=_SELECT))
    purpose = forms.CharField(label=_("用途"), max_length=200, widget=forms.TextInput(attrs=_TEXT))

    def __init__(
        self,
        *args: Any,
        communities: list[tuple[int, str]],
        warehouses: list[tuple[int, str]],
        items: list[tuple[int, str]],
        sites: list[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(str(pk), label) for pk, label in communities]
        self.fields["site"].choices = [(str(pk), label) for pk, label in sites]
        self.fields["warehouse"].choices = [(str(pk), label) for pk, label in warehouses]
        for i in range(SUPPLY_ROWS):
            self.fields[f"line_{i}"] = forms.ChoiceField(
                label=_("物资 %(n)s") % {"n": i + 1},
                required=False,
                choices=[("", "—"), *[(str(pk), label) for pk, label in items]],
                widget=forms.Select(attrs=_SELECT),
            )
            self.fields[f"line_{i}_n"] = forms.CharField(
                label=_("数量"), max_length=9, required=False, widget=forms.TextInput(attrs={**_TEXT, "inputmode": "numeric"})
            )

    def lines(self) -> list[tuple[int, str]]:
        d = self.cleaned_data
        return [(int(d[f"line_{i}"]), d.get(f"line_{i}_n") or "") for i in range(SUPPLY_ROWS) if d.get(f"line_{i}")]


class DecideForm(RefusalForm, forms.Form):
    """The keeper's decision: the quantity granted for each line (line_0 … in the request's order;
    the full quantity by default), and the reason, required when less than asked is granted."""

    reason = forms.CharField(
        label=_("审批意见（部分批准或不予批准必填）"), max_length=200, required=False, widget=forms.TextInput(attrs=_TEXT)
    )

    def __init__(self, *args: Any, lines: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line_ids = [line.pk for line in lines]
        for i, line in enumerate(lines):
            self.fields[f"line_{i}"] = forms.CharField(
                label=_("%(item)s 批准数量（申领 %(n)s%(unit)s）") % {"item": line.item.name, "n": line.quantity, "unit": line.item.unit},
                max_length=9,
                initial=line.quantity,
                widget=forms.TextInput(attrs={**_TEXT, "inputmode": "numeric"}),
            )
        self.order_fields([*(f"line_{i}" for i in range(len(lines))), "reason"])

    def approved(self) -> dict[int, str]:
        return {pk: self.cleaned_data[f"line_{i}"] for i, pk in enumerate(self.line_ids)}


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
    # The options are the places the user covers; any value is parsed and the service decides (a
    # scope beyond the user's grants is refused naming this field).
    scope = forms.CharField(label=_("发放范围"), max_length=32, widget=forms.Select(attrs=_SELECT))
    age_reference_date = forms.DateField(label=_("年龄计算基准日"), required=False, widget=forms.DateInput(attrs={**_TEXT, "type": "date"}))

    def __init__(self, *args: Any, scopes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].widget.choices = scopes


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
