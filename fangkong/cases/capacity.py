"""Reads of 快转 for the capacity forecast (fangkong.reports.capacity): new positives per day, the
beds of each kind of facility (capacity and in use), where the patients of the last days were
admitted, how long they stayed, and how many were in care at past moments (for the back-test).
Scoped to the user: counts cover only the rows inside their grants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q

from fangkong.core.board import counts_by_local_day

from .choices import CaseStatus, FacilityKind
from .models import Case
from .selectors import facility_occupancy

COUNTED = ~Q(status=CaseStatus.WITHDRAWN)


def _cases(user: Any):
    return Case.objects.covered_by(user).filter(COUNTED)


def confirmed_per_day(*, user: Any, days: Sequence[dt.date]) -> list[int]:
    """Cases confirmed on each Beijing day (withdrawn ones left out)."""
    return counts_by_local_day(_cases(user), "confirmed_at", days, n=Count("id"))["n"]


def beds_by_kind(*, user: Any) -> dict[str, tuple[int, int]]:
    """Facility kind → (beds, in use now including patients on their way) over active facilities."""
    occupancy = facility_occupancy(user=user)
    return {kind: (b.capacity, b.occupied + b.en_route) for kind, b in occupancy.by_kind.items()}


def admitted_share(*, user: Any, since: dt.datetime) -> dict[str, float]:
    """Of the cases first admitted since `since`, the share admitted to each facility kind (empty when none)."""
    rows = dict(
        _cases(user)
        .filter(first_admitted_at__gte=since, facility__isnull=False)
        .values_list("facility__kind")
        .annotate(n=Count("id"))
        .values_list("facility__kind", "n")
    )
    total = sum(rows.values())
    return {kind: rows.get(kind, 0) / total for kind in FacilityKind.values} if total else {}


def mean_stay_days(*, user: Any, since: dt.datetime) -> dict[str, tuple[float, int]]:
    """Facility kind → (mean days from first admission to discharge, how many) over the discharges since `since`."""
    stay = ExpressionWrapper(F("discharged_at") - F("first_admitted_at"), output_field=DurationField())
    out = {}
    qs = _cases(user).filter(discharged_at__gte=since, first_admitted_at__isnull=False, facility__isnull=False).annotate(stay=stay)
    for kind in FacilityKind.values:
        stays = [s.total_seconds() / 86400 for s in qs.filter(facility__kind=kind).values_list("stay", flat=True)]
        if stays:
            out[kind] = (sum(stays) / len(stays), len(stays))
    return out


def in_care_at(*, user: Any, moments: Sequence[dt.datetime]) -> list[dict[str, int]]:
    """For each moment, facility kind → cases admitted and not yet discharged then (by their current facility)."""
    out = []
    for m in moments:
        rows = dict(
            _cases(user)
            .filter(Q(first_admitted_at__lt=m, facility__isnull=False) & (Q(discharged_at__isnull=True) | Q(discharged_at__gte=m)))
            .values_list("facility__kind")
            .annotate(n=Count("id"))
            .values_list("facility__kind", "n")
        )
        out.append({kind: rows.get(kind, 0) for kind in FacilityKind.values})
    return out
