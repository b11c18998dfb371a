"""Forms for the registry pages: they parse input; the rules stay in services and selectors."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .filters import PlaceFilter
from .idnumbers import InvalidDocument, check_id_input
from .models import Household


def community_choices(communities: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """Communities grouped by district and street, for a select (volunteers', residents' own forms)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for c in communities.select_related("district", "street").order_by("district__code", "street__name", "name"):
        groups.setdefault(f"{c.district.name} · {c.street.name}", []).append((str(c.pk), c.name))
    return [("", "—"), *groups.items()]


def clean_id_input(value: str) -> str:
    """A form's ID number typed or scanned to find someone, checked first (idnumbers.check_id_input):
    the normalised number, or a ValidationError naming the problem — length, region, birth date,
    check digit — never "not in the registry" for a typo."""
    try:
        return check_id_input(value)
    except InvalidDocument as exc:
        raise forms.ValidationError(exc.message) from exc


class RevealIdForm(forms.Form):
    """The reason for revealing a full ID number. Its minimum length is the service's rule."""

    reason = forms.CharField(
        label=_("查看事由"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("例如：核酸检测登记核对身份"), "autocomplete": "off"}),
        error_messages={"required": _("请填写查看事由")},
    )


class HouseholdNumberFilter(django_filters.FilterSet):
    """The name filter of a unit page: households are found by their number."""

    q = django_filters.CharFilter(field_name="number", lookup_expr="icontains", label=_("户号"))

    class Meta:
        model = Household
        fields = ["q"]


def child_filter_class(child_level: str) -> type[django_filters.FilterSet]:
    return HouseholdNumberFilter if child_level == "household" else PlaceFilter
