"""Cases and their health monitoring, as the user sees them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from ..choices import CaseStatus, MonitoringStatus
from ..models import Case, HealthMonitoring
from ..services.policy import discharge_policy
from ..services.treatment import DischargeCheck, discharge_check


def case_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Case]:
    filters = filters or {}
    qs = Case.objects.visible_to(user).select_related("person", "facility", "district")
    for key in ("status", "classification", "found_in", "source", "district_id", "community_id", "facility_id"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    return qs.order_by("-confirmed_at", "-id")


def case_get(*, user: Any, pk: int) -> Case:
    return get_object_or_404(Case.objects.visible_to(user).select_related("person", "facility", "origin_positive"), pk=pk)


def cases_with_withdrawn_origin(*, user: Any) -> QuerySet[Case]:
    """Active cases whose screening positive the lab has since corrected: to review (and withdraw)."""
    return Case.objects.visible_to(user).active().filter(origin_positive__status="withdrawn").select_related("person")


def monitoring_list(*, user: Any, active_only: bool = True) -> QuerySet[HealthMonitoring]:
    """居家健康监测 handed to the user's communities, by the day they end."""
    qs = HealthMonitoring.objects.visible_to(user).select_related("person", "case", "citation")
    return qs.filter(status=MonitoringStatus.ACTIVE).order_by("ends_at", "id") if active_only else qs.order_by("-starts_at", "-id")


@dataclass
class DischargeReview:
    case: Case
    check: DischargeCheck


# Discharge criteria are checked for the longest-staying patients only (a few queries each).
DISCHARGE_REVIEWED = 20


def in_care_admitted(*, user: Any) -> QuerySet[Case]:
    """Patients admitted (住院治疗) that the user sees, the longest stay first."""
    return (
        Case.objects.visible_to(user).filter(status=CaseStatus.ADMITTED).select_related("person", "facility").order_by("admitted_at", "id")
    )


def discharge_reviews(*, user: Any, limit: int = DISCHARGE_REVIEWED) -> list[DischargeReview]:
    """The longest-staying admitted patients with the discharge criteria checked (nothing written),
    those who meet them first."""
    policy = discharge_policy()
    reviews = [DischargeReview(c, discharge_check(case=c, policy=policy)) for c in in_care_admitted(user=user)[:limit]]
    return sorted(reviews, key=lambda r: not r.check.passed)
