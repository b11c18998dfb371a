"""Forms of the volunteers pages (parse only; the services apply the rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import RefusalForm, datetime_field
from fangkong.core.rows import RowsRefused
from fangkong.geo.forms import community_choices
from fangkong.geo.models import Community
from fangkong.zoning.choices import CadreRank

from .choices import Availability, DeploymentKind, DisinfectionKind, OrganisationKind, PointKind, Skill, VehicleKind

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}


class ApplyForm(RefusalForm, forms.Form):
    """The public application, on a phone."""

    name = forms.CharField(label=_("姓名"), max_length=64, widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "name"}))
    id_number = forms.CharField(
        label=_("身份证号"), max_length=24, widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "off", "inputmode": "text"})
    )
    phone = forms.CharField(
        label=_("手机号"), max_length=24, widget=forms.TextInput(attrs={**_TEXT, "inputmode": "tel", "autocomplete": "tel"})
    )
    community = forms.ChoiceField(label=_("居住社区"), choices=(), widget=forms.Select(attrs=_SELECT))
    skills = forms.MultipleChoiceField(label=_("技能"), required=False, choices=Skill.choices, widget=forms.CheckboxSelectMultiple)
    availability = forms.ChoiceField(label=_("可服务时间"), choices=Availability.choices, widget=forms.Select(attrs=_SELECT))
    organisation = forms.ChoiceField(label=_("所属组织（如有）"), required=False, choices=(), widget=forms.Select(attrs=_SELECT))
    # A field people never see (hidden by the page's CSS); a script that fills every field is answered
    # as if it succeeded, and nothing is written.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def __init__(self, *args: Any, organisations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = community_choices(Community.objects.all())
        self.fields["organisation"].choices = [("", "—"), *[(str(pk), name) for pk, name in organisations]]

    def refuse_rows(self, exc: RowsRefused) -> None:
        for e in exc.errors:
            self.add_error(e.field if e.field in self.fields else None, e.message)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("志愿者名单（.xlsx）"), widget=forms.ClearableFileInput(attrs={**_TEXT, "accept": ".xlsx"}))


class ApproveForm(forms.Form):
    field_work = forms.BooleanField(label=_("可从事一线工作（采样、入户、转运等）"), required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("不批准的理由"), max_length=300, widget=forms.TextInput(attrs=_TEXT))


class OrganisationForm(RefusalForm, forms.Form):
    name = forms.CharField(label=_("组织名称"), max_length=100, widget=forms.TextInput(attrs=_TEXT))
    kind = forms.ChoiceField(label=_("类型"), choices=OrganisationKind.choices, widget=forms.Select(attrs=_SELECT))
    community = forms.ChoiceField(label=_("所在社区（可不填）"), required=False, choices=(), widget=forms.Select(attrs=_SELECT))

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = community_choices(communities)


class TeamForm(RefusalForm, forms.Form):
    organisation = forms.ChoiceField(label=_("组织"), choices=(), widget=forms.Select(attrs=_SELECT))
    name = forms.CharField(label=_("服务队名称"), max_length=100, widget=forms.TextInput(attrs=_TEXT))
    leader = forms.ChoiceField(label=_("队长"), required=False, choices=(), widget=forms.Select(attrs=_SELECT))

    def __init__(self, *args: Any, organisations: list[tuple[int, str]], leaders: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(str(pk), n) for pk, n in organisations]
        self.fields["leader"].choices = [("", "—"), *[(str(pk), n) for pk, n in leaders]]


class PointForm(RefusalForm, forms.Form):
    name = forms.CharField(label=_("服务点名称"), max_length=100, widget=forms.TextInput(attrs=_TEXT))
    kind = forms.ChoiceField(label=_("类型"), choices=PointKind.choices, widget=forms.Select(attrs=_SELECT))
    community = forms.ChoiceField(label=_("所在社区"), choices=(), widget=forms.Select(attrs=_SELECT))
    organisation = forms.ChoiceField(label=_("负责组织"), required=False, choices=(), widget=forms.Select(attrs=_SELECT))

    def __init__(self, *args: Any, communities: Any, organisations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = community_choices(communities)
        self.fields["organisation"].choices = [("", "—"), *[(str(pk), n) for pk, n in organisations]]


class NeedForm(RefusalForm, forms.Form):
    task_type = forms.ChoiceField(label=_("任务类型"), choices=(), widget=forms.Select(attrs=_SELECT))
    starts_at = datetime_field(_("开始时间"))
    ends_at = datetime_field(_("结束时间"))
    headcount = forms.IntegerField(label=_("需要人数"), min_value=1, max_value=500, widget=forms.NumberInput(attrs=_TEXT))
    skill = forms.ChoiceField(label=_("技能要求"), required=False, choices=[("", "—"), *Skill.choices], widget=forms.Select(attrs=_SELECT))

    def __init__(self, *args: Any, task_types: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["task_type"].choices = [(str(pk), n) for pk, n in task_types]


class TaskTypeForm(RefusalForm, forms.Form):
    name = forms.CharField(label=_("任务类型名称"), max_length=32, widget=forms.TextInput(attrs=_TEXT))
    field_work = forms.BooleanField(label=_("一线工作"), required=False, initial=True)


class AssignForm(RefusalForm, forms.Form):
    volunteer = forms.ChoiceField(label=_("志愿者"), choices=(), widget=forms.Select(attrs=_SELECT))

    def __init__(self, *args: Any, volunteers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].choices = [(str(pk), n) for pk, n in volunteers]


class VehicleForm(RefusalForm, forms.Form):
    plate = forms.CharField(label=_("车牌号"), max_length=16, widget=forms.TextInput(attrs=_TEXT))
    kind = forms.ChoiceField(label=_("车型"), choices=VehicleKind.choices, widget=forms.Select(attrs=_SELECT))
    organisation = forms.ChoiceField(label=_("所属组织"), choices=(), widget=forms.Select(attrs=_SELECT))

    def __init__(self, *args: Any, organisations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(str(pk), n) for pk, n in organisations]


class TripForm(RefusalForm, forms.Form):
    vehicle = forms.ChoiceField(label=_("车辆"), choices=(), widget=forms.Select(attrs=_SELECT))
    started_at = datetime_field(_("出车时间"))
    task_type = forms.ChoiceField(label=_("用途"), choices=(), widget=forms.Select(attrs=_SELECT))
    kilometres = forms.CharField(
        label=_("行驶里程（公里）"), max_length=12, widget=forms.TextInput(attrs={**_TEXT, "inputmode": "decimal"})
    )

    def __init__(self, *args: Any, vehicles: list[tuple[int, str]], task_types: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].choices = [(str(pk), n) for pk, n in vehicles]
        self.fields["task_type"].choices = [(str(pk), n) for pk, n in task_types]


class DisinfectionForm(RefusalForm, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=DisinfectionKind.choices, widget=forms.Select(attrs=_SELECT))
    done_at = datetime_field(_("消杀时间"))
    place = forms.CharField(label=_("场所"), max_length=200, widget=forms.TextInput(attrs=_TEXT))
    community = forms.ChoiceField(label=_("所在社区"), choices=(), widget=forms.Select(attrs=_SELECT))
    organisation = forms.ChoiceField(label=_("实施组织"), choices=(), widget=forms.Select(attrs=_SELECT))
    case = forms.IntegerField(label=_("关联病例编号（终末消毒）"), required=False, min_value=1, widget=forms.NumberInput(attrs=_TEXT))
    square_metres = forms.IntegerField(
        label=_("消杀面积（平方米，社区环境）"), required=False, min_value=0, widget=forms.NumberInput(attrs=_TEXT)
    )

    def __init__(self, *args: Any, communities: Any, organisations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = community_choices(communities)
        self.fields["organisation"].choices = [(str(pk), n) for pk, n in organisations]


class DayForm(forms.Form):
    """The Beijing day of the plan-against-actual table (today when empty or invalid)."""

    day = forms.DateField(label=_("日期"), required=False, widget=forms.DateInput(attrs={**_TEXT, "type": "date"}))


class TotalsForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={**_TEXT, "type": "date"}))
    end = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={**_TEXT, "type": "date"}))
    organisation = forms.ChoiceField(label=_("组织"), required=False, choices=(), widget=forms.Select(attrs=_SELECT))
    district = forms.ChoiceField(label=_("区县"), required=False, choices=(), widget=forms.Select(attrs=_SELECT))

    def __init__(self, *args: Any, organisations: list[tuple[int, str]], districts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", _("全部")), *[(str(pk), n) for pk, n in organisations]]
        self.fields["district"].choices = [("", _("全部")), *[(str(pk), n) for pk, n in districts]]


COMPOUND_CHOICES = 3000


class DeploymentForm(RefusalForm, forms.Form):
    """A party member, cadre or police officer sent to a community (perhaps a compound of it)."""

    kind = forms.ChoiceField(label=_("类别"), choices=DeploymentKind.choices, widget=forms.Select(attrs=_SELECT))
    name = forms.CharField(label=_("姓名"), max_length=64, widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "off"}))
    phone = forms.CharField(
        label=_("电话"), max_length=24, widget=forms.TextInput(attrs={**_TEXT, "inputmode": "tel", "autocomplete": "off"})
    )
    work_unit = forms.CharField(label=_("派出单位"), max_length=100, widget=forms.TextInput(attrs=_TEXT))
    community = forms.ChoiceField(label=_("下沉社区"), choices=(), widget=forms.Select(attrs=_SELECT))
    compound = forms.ChoiceField(
        label=_("小区"), required=False, choices=(), widget=forms.Select(attrs=_SELECT), help_text=_("编入 4+N 值守须填写")
    )
    at_residence = forms.BooleanField(label=_("在居住地小区报到"), required=False)
    rank = forms.ChoiceField(
        label=_("职级"),
        required=False,
        choices=[("", "—"), *CadreRank.choices],
        widget=forms.Select(attrs=_SELECT),
        help_text=_("包联干部填写"),
    )
    area = forms.ChoiceField(label=_("包联区域"), required=False, choices=(), widget=forms.Select(attrs=_SELECT))
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={**_TEXT, "type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={**_TEXT, "type": "date"}))

    def __init__(self, *args: Any, communities: Any, compounds: Any, areas: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = community_choices(communities)
        groups: dict[str, list[tuple[str, str]]] = {}
        for c in compounds.select_related("community").order_by("community__name", "name")[:COMPOUND_CHOICES]:
            groups.setdefault(c.community.name, []).append((str(c.pk), c.name))
        self.fields["compound"].choices = [("", "—"), *groups.items()]
        self.fields["area"].choices = [("", "—"), *[(str(pk), n) for pk, n in areas]]


class DeploymentEndForm(RefusalForm, forms.Form):
    ends_on = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={**_TEXT, "type": "date"}))
