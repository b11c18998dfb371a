"""Rounds, sampling points, laboratories, tubes and their members, unmatched results, re-sampling
tasks and controls: each read limited to what the user sees (visible_to), another's answering 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from fangkong.core.permissions import user_can
from fangkong.geo.models import Community, Grid
from fangkong.geo.permissions import GeoCap

from ..choices import RESAMPLING_OPEN, RoundStatus
from ..models import (
    Laboratory,
    PersonControl,
    ResamplingTask,
    SamplingPoint,
    TestingRound,
    Tube,
    TubeMember,
    TubeResult,
    UnmatchedResult,
)


def round_list(*, user: Any) -> QuerySet[TestingRound]:
    return TestingRound.objects.visible_to(user).select_related("deadline_citation").prefetch_related("areas")


def current_rounds(*, user: Any) -> QuerySet[TestingRound]:
    """The rounds being sampled now, the newest first (the day's field work is in them)."""
    return round_list(user=user).filter(status=RoundStatus.ACTIVE).order_by("-number")


def round_get(*, user: Any, pk: int) -> TestingRound:
    return get_object_or_404(TestingRound.objects.visible_to(user), pk=pk)


def sampling_point_list(*, user: Any, community: Community | None = None) -> QuerySet[SamplingPoint]:
    qs = SamplingPoint.objects.visible_to(user).select_related("community", "street", "district")
    return qs.filter(community=community) if community is not None else qs


def laboratory_list(*, user: Any) -> QuerySet[Laboratory]:
    return Laboratory.objects.visible_to(user)


def tube_list(*, user: Any, testing_round: TestingRound, filters: dict[str, Any] | None = None) -> QuerySet[Tube]:
    filters = filters or {}
    qs = Tube.objects.visible_to(user).filter(round=testing_round).select_related("sampling_point", "laboratory")
    for key in ("status", "result", "pooling_mode", "laboratory_id", "sampling_point_id", "community_id"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    if filters.get("barcode"):
        qs = qs.filter(barcode__startswith=filters["barcode"].strip())
    return qs.order_by("id")


def tube_get(*, user: Any, testing_round: TestingRound, barcode: str) -> Tube:
    return get_object_or_404(
        Tube.objects.visible_to(user).select_related("sampling_point", "laboratory"), round=testing_round, barcode=barcode
    )


def members_visible_to(user: Any) -> QuerySet[TubeMember]:
    """Who is in the tubes: the census's people, so a grant says where and geo.view_people says what
    (a supervisor or a volunteer coordinator granted the district sees a tube, not who is in it)."""
    if not user_can(user, GeoCap.VIEW_PEOPLE):
        return TubeMember.objects.none()
    return TubeMember.objects.visible_to(user)


def tube_members(*, user: Any, tube: Tube) -> QuerySet[TubeMember]:
    return members_visible_to(user).filter(tube=tube).select_related("person")


def tube_results(*, user: Any, tube: Tube) -> QuerySet[TubeResult]:
    """A tube's results, the current first, superseded ones after (the correction history)."""
    return TubeResult.objects.visible_to(user).filter(tube=tube).select_related("decision_citation").order_by("-is_current", "-id")


def unmatched_list(*, user: Any, testing_round: TestingRound) -> QuerySet[UnmatchedResult]:
    from fangkong.core.scoping import jurisdiction_of

    qs = UnmatchedResult.objects.filter(round=testing_round, resolved=False)
    return qs if jurisdiction_of(user).city else qs.visible_to(user)


def resampling_task_list(
    *, user: Any, testing_round: TestingRound | None = None, grid: Grid | None = None, status: tuple[str, ...] = RESAMPLING_OPEN
) -> QuerySet[ResamplingTask]:
    """上门单采 tasks the user covers (a grid worker: their grid), by household."""
    qs = ResamplingTask.objects.visible_to(user).select_related("person", "origin_tube", "household")
    if testing_round is not None:
        qs = qs.filter(round=testing_round)
    if grid is not None:
        qs = qs.filter(grid=grid)
    if status:
        qs = qs.filter(status__in=status)
    return qs.order_by("grid_id", "household_id", "id")


def control_list(*, user: Any, active_only: bool = True) -> QuerySet[PersonControl]:
    qs = PersonControl.objects.visible_to(user).select_related("person", "origin_tube")
    return qs.filter(status="active") if active_only else qs
