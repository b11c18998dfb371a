"""FilterSets of the 快检 API. They only narrow querysets the selectors already scoped to the caller."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filters import IdFilter
from fangkong.results.choices import Result

from ..choices import PoolingMode, ResamplingStatus, RoundStatus, TubeStatus
from ..models import ConfirmedPositive, ResamplingTask, SamplingPoint, TestingRound, Tube


class RoundFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RoundStatus.choices, label=_("状态"))

    class Meta:
        model = TestingRound
        fields = ["status"]


class SamplingPointFilter(django_filters.FilterSet):
    community = IdFilter(field_name="community_id", label=_("社区"))
    street = IdFilter(field_name="street_id", label=_("街道"))
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = SamplingPoint
        fields = ["community", "street", "is_active"]


class TubeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TubeStatus.choices, label=_("状态"))
    result = django_filters.ChoiceFilter(choices=Result.choices, label=_("结果"))
    barcode = django_filters.CharFilter(field_name="barcode", lookup_expr="startswith", label=_("条码（前缀）"))
    laboratory = IdFilter(field_name="laboratory_id", label=_("检测机构"))
    sampling_point = IdFilter(field_name="sampling_point_id", label=_("采样点"))
    community = IdFilter(field_name="community_id", label=_("社区"))
    pooling_mode = django_filters.ChoiceFilter(choices=PoolingMode.choices, label=_("采样方式"))
    is_resample = django_filters.BooleanFilter(label=_("上门单采"))

    class Meta:
        model = Tube
        fields = ["status", "result", "barcode", "laboratory", "sampling_point", "community", "pooling_mode", "is_resample"]


class ResamplingTaskFilter(django_filters.FilterSet):
    round = IdFilter(field_name="round_id", label=_("轮次"))
    grid = IdFilter(field_name="grid_id", label=_("网格"))
    community = IdFilter(field_name="community_id", label=_("社区"))
    status = django_filters.MultipleChoiceFilter(choices=ResamplingStatus.choices, label=_("状态（可多选）"))

    class Meta:
        model = ResamplingTask
        fields = ["round", "grid", "community", "status"]


class PositiveFilter(django_filters.FilterSet):
    round = IdFilter(field_name="round_id", label=_("轮次"))
    district = IdFilter(field_name="district_id", label=_("区县"))
    community = IdFilter(field_name="community_id", label=_("社区"))

    class Meta:
        model = ConfirmedPositive
        fields = ["round", "district", "community"]
