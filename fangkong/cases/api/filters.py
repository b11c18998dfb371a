"""FilterSets of the 快转 API. They only narrow querysets the selectors already scoped to the caller."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filters import IdFilter
from fangkong.zoning.choices import FoundIn

from ..choices import CaseSource, CaseStatus, Classification, FacilityKind, MonitoringStatus
from ..models import Case, HealthMonitoring, TreatmentFacility


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices, label=_("状态（可多选）"))
    district = IdFilter(field_name="district_id", label=_("区县"))
    street = IdFilter(field_name="street_id", label=_("街道"))
    community = IdFilter(field_name="community_id", label=_("社区"))
    classification = django_filters.MultipleChoiceFilter(choices=Classification.choices, label=_("临床分型（可多选）"))
    found_in = django_filters.ChoiceFilter(choices=FoundIn.choices, label=_("发现场所"))
    source = django_filters.ChoiceFilter(choices=CaseSource.choices, label=_("来源"))
    facility = IdFilter(field_name="facility_id", label=_("收治机构"))

    class Meta:
        model = Case
        fields = ["status", "district", "street", "community", "classification", "found_in", "source", "facility"]


class FacilityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=FacilityKind.choices, label=_("类型"))
    district = IdFilter(field_name="district_id", label=_("所在区县"))
    is_active = django_filters.BooleanFilter(label=_("收治中"))

    class Meta:
        model = TreatmentFacility
        fields = ["kind", "district", "is_active"]


class MonitoringFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=MonitoringStatus.choices, label=_("状态（可多选）"))
    district = IdFilter(field_name="district_id", label=_("区县"))
    community = IdFilter(field_name="community_id", label=_("社区"))
    grid = IdFilter(field_name="grid_id", label=_("网格"))

    class Meta:
        model = HealthMonitoring
        fields = ["status", "district", "community", "grid"]
