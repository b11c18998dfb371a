"""Shared pieces of the 快转 pages: scoped look-ups (outside the user's jurisdiction an object answers
404, the same as a missing one) and where to go back to after a POST."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme

from fangkong.geo import selectors as geo_selectors
from fangkong.geo.models import District

from ..models import Case, HealthMonitoring, Transfer, TreatmentFacility


def transfer_get(*, user: Any, pk: int) -> Transfer:
    """A transfer of a case the user sees (a hospital: its patients and those on their way to it)."""
    qs = Transfer.objects.filter(case__in=Case.objects.visible_to(user)).select_related(
        "case", "case__person", "assigned_facility", "suggested_facility", "from_facility"
    )
    return get_object_or_404(qs, pk=pk)


def facility_get(*, user: Any, pk: int) -> TreatmentFacility:
    return get_object_or_404(TreatmentFacility.objects.visible_to(user).select_related("district"), pk=pk)


def monitoring_get(*, user: Any, pk: int) -> HealthMonitoring:
    qs = HealthMonitoring.objects.visible_to(user).select_related(
        "case", "person", "community", "discharge", "discharge__facility", "citation"
    )
    return get_object_or_404(qs, pk=pk)


def districts_for(user: Any) -> list[District]:
    """The districts a user may filter by: those they see."""
    return list(geo_selectors.place_children(user=user, level="city", place=None).order_by("code"))


def next_url(request: HttpRequest, default: str) -> str:
    """Where a plain (non-htmx) POST goes back to: the page it came from, if it is ours."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return default
