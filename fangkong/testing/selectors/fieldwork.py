"""Reads for the grid workers' pages (敲门行动, 上门单采): the door-knocking list's counts and one
household's standing, home-sampling tasks beside each missing resident, re-sampling tasks grouped
by household. Built on fangkong.testing.selectors; every read is scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from fangkong.geo.models import Grid, Household

from .. import selectors
from ..choices import RESAMPLING_OPEN, CheckOutcome, ResamplingReason, ResamplingStatus, StickerStatus
from ..models import ResamplingTask, TestingRound
from ..selectors import HouseholdToKnock, MissingMember

# The status filter of the re-sampling page: "" = still to do (the default), "all" = every status.
TASK_STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "": RESAMPLING_OPEN,
    ResamplingStatus.OPEN: (ResamplingStatus.OPEN,),
    ResamplingStatus.SAMPLED: (ResamplingStatus.SAMPLED,),
    ResamplingStatus.DONE: (ResamplingStatus.DONE,),
    ResamplingStatus.CANCELLED: (ResamplingStatus.CANCELLED,),
    "all": (),
}


def grid_get(*, user: Any, pk: int) -> Grid:
    return get_object_or_404(Grid.objects.visible_to(user).select_related("community", "street", "district"), pk=pk)


def grid_list(*, user: Any, q: str = "") -> QuerySet[Grid]:
    """The grids a user covers, for choosing where to knock."""
    qs = Grid.objects.covered_by(user).select_related("community", "street")
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(community__name__contains=q))
    return qs.order_by("district_id", "street_id", "community_id", "name")


@dataclass
class KnockCounts:
    """The counts at the top of the door-knocking list."""

    households: int = 0
    residents: int = 0
    missing: int = 0
    explained: int = 0
    stickers: int = 0

    @property
    def unexplained(self) -> int:
        return self.missing - self.explained


def knock_counts(items: list[HouseholdToKnock]) -> KnockCounts:
    c = KnockCounts(households=len(items))
    for item in items:
        c.residents += item.residents
        c.missing += len(item.missing)
        c.explained += sum(1 for m in item.missing if m.outcome)
        c.stickers += item.sticker == StickerStatus.POSTED
    return c


@dataclass
class KnockHousehold:
    """One household of the list as the page shows it: done when every missing resident is explained."""

    item: HouseholdToKnock
    home_tasks: dict[int, str] = field(default_factory=dict)  # person → status of their home-sampling task
    form: Any = None  # the page's check form for this household

    @property
    def household_id(self) -> int:
        return self.item.household_id

    @property
    def sticker_posted(self) -> bool:
        return self.item.sticker == StickerStatus.POSTED

    @property
    def explained(self) -> bool:
        return all(m.outcome for m in self.item.missing)

    @property
    def rows(self) -> list[KnockRow]:
        fields = {r.member.person_id: r for r in self.form.member_rows()} if self.form is not None else {}
        return [KnockRow(m, self.home_tasks.get(m.person_id, ""), fields.get(m.person_id)) for m in self.item.missing]


@dataclass
class KnockRow:
    member: MissingMember
    home_task: str  # status of the person's home-sampling task, "" if none
    fields: Any = None  # the form's fields for this person

    @property
    def outcome_label(self) -> str:
        return CheckOutcome(self.member.outcome).label if self.member.outcome else ""

    @property
    def home_task_label(self) -> str:
        return ResamplingStatus(self.home_task).label if self.home_task else ""


def home_sampling_status(*, user: Any, testing_round: TestingRound, person_ids: list[int]) -> dict[int, str]:
    """The status of each person's home-sampling task (bedridden residents), if any; the newest wins."""
    rows = (
        ResamplingTask.objects.visible_to(user)
        .filter(round=testing_round, reason=ResamplingReason.HOME_SAMPLING, person_id__in=person_ids)
        .exclude(status=ResamplingStatus.CANCELLED)
        .order_by("person_id", "id")
        .values_list("person_id", "status")
    )
    return dict(rows)


def knock_households(*, user: Any, testing_round: TestingRound, items: list[HouseholdToKnock]) -> list[KnockHousehold]:
    person_ids = [m.person_id for item in items for m in item.missing]
    tasks = home_sampling_status(user=user, testing_round=testing_round, person_ids=person_ids) if person_ids else {}
    return [KnockHousehold(item, {m.person_id: tasks[m.person_id] for m in item.missing if m.person_id in tasks}) for item in items]


def household_get(*, user: Any, pk: int) -> Household:
    return get_object_or_404(Household.objects.visible_to(user).select_related("compound", "building", "unit", "grid"), pk=pk)


# ---- 上门单采 ----


@dataclass
class TaskGroup:
    household_id: int | None
    address: str
    grid: str
    tasks: list[ResamplingTask] = field(default_factory=list)


def resampling_tasks(*, user: Any, testing_round: TestingRound, grid: Grid | None = None, status: str = "") -> QuerySet[ResamplingTask]:
    """The re-sampling tasks the user covers, by grid and household, with what an address needs."""
    return (
        selectors.resampling_task_list(user=user, testing_round=testing_round, grid=grid, status=TASK_STATUS_FILTERS[status])
        .select_related("household__compound", "household__building", "household__unit", "resample_tube")
        .order_by("grid_id", "household__building_id", "household__unit_id", "household_id", "id")
    )


def resampling_task_get(*, user: Any, testing_round: TestingRound, pk: int) -> ResamplingTask:
    return get_object_or_404(resampling_tasks(user=user, testing_round=testing_round, status="all"), pk=pk)


def group_by_household(tasks: list[ResamplingTask]) -> list[TaskGroup]:
    grids = dict(Grid.objects.filter(pk__in={t.grid_id for t in tasks if t.grid_id}).values_list("pk", "name"))
    groups: list[TaskGroup] = []
    for t in tasks:
        if not groups or groups[-1].household_id != t.household_id:
            address = t.household.address if t.household_id else "—"
            groups.append(TaskGroup(t.household_id, address, grids.get(t.grid_id, "—")))
        groups[-1].tasks.append(t)
    return groups


def resampling_grids(*, user: Any, testing_round: TestingRound) -> QuerySet[Grid]:
    """The grids with re-sampling tasks in the round that the user sees (the page's grid filter)."""
    grid_ids = ResamplingTask.objects.visible_to(user).filter(round=testing_round).values("grid_id")
    return Grid.objects.visible_to(user).filter(pk__in=grid_ids).select_related("community").order_by("community_id", "name")
