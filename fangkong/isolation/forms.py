"""Forms of the 快隔 pages. They parse what was posted; fangkong.isolation.services applies the rules
(one party per room, the regimen, who may confirm a handover …). A service's refusal is put back on
the field it names (`refuse`), so the user sees where to fix it, with the rule that refused."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.forms import RefusalForm as CoreRefusalForm
from fangkong.core.forms import datetime_field
from fangkong.geo.choices import IdType, Sex
from fangkong.geo.forms import clean_id_input
from fangkong.results.choices import Result
from fangkong.results.forms import ct_field

from .choices import ArrivalMode, EpisodeKind, EpisodeStatus, IncidentKind, RoomType, Severity, SiteKind, StaffDuty, TransportMode
from .models import IsolationSite, Room
from .selectors import RoomChoice

DATE_INPUT = forms.DateInput(attrs={"class": "form-control", "type": "date"}, format="%Y-%m-%d")


def _text(label: str, *, max_length: int, required: bool = False, placeholder: str = "", **kwargs: Any) -> forms.CharField:
    attrs = {"class": "form-control"}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.CharField(label=label, max_length=max_length, required=required, widget=forms.TextInput(attrs=attrs), **kwargs)


def _select(label: str, choices: Any, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, widget=forms.Select(attrs={"class": "form-select"}), **kwargs)


def _count(label: str, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        initial=0,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
        error_messages={"min_value": gettext_lazy("数量不能为负"), "invalid": gettext_lazy("请填写整数")},
        **kwargs,
    )


def _check(label: str, **kwargs: Any) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}), **kwargs)


class RefusalForm(CoreRefusalForm, forms.Form):
    """A form that can carry a service's refusal: on the field it names, or above the form."""


class ActionForm(RefusalForm):
    """A button with nothing to fill in (start home isolation, complete): carries the refusal."""


# ---- sites ----


class SiteForm(RefusalForm):
    name = _text(gettext_lazy("名称"), max_length=100, required=True, placeholder=gettext_lazy("例如：如家酒店（迎宾路店）隔离点"))
    kind = _select(gettext_lazy("类型"), SiteKind.choices, initial=SiteKind.HOTEL)
    community = forms.ModelChoiceField(
        label=gettext_lazy("所在社区"),
        queryset=None,
        empty_label=gettext_lazy("— 请选择社区 —"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": gettext_lazy("请选择社区"), "invalid_choice": gettext_lazy("该社区不在您的管辖范围内")},
    )
    address = _text(gettext_lazy("地址"), max_length=200)
    capacity = _count(gettext_lazy("核定容量（人）"), required=False)
    manager_name = _text(gettext_lazy("负责人"), max_length=64)
    phone = _text(gettext_lazy("联系电话"), max_length=32)
    receives_inbound = _check(gettext_lazy("接收入境人员（第一入境点集中隔离）"))

    def __init__(self, *args: Any, communities: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("请填写隔离点名称")
        self.fields["community"].queryset = communities
        self.fields["community"].label_from_instance = lambda c: f"{c.street.name} › {c.name}"


FLOORS = re.compile(r"^\s*(-?\d{1,3})\s*(?:[-–~至]\s*(-?\d{1,3}))?\s*$")


class RoomsForm(RefusalForm):
    """Rooms numbered the hotel way: floors 3–5, 12 rooms a floor → 301 … 512."""

    floors = _text(
        gettext_lazy("楼层"),
        max_length=40,
        required=True,
        placeholder="3-5",
        help_text=gettext_lazy("一层填 3；连续多层填 3-5；多段用逗号分隔：2,4-6"),
    )
    per_floor = forms.IntegerField(
        label=gettext_lazy("每层房间数"),
        min_value=1,
        max_value=99,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
        error_messages={
            "required": gettext_lazy("请填写每层房间数"),
            "min_value": gettext_lazy("每层至少 1 间"),
            "max_value": gettext_lazy("每层最多 99 间"),
        },
    )
    room_type = _select(gettext_lazy("房型"), RoomType.choices, initial=RoomType.SINGLE)
    capacity = forms.IntegerField(
        label=gettext_lazy("可住人数"),
        required=False,
        min_value=1,
        max_value=20,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
        help_text=gettext_lazy("留空按房型：单人间 1、双人间 2、家庭间 4"),
    )

    def clean_floors(self) -> list[int]:
        floors: list[int] = []
        for part in re.split(r"[,，、]", self.cleaned_data["floors"]):
            if not part.strip():
                continue
            m = FLOORS.match(part)
            if not m:
                raise forms.ValidationError(_("楼层格式有误：%(p)s（例如 3 或 3-5）") % {"p": part.strip()})
            low, high = int(m[1]), int(m[2] or m[1])
            if high < low or high - low > 60:
                raise forms.ValidationError(_("楼层范围有误：%(p)s") % {"p": part.strip()})
            floors.extend(f for f in range(low, high + 1) if f not in floors)
        if not floors:
            raise forms.ValidationError(_("请填写楼层"))
        return floors


class StaffForm(RefusalForm):
    name = _text(gettext_lazy("姓名"), max_length=64, required=True)
    duty = _select(gettext_lazy("岗位"), StaffDuty.choices)
    phone = _text(gettext_lazy("电话"), max_length=32)


class ChecklistForm(RefusalForm):
    """隔离场所内部管理: one form per site and day; filing it again later the same day updates it."""

    day = forms.DateField(
        label=gettext_lazy("日期"), widget=DATE_INPUT, error_messages={"invalid": gettext_lazy("日期格式应为 YYYY-MM-DD")}
    )
    cleaning_done = _check(gettext_lazy("房间及公共区域已清洁"))
    disinfection_done = _check(gettext_lazy("已按要求消毒消杀"))
    meals_breakfast_rooms = _count(gettext_lazy("早餐送达房间数"))
    meals_lunch_rooms = _count(gettext_lazy("午餐送达房间数"))
    meals_dinner_rooms = _count(gettext_lazy("晚餐送达房间数"))
    staff_on_duty = _count(gettext_lazy("在岗工作人员"))
    staff_health_checked = _count(gettext_lazy("已健康监测人数"))
    staff_unwell = _count(gettext_lazy("健康异常人数"))
    note = forms.CharField(
        label=gettext_lazy("备注"), max_length=300, required=False, widget=forms.Textarea(attrs={"class": "form-control", "rows": 2})
    )

    MEALS = ("meals_breakfast_rooms", "meals_lunch_rooms", "meals_dinner_rooms")
    STAFF = ("staff_on_duty", "staff_health_checked", "staff_unwell")


class IncidentForm(RefusalForm):
    kind = _select(gettext_lazy("类型"), IncidentKind.choices)
    severity = _select(gettext_lazy("等级"), Severity.choices, initial=Severity.LOW)
    occurred_at = datetime_field(gettext_lazy("发生时间"), required=True)
    room = forms.ModelChoiceField(
        label=gettext_lazy("房间"),
        queryset=Room.objects.none(),
        required=False,
        empty_label=gettext_lazy("— 不涉及具体房间 —"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    description = forms.CharField(
        label=gettext_lazy("情况"),
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
        error_messages={"required": gettext_lazy("请描述事件情况")},
    )

    def __init__(self, *args: Any, site: IsolationSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(site=site).order_by("floor", "number")
        self.fields["room"].label_from_instance = lambda r: r.number


class IncidentResolveForm(RefusalForm):
    resolution = forms.CharField(
        label=gettext_lazy("处置情况"),
        widget=forms.Textarea(attrs={"class": "form-control form-control-sm", "rows": 2}),
        error_messages={"required": gettext_lazy("请填写处置情况")},
    )


# ---- episodes ----


class EpisodeOpenForm(RefusalForm):
    """Register a person to be isolated by hand (the contacts found by 流调 come from the tracing pages)."""

    id_number = _text(
        gettext_lazy("证件号码"),
        max_length=32,
        required=True,
        placeholder=gettext_lazy("完整证件号码"),
        help_text=gettext_lazy("在您管辖范围内的登记人员中查找"),
    )
    kind = _select(gettext_lazy("类别"), [(k, v) for k, v in EpisodeKind.choices], initial=EpisodeKind.CLOSE_CONTACT)
    identified_at = datetime_field(
        gettext_lazy("判定时间"), help_text=gettext_lazy("留空为当前时间；隔离时限按政策自判定时起算"), required=False
    )
    source = _text(gettext_lazy("来源"), max_length=200, placeholder=gettext_lazy("如：病例王某的密接（同单位）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].error_messages["required"] = _("请填写证件号码")

    def clean_id_number(self) -> str:
        return clean_id_input(self.cleaned_data["id_number"])


class TransitForm(RefusalForm):
    site = forms.ModelChoiceField(
        label=gettext_lazy("送往隔离点"),
        queryset=IsolationSite.objects.none(),
        empty_label=gettext_lazy("— 请选择隔离点 —"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        error_messages={"required": gettext_lazy("请选择隔离点"), "invalid_choice": gettext_lazy("该隔离点不在您的管辖范围内")},
    )

    def __init__(self, *args: Any, sites: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites


class RoomField(forms.ChoiceField):
    """A room from the rooms offered (assignable_rooms), by id; cleans to the Room."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, widget=forms.Select(attrs={"class": "form-select form-select-sm"}), **kwargs)
        self.rooms: dict[str, Room] = {}

    def set_rooms(self, groups: list[tuple[str, list[RoomChoice]]]) -> None:
        """`groups`: (site name, its rooms); one site gives a flat list, several give <optgroup>s."""
        self.rooms = {}
        options: list[Any] = [("", _("— 请选择房间 —"))]
        for label, choices in groups:
            opts = []
            for c in choices:
                self.rooms[str(c.room.pk)] = c.room
                text = f"{c.room.number} {c.room.get_room_type_display()}"
                if c.same_party:
                    text += _("（同住单元已住 %(n)s 人，余 %(f)s 床）") % {"n": c.occupants, "f": c.free_beds}
                else:
                    text += _("（空房，%(n)s 床）") % {"n": c.room.capacity}
                opts.append((str(c.room.pk), text))
            if len(groups) == 1:
                options.extend(opts)
            elif opts:
                options.append((label, opts))
        self.choices = options

    def clean(self, value: Any) -> Room:
        value = super().clean(value)
        return self.rooms[value]


class CheckInForm(RefusalForm):
    room = RoomField(
        label=gettext_lazy("房间"),
        error_messages={"required": gettext_lazy("请选择房间"), "invalid_choice": gettext_lazy("该房间不能入住，请重新选择")},
    )
    at = datetime_field(gettext_lazy("入住时间"), help_text=gettext_lazy("留空为当前时间；隔离第 1 天按政策从入住时计"), required=False)

    def __init__(self, *args: Any, rooms: list[tuple[str, list[RoomChoice]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].set_rooms(rooms)


class BatchCheckInForm(RefusalForm):
    """日清日结 board: check the selected people in to rooms of one site (room numbers typed per row)."""

    site = forms.ModelChoiceField(
        label=gettext_lazy("入住隔离点"),
        queryset=IsolationSite.objects.none(),
        empty_label=gettext_lazy("— 请选择隔离点 —"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        error_messages={"required": gettext_lazy("请选择隔离点"), "invalid_choice": gettext_lazy("该隔离点不在您的管辖范围内")},
    )
    at = datetime_field(gettext_lazy("入住时间"), help_text=gettext_lazy("留空为当前时间"), required=False)

    def __init__(self, *args: Any, sites: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites


class MoveForm(RefusalForm):
    room = RoomField(
        label=gettext_lazy("调换到"),
        error_messages={"required": gettext_lazy("请选择房间"), "invalid_choice": gettext_lazy("该房间不能入住，请重新选择")},
    )

    def __init__(self, *args: Any, rooms: list[tuple[str, list[RoomChoice]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].set_rooms(rooms)


class CancelForm(RefusalForm):
    reason = _text(gettext_lazy("撤销原因"), max_length=200, required=True, placeholder=gettext_lazy("如：流调核实后不再判定为密接"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _("请填写撤销原因")


class TestResultForm(RefusalForm):
    """One scheduled test's result (the day sheet, the episode page, the home-isolation list)."""

    __test__ = False  # not a pytest test class

    result = forms.ChoiceField(
        label=gettext_lazy("结果"),
        choices=Result.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": gettext_lazy("请选择检测结果")},
    )
    sampled_at = datetime_field(gettext_lazy("采样时间"), required=True)
    resulted_at = datetime_field(gettext_lazy("出结果时间"), help_text=gettext_lazy("留空为当前时间"), required=False)
    ct_value = ct_field(gettext_lazy("Ct 值"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"sampled_at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)
        self.fields["sampled_at"].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["resulted_at"].widget.attrs["class"] = "form-control form-control-sm"


TEST_FIELDS = {"sampled_at": "sampled_at", "resulted_at": "resulted_at", "result": "result", "test": "result"}


class ReleaseForm(RefusalForm):
    """解除集中隔离 and the closed-loop transport to the receiver."""

    transport_mode = _select(gettext_lazy("转运方式（点对点）"), TransportMode.choices, initial=TransportMode.SITE_VEHICLE)
    vehicle = _text(gettext_lazy("车次、航班或车牌"), max_length=64)
    to_locality = _text(
        gettext_lazy("外地接收方"),
        max_length=200,
        help_text=gettext_lazy("目的地不在本市时填写（如：北京市朝阳区某街道）；留空交接给本人所在社区"),
    )


class HandoverConfirmForm(RefusalForm):
    receiver_name = _text(gettext_lazy("接收人"), max_length=64)
    receiver_phone = _text(gettext_lazy("接收人电话"), max_length=32)
    note = _text(gettext_lazy("备注"), max_length=200)


class HomeCheckForm(RefusalForm):
    at_home = _check(gettext_lazy("在家"), initial=True)
    # read by the service (geo.vitals.celsius, the one rule for a typed temperature): "37.2℃" is fine
    temperature = forms.CharField(
        label=gettext_lazy("体温（℃）"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal", "placeholder": "36.5"}),
    )
    symptoms = _check(gettext_lazy("有发热、咳嗽等症状"))
    note = _text(gettext_lazy("备注"), max_length=200)


# ---- inbound travellers ----


class ArrivalForm(RefusalForm):
    """入境人员登记 at the first entry point: the traveller (found by ID number, or registered) and the trip."""

    id_type = _select(gettext_lazy("证件类型"), IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = _text(gettext_lazy("证件号码"), max_length=32, required=True)
    name = _text(gettext_lazy("姓名"), max_length=64, help_text=gettext_lazy("证件号码未在登记库中时必填"))
    sex = _select(gettext_lazy("性别"), [("", "—"), *((v, label) for v, label in Sex.choices if v != Sex.UNKNOWN)], required=False)
    phone = _text(gettext_lazy("手机号"), max_length=20)
    mode = _select(gettext_lazy("交通方式"), ArrivalMode.choices, initial=ArrivalMode.FLIGHT)
    number = _text(gettext_lazy("航班号或车次"), max_length=32, required=True, placeholder="CA1234")
    origin = _text(gettext_lazy("出发地"), max_length=100, required=True, placeholder=gettext_lazy("如：首尔"))
    port_of_entry = _text(gettext_lazy("第一入境点"), max_length=100, required=True, placeholder=gettext_lazy("如：呼和浩特白塔国际机场"))
    arrived_at = datetime_field(gettext_lazy("抵达时间"), required=True)
    entry_site = forms.ModelChoiceField(
        label=gettext_lazy("入境点隔离场所"),
        queryset=IsolationSite.objects.none(),
        empty_label=gettext_lazy("— 请选择 —"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": gettext_lazy("请选择隔离场所"), "invalid_choice": gettext_lazy("该隔离点不在您的管辖范围内")},
    )
    destination_community = forms.ModelChoiceField(
        label=gettext_lazy("目的地社区（本市）"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("— 不在本市 —"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    destination = _text(gettext_lazy("目的地"), max_length=200, help_text=gettext_lazy("目的地在外地时必填，如：北京市朝阳区"))

    def __init__(self, *args: Any, sites: QuerySet, communities: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, message in (
            ("id_number", _("请填写证件号码")),
            ("number", _("请填写航班号或车次")),
            ("origin", _("请填写出发地")),
            ("port_of_entry", _("请填写第一入境点")),
        ):
            self.fields[name].error_messages["required"] = message
        self.fields["arrived_at"].error_messages["required"] = _("请填写抵达时间")
        self.fields["entry_site"].queryset = sites
        self.fields["destination_community"].queryset = communities
        self.fields["destination_community"].label_from_instance = lambda c: f"{c.district.name} › {c.street.name} › {c.name}"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("destination_community") and not (data.get("destination") or "").strip():
            self.add_error("destination", _("请填写目的地（或选择本市的目的地社区）"))
        return data


PERSON_FIELDS = {"name": "name", "id_number": "id_number", "sex": "sex", "phone": "phone", "birth_date": "id_number"}


def parse_day(value: str | None, default: dt.date) -> dt.date:
    """?day=YYYY-MM-DD, or the default when missing or malformed."""
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


EPISODE_STATUS_FILTERS = [("", gettext_lazy("全部状态")), *EpisodeStatus.choices]
