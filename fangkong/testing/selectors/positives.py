"""Confirmed positives of 快检 as 快转 takes them: the queue, those still waiting for a case, one for a case page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from ..choices import PositiveStatus
from ..models import (
    ConfirmedPositive,
    TestingRound,
)


def positive_queue(*, user: Any, testing_round: TestingRound | None = None) -> QuerySet[ConfirmedPositive]:
    """Confirmed positives awaiting case handling — the queue the cases app consumes."""
    qs = (
        ConfirmedPositive.objects.visible_to(user)
        .filter(status=PositiveStatus.AWAITING_CASE)
        .select_related("person", "tube", "decision_citation")
    )
    return qs.filter(round=testing_round) if testing_round is not None else qs


def positives_awaiting_case(*, user: Any = None, limit: int | None = None) -> list[ConfirmedPositive]:
    """For 快转 taking the queue (inside its transaction): the positives awaiting case handling, the
    oldest first, locked; two takers (the periodic task and a page) never take the same one. `user`
    None is the system (every positive)."""
    qs = ConfirmedPositive.objects.filter(status=PositiveStatus.AWAITING_CASE)
    if user is not None:
        qs = qs.visible_to(user)
    qs = qs.order_by("detected_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    if limit:
        qs = qs[:limit]
    return list(qs.select_related("person", "round", "tube", "decision_citation"))


def positives_by_id(pks: Any) -> QuerySet[ConfirmedPositive]:
    """Confirmed positives by id, with their tube and round (for a case's timeline: 快转 shows the
    positive its case came from)."""
    return ConfirmedPositive.objects.filter(pk__in=pks).select_related("tube", "round", "decision_citation")


def positive_person_ids() -> list[int]:
    """Everyone the rounds found positive (the demo's cases leave them to the queue)."""
    return list(ConfirmedPositive.objects.values_list("person_id", flat=True))


def positive_for_case(*, user: Any, pk: int) -> ConfirmedPositive | None:
    """For 快转 taking one positive (inside its transaction): locked, if the user sees it (None otherwise)."""
    positive = (
        ConfirmedPositive.objects.select_for_update(of=("self",))
        .select_related("person", "round", "tube", "decision_citation")
        .filter(pk=pk)
        .first()
    )
    if positive is None or not ConfirmedPositive.objects.visible_to(user).filter(pk=pk).exists():
        return None
    return positive


def positives_recorded(*, since: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
    """Positives recorded in (since, until] (when the row was written, so a late lab file still
    counts once), not withdrawn: their places, where found and when detected — no person (for the
    notification rules of the modules above)."""
    return list(
        ConfirmedPositive.objects.filter(created_at__gt=since, created_at__lte=until)
        .exclude(status=PositiveStatus.WITHDRAWN)
        .values("pk", "district_id", "street_id", "community_id", "grid_id", "found_in", "detected_at")
        .order_by("created_at", "pk")
    )
