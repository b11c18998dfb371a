"""Reads of policy profiles: everyone signed in may read them (they are public rules)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from .display import unit_label, value_label
from .models import PolicyParameter, PolicyProfile
from .profiles import LOCAL


def profile_list() -> QuerySet[PolicyProfile]:
    return (
        PolicyProfile.objects.select_related("based_on")
        .annotate(parameter_count=Count("parameters"))
        .order_by("-is_builtin", "effective_from", "code")
    )


def profile_get(*, pk: int) -> PolicyProfile:
    return get_object_or_404(PolicyProfile.objects.select_related("based_on", "created_by"), pk=pk)


def profile_name(code: str) -> str:
    """A profile's name for its code (records keep the code of the profile they followed); the code
    itself when no profile has it any more."""
    return PolicyProfile.objects.filter(code=code).values_list("name", flat=True).first() or code


def profile_parameters(*, profile: PolicyProfile) -> QuerySet[PolicyParameter]:
    return profile.parameters.order_by("key")


def parameter_get(*, profile: PolicyProfile, pk: int) -> PolicyParameter:
    return get_object_or_404(PolicyParameter.objects.select_related("profile"), profile=profile, pk=pk)


def display_value(value: Any) -> str:
    """A parameter value as a person types it: lists comma-separated, booleans true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class ParameterRow:
    """A parameter as the profile page shows it: its name, its value in words and its unit; the
    source for everyone, but a local default's note ("本地默认值") only to policy editors."""

    parameter: PolicyParameter
    value: str
    unit: str
    source: str


def parameter_rows(*, profile: PolicyProfile, can_manage: bool) -> list[ParameterRow]:
    rows = []
    for p in profile_parameters(profile=profile):
        source = p.source if can_manage or not p.is_local_default else p.source.replace(LOCAL, "").strip("；; ")
        shown = value_label(p.value)
        rows.append(ParameterRow(p, shown, unit_label(p.unit), source))
    return rows


@dataclass(frozen=True)
class CompareRow:
    key: str
    description: str
    unit: str
    values: list[str]
    differs: bool


def compare_table(*, profiles: list[PolicyProfile] | None = None) -> tuple[list[PolicyProfile], list[CompareRow]]:
    """Parameters side by side (default: the shipped profiles, oldest first)."""
    if profiles is None:
        profiles = list(PolicyProfile.objects.filter(is_builtin=True).order_by("effective_from", "code"))
    by_profile: dict[int, dict[str, PolicyParameter]] = {p.pk: {} for p in profiles}
    for param in PolicyParameter.objects.filter(profile__in=profiles):
        by_profile[param.profile_id][param.key] = param
    keys = sorted({k for params in by_profile.values() for k in params})
    rows = []
    for key in keys:
        cells = [by_profile[p.pk].get(key) for p in profiles]
        latest = next((c for c in reversed(cells) if c is not None), None)
        values = ["—" if c is None else value_label(c.value) for c in cells]
        rows.append(
            CompareRow(
                key=key,
                description=latest.description if latest else "",
                unit=unit_label(latest.unit) if latest else "",
                values=values,
                differs=len(set(values)) > 1,
            )
        )
    return profiles, rows
