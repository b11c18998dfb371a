"""Reads of the 上门采样 tasks of the high-risk areas (services.door_sampling): each task's household
with how many of its residents are still to sample in the round — a task is done when none is,
whichever path bound them (the door, a sampling desk, the API) — and the counts of the round page.
Scoped to the user: a grid worker sees their grid's households only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from fangkong.geo.models import Grid, Person

from ..models import DoorSamplingTask, TestingRound, TubeMember

DOOR_STATUS_FILTERS = ("", "done", "all")  # "": still to sample (the default)


def _count(qs: QuerySet) -> Coalesce:
    return Coalesce(Subquery(qs.values("household_id").annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), Value(0))


def _annotated(qs: QuerySet[DoorSamplingTask], testing_round: TestingRound) -> QuerySet[DoorSamplingTask]:
    residents = Person.objects.filter(household_id=OuterRef("household_id")).order_by()
    sampled = TubeMember.objects.filter(round_id=testing_round.pk, person_id=OuterRef("pk"), is_resample=False)
    return qs.annotate(residents_now=_count(residents), pending=_count(residents.exclude(Exists(sampled))))


def door_tasks(*, user: Any, testing_round: TestingRound, grid: Grid | None = None, status: str = "") -> QuerySet[DoorSamplingTask]:
    """The round's 上门采样 tasks the user covers, by grid and address, with `residents_now` and `pending`."""
    qs = DoorSamplingTask.objects.visible_to(user).filter(round=testing_round)
    if grid is not None:
        qs = qs.filter(grid=grid)
    qs = _annotated(qs, testing_round)
    if status == "":
        qs = qs.filter(pending__gt=0)
    elif status == "done":
        qs = qs.filter(pending=0)
    return qs.select_related("household__compound", "household__building", "household__unit", "grid", "area").order_by(
        "grid_id", "building_id", "unit_id", "household_id"
    )


def door_task_get(*, user: Any, testing_round: TestingRound, pk: int) -> DoorSamplingTask:
    return get_object_or_404(door_tasks(user=user, testing_round=testing_round, status="all"), pk=pk)


@dataclass(frozen=True)
class DoorCounts:
    households: int = 0
    done: int = 0
    residents: int = 0
    pending: int = 0

    @property
    def open(self) -> int:
        return self.households - self.done


def door_counts(*, user: Any, testing_round: TestingRound, grid: Grid | None = None) -> DoorCounts:
    """Households planned, done, and residents still to sample, within the user's places."""
    qs = door_tasks(user=user, testing_round=testing_round, grid=grid, status="all").order_by()
    households = done = residents = pending = 0
    for residents_now, still in qs.values_list("residents_now", "pending").iterator(chunk_size=5000):
        households += 1
        done += still == 0
        residents += residents_now
        pending += still
    return DoorCounts(households, done, residents, pending)


def door_residents(tasks: list[DoorSamplingTask]) -> dict[int, list[tuple[Person, bool]]]:
    """household id → its residents, each with whether they are sampled in the round (the door
    forms of a page of tasks: two queries for the page)."""
    if not tasks:
        return {}
    round_id = tasks[0].round_id
    people = list(Person.objects.filter(household_id__in=[t.household_id for t in tasks]).order_by("household_id", "pk"))
    sampled = set(
        TubeMember.objects.filter(round_id=round_id, person_id__in=[p.pk for p in people], is_resample=False).values_list(
            "person_id", flat=True
        )
    )
    out: dict[int, list[tuple[Person, bool]]] = {}
    for p in people:
        out.setdefault(p.household_id, []).append((p, p.pk in sampled))
    return out


def door_grids(*, user: Any, testing_round: TestingRound) -> QuerySet[Grid]:
    """The grids with 上门采样 tasks in the round that the user sees (the page's grid filter)."""
    ids = DoorSamplingTask.objects.visible_to(user).filter(round=testing_round).values("grid_id")
    return Grid.objects.visible_to(user).filter(pk__in=ids).select_related("community").order_by("community_id", "name")
