"""Forms of orderly movement: they parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import RefusalForm, datetime_field
from fangkong.core.rows import RowsRefused
from fangkong.geo.forms import community_choices
from fangkong.geo.models import Community

from .choices import CheckpointRole, TravelMode

INPUT = {"class": "form-control"}


class PassForm(RefusalForm, forms.Form):
    district = forms.ModelChoiceField(label=_("签发区县"), queryset=None, widget=forms.Select(attrs={"class": "form-select"}))
    plate = forms.CharField(label=_("车牌"), max_length=16, widget=forms.TextInput(attrs=INPUT))
    purpose = forms.CharField(label=_("事由"), max_length=200, widget=forms.TextInput(attrs=INPUT))
    origin = forms.CharField(label=_("起点"), max_length=120, widget=forms.TextInput(attrs=INPUT))
    destination = forms.CharField(label=_("终点"), max_length=120, widget=forms.TextInput(attrs=INPUT))
    valid_from = datetime_field(_("有效期自"))
    valid_until = datetime_field(_("有效期至"))
    driver_name = forms.CharField(label=_("驾驶人姓名"), max_length=64, widget=forms.TextInput(attrs=INPUT))
    driver_id = forms.CharField(label=_("驾驶人证件号码"), max_length=32, widget=forms.TextInput(attrs={**INPUT, "autocomplete": "off"}))

    def __init__(self, *args, districts=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts


class ReasonForm(RefusalForm, forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=200, required=False, widget=forms.TextInput(attrs=INPUT))


class CheckpointForm(RefusalForm, forms.Form):
    district = forms.ModelChoiceField(label=_("区县"), queryset=None, widget=forms.Select(attrs={"class": "form-select"}))
    name = forms.CharField(label=_("卡口名称"), max_length=120, widget=forms.TextInput(attrs=INPUT))
    road = forms.CharField(label=_("所在道路"), max_length=120, required=False, widget=forms.TextInput(attrs=INPUT))
    closes_trunk_road = forms.BooleanField(label=_("封闭高速公路或国省干线"), required=False)
    approval_reference = forms.CharField(label=_("报批文号"), max_length=120, required=False, widget=forms.TextInput(attrs=INPUT))

    def __init__(self, *args, districts=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts


class CheckpointDecisionForm(RefusalForm, forms.Form):
    decision = forms.ChoiceField(
        label=_("审批"),
        choices=[("approve", _("批准设立")), ("reject", _("不批准"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("审批意见（不批准须填写理由）"), max_length=200, required=False, widget=forms.TextInput(attrs=INPUT))
    detour_notice = forms.CharField(
        label=_("绕行线路公告（封闭干线须填写）"), max_length=300, required=False, widget=forms.TextInput(attrs=INPUT)
    )

    def __init__(self, *args, closure: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not closure:
            del self.fields["detour_notice"]


class LogForm(RefusalForm, forms.Form):
    """A vehicle checked: its plate and people; each traveller with a fever is a row of repeated
    inputs (fever_temperature, fever_action, fever_retest), a row left blank ignored."""

    plate = forms.CharField(label=_("车牌"), max_length=16, widget=forms.TextInput(attrs=INPUT))
    people = forms.IntegerField(label=_("随车人数"), min_value=1, max_value=99, widget=forms.NumberInput(attrs=INPUT))

    MAX_FEVER_ROWS = 99
    BLANK_ROWS = 3

    def fever_rows(self) -> list[tuple[str, str, str]]:
        """The rows as typed (temperature, action, retest), blank ones dropped."""
        if not self.is_bound:
            return []
        temperatures = self.data.getlist("fever_temperature")[: self.MAX_FEVER_ROWS]
        actions = self.data.getlist("fever_action")
        retests = self.data.getlist("fever_retest")
        rows = []
        for i, t in enumerate(temperatures):
            a = actions[i] if i < len(actions) else ""
            r = retests[i] if i < len(retests) else ""
            if (t or "").strip() or (a or "").strip() or (r or "").strip():
                rows.append(((t or "").strip()[:8], (a or "").strip()[:16], (r or "").strip()[:8]))
        return rows

    def readings(self) -> list:
        from .services.checkpoints import FeverReading

        return [FeverReading(t, a, r or None) for t, a, r in self.fever_rows()]

    def rows_for_page(self) -> list[tuple[str, str, str]]:
        rows = self.fever_rows()
        return rows + [("", "", "")] * max(1, self.BLANK_ROWS - len(rows))


class ApplicationForm(RefusalForm, forms.Form):
    id_number = forms.CharField(label=_("居民证件号码"), max_length=32, widget=forms.TextInput(attrs={**INPUT, "autocomplete": "off"}))
    mode = forms.ChoiceField(label=_("离开方式"), choices=TravelMode.choices, widget=forms.Select(attrs={"class": "form-select"}))
    destination = forms.CharField(label=_("目的地"), max_length=120, widget=forms.TextInput(attrs=INPUT))
    travel_date = forms.DateField(label=_("出行日期"), widget=forms.DateInput(attrs={**INPUT, "type": "date"}, format="%Y-%m-%d"))


class DepartureForm(RefusalForm, forms.Form):
    district = forms.ModelChoiceField(label=_("区县"), queryset=None, widget=forms.Select(attrs={"class": "form-select"}))
    mode = forms.ChoiceField(
        label=_("方式"),
        choices=[(TravelMode.COACH, TravelMode.COACH.label), (TravelMode.FLIGHT, TravelMode.FLIGHT.label)],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    label = forms.CharField(label=_("班次（车牌或航班号）"), max_length=60, widget=forms.TextInput(attrs=INPUT))
    destination = forms.CharField(label=_("目的地"), max_length=120, widget=forms.TextInput(attrs=INPUT))
    departs_at = datetime_field(_("出发时间"))
    capacity = forms.IntegerField(label=_("座位数"), min_value=1, max_value=500, widget=forms.NumberInput(attrs=INPUT))
    receiver = forms.ModelChoiceField(
        label=_("目的地通知对象"),
        queryset=None,
        required=False,
        empty_label=_("不通知"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, districts=None, receivers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["receiver"].queryset = receivers


class ShiftForm(RefusalForm, forms.Form):
    role = forms.ChoiceField(label=_("岗位"), choices=CheckpointRole.choices, widget=forms.Select(attrs={"class": "form-select"}))
    name = forms.CharField(label=_("姓名"), max_length=64, widget=forms.TextInput(attrs=INPUT))
    starts_at = datetime_field(_("开始时间"))
    ends_at = datetime_field(_("结束时间"))
    days = forms.IntegerField(
        label=_("连续天数（每天同一时段）"), min_value=1, max_value=31, initial=1, widget=forms.NumberInput(attrs=INPUT)
    )


class OwnApplicationForm(RefusalForm, forms.Form):
    """A resident's own departure application, on a phone (no account)."""

    name = forms.CharField(label=_("姓名"), max_length=64, widget=forms.TextInput(attrs={**INPUT, "autocomplete": "name"}))
    id_number = forms.CharField(label=_("身份证号"), max_length=24, widget=forms.TextInput(attrs={**INPUT, "autocomplete": "off"}))
    phone = forms.CharField(
        label=_("手机号"), max_length=24, widget=forms.TextInput(attrs={**INPUT, "inputmode": "tel", "autocomplete": "tel"})
    )
    community = forms.ChoiceField(label=_("居住社区"), choices=(), widget=forms.Select(attrs={"class": "form-select"}))
    mode = forms.ChoiceField(label=_("离开方式"), choices=TravelMode.choices, widget=forms.Select(attrs={"class": "form-select"}))
    destination = forms.CharField(label=_("目的地"), max_length=120, widget=forms.TextInput(attrs=INPUT))
    travel_date = forms.DateField(label=_("出行日期"), widget=forms.DateInput(attrs={**INPUT, "type": "date"}, format="%Y-%m-%d"))
    # Never seen by people (visually hidden); a script filling every field is answered as a success.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = community_choices(Community.objects.all())

    def refuse_rows(self, exc: RowsRefused) -> None:
        for e in exc.errors:
            self.add_error(e.field if e.field in self.fields else None, e.message)
