"""上门采样 in the high-risk areas (足不出户、上门服务): a round plans one task per household living in a
high-risk area in force (fangkong.zoning.selectors.households_under) inside its scope, with the pooling
the policy sets for such an area (pooling.sealed: single tubes, or one tube per household); the grid
worker samples the household at its door (services.door_collect). Planning twice adds only the
households not planned yet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.geo.models import Household, Person
from fangkong.policy.models import RuleCitation
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.selectors import households_under

from .. import events
from ..choices import RoundStatus
from ..models import DoorSamplingTask, TestingRound
from ..permissions import TestingCap
from ..pooling import pooling_for
from ..selectors.coverage import round_person_scope

CHUNK = 5000


@dataclass(frozen=True)
class DoorPlan:
    households: int  # households of high-risk areas in force inside the round's scope, with residents
    created: int  # tasks added now (the others were planned before)


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


@transaction.atomic
def door_sampling_plan(*, actor: Any, testing_round: TestingRound, at: dt.datetime | None = None) -> DoorPlan:
    """One 上门采样 task per household of a high-risk area in force at `at` (now) in the round's scope
    that has none yet. One audit event with the counts when any is added."""
    require(actor, TestingCap.PLAN)
    testing_round = TestingRound.objects.select_for_update().get(pk=testing_round.pk)  # two planners: one after the other
    if testing_round.status == RoundStatus.CLOSED:
        raise DomainError(_("第 %(n)s 轮已结束，不能再安排上门采样") % {"n": testing_round.number}, rule="testing.round_closed")
    at = at or now()
    found = households_under(area_class=AreaClass.SEALED, at=at, within=round_person_scope(testing_round))
    planned = set(DoorSamplingTask.objects.filter(round=testing_round).values_list("household_id", flat=True))
    new_ids = sorted(set(found) - planned)
    residents: dict[int, int] = {}
    for ids in _chunks(new_ids):
        rows = Person.objects.filter(household_id__in=ids).values("household_id").annotate(n=Count("pk")).order_by()
        residents.update((r["household_id"], r["n"]) for r in rows)
    mode, citation = pooling_for(AreaClass.SEALED)
    cited = RuleCitation.for_text(citation)  # stored once for every task
    tasks: list[DoorSamplingTask] = []
    for ids in _chunks([pk for pk in new_ids if residents.get(pk)]):
        for h in Household.objects.filter(pk__in=ids).values(
            "pk", "district_id", "street_id", "community_id", "grid_id", "building_id", "unit_id"
        ):
            place = found[h["pk"]]
            tasks.append(
                DoorSamplingTask(
                    round=testing_round,
                    household_id=h["pk"],
                    district_id=h["district_id"],
                    street_id=h["street_id"],
                    community_id=h["community_id"],
                    grid_id=h["grid_id"],
                    building_id=h["building_id"],
                    unit_id=h["unit_id"],
                    area_id=place.area_id,
                    area_class=place.area_class,
                    pooling_mode=mode,
                    pooling_citation=cited,
                    residents=min(residents[h["pk"]], 32767),
                )
            )
    DoorSamplingTask.objects.bulk_create(tasks, batch_size=2000)
    households = len(planned & set(found)) + len(tasks)
    if tasks:
        audit_record(
            actor=actor,
            event_type=events.DOOR_SAMPLING_PLANNED,
            obj=testing_round,
            count=len(tasks),
            after={"round": testing_round.number, "created": len(tasks), "households": households, "pooling": mode, "at": at.isoformat()},
        )
    return DoorPlan(households=households, created=len(tasks))
