"""Who sees what in 督导 (need-to-know: the capability says what, the team and the grants say where).

- An inspector (supervision.inspect) sees only the assignments of the teams they belong to — inside
  their grants too, failing closed — and the inspections and rectifications of those places.
- An office sees the rows in its jurisdiction; the owner of a rectification sees it as well.
- Anyone without supervision.view sees nothing."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from fangkong.core.permissions import user_can

from .models import Assignment, Inspection, InspectionTeam, Rectification
from .permissions import SupervisionCap


def is_inspector(user: Any) -> bool:
    return user_can(user, SupervisionCap.INSPECT)


def teams_visible(user: Any) -> QuerySet[InspectionTeam]:
    if not user_can(user, SupervisionCap.VIEW):
        return InspectionTeam.objects.none()
    if is_inspector(user):
        return InspectionTeam.objects.visible_to(user).filter(members=user).distinct()
    return InspectionTeam.objects.visible_to(user)


def assignments_visible(user: Any) -> QuerySet[Assignment]:
    if not user_can(user, SupervisionCap.VIEW):
        return Assignment.objects.none()
    qs = Assignment.objects.visible_to(user)
    if is_inspector(user):
        qs = qs.filter(team__members=user).distinct()
    return qs


def inspections_visible(user: Any) -> QuerySet[Inspection]:
    if not user_can(user, SupervisionCap.VIEW):
        return Inspection.objects.none()
    if is_inspector(user):
        return Inspection.objects.visible_to(user).filter(assignment__in=assignments_visible(user))
    return Inspection.objects.visible_to(user)


def rectifications_visible(user: Any) -> QuerySet[Rectification]:
    if not user_can(user, SupervisionCap.VIEW):
        return Rectification.objects.none()
    if is_inspector(user):
        return Rectification.objects.visible_to(user).filter(inspection__assignment__in=assignments_visible(user))
    seen = Q(pk__in=Rectification.objects.visible_to(user).values("pk"))
    if getattr(user, "pk", None) is not None:  # a reader that is not an account (the worker's, a report's) owns nothing
        seen |= Q(owner_id=user.pk)
    return Rectification.objects.filter(seen)
