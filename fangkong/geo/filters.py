"""FilterSets shared by the pages and the API (one definition serves both)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filters import IdFilter

from .choices import VulnerableTag
from .models import Community, District, Grid, Household, Person, Street


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("姓名 / 手机号 / 证件号（全号或后四位）"), method="filter_q")
    district = IdFilter(field_name="district_id", label=_("区县"))
    street = IdFilter(field_name="street_id", label=_("街道"))
    community = IdFilter(field_name="community_id", label=_("社区"))
    grid = IdFilter(field_name="grid_id", label=_("网格"))
    household = IdFilter(field_name="household_id", label=_("户"))
    tag = django_filters.ChoiceFilter(field_name="tags__tag", choices=VulnerableTag.choices, label=_("标签"), distinct=True)

    class Meta:
        model = Person
        fields = ["q", "district", "street", "community", "grid", "household", "tag"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)


class PersonListFilter(PersonFilter):
    """The same filters for a GET list: without `q`, because a name or a number in a URL lands in
    access logs (the search goes by POST: the page's form, the API's people/search/)."""

    class Meta(PersonFilter.Meta):
        fields = ["district", "street", "community", "grid", "household", "tag"]

    q = None


class PlaceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("名称"))


class DistrictFilter(PlaceFilter):
    class Meta:
        model = District
        fields = ["q"]


class StreetFilter(PlaceFilter):
    district = IdFilter(field_name="district_id")

    class Meta:
        model = Street
        fields = ["q", "district"]


class CommunityFilter(PlaceFilter):
    district = IdFilter(field_name="district_id")
    street = IdFilter(field_name="street_id")

    class Meta:
        model = Community
        fields = ["q", "district", "street"]


class GridFilter(PlaceFilter):
    community = IdFilter(field_name="community_id")

    class Meta:
        model = Grid
        fields = ["q", "community"]


class HouseholdFilter(django_filters.FilterSet):
    district = IdFilter(field_name="district_id")
    street = IdFilter(field_name="street_id")
    community = IdFilter(field_name="community_id")
    grid = IdFilter(field_name="grid_id")
    compound = IdFilter(field_name="compound_id")
    building = IdFilter(field_name="building_id")
    unit = IdFilter(field_name="unit_id")

    class Meta:
        model = Household
        fields = ["district", "street", "community", "grid", "compound", "building", "unit"]
