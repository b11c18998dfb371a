"""上门采样 in the high-risk areas (足不出户、上门服务): a round plans one task per household living in a
high-risk area in force (fangkong.zoning.selectors.households_under) inside its scope, with the pooling
the policy sets for such an area (pooling.sealed: single tubes, or one tube per household); the grid
worker samples the household at its door, binding its residents through `bulk_bind` like any other
sample of the round. Planning twice adds only the households not planned yet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.geo.models import Household, Person
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.selectors import households_under

from .. import events
from ..choices import PoolingMode, RoundStatus
from ..models import DoorSamplingTask, SamplingPoint, TestingRound, TubeMember
from ..permissions import TestingCap
from ..pooling import allowed_modes, pooling_for
from ..selectors.coverage import round_person_scope
from . import binding  # a module: binding imports rounds, which plans door sampling from here

CHUNK = 5000
DOOR_POOLING = "testing.door_pooling"


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
                    pooling_rule=citation,
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


def _point_for(task: DoorSamplingTask, actor: Any) -> SamplingPoint:
    """The sampling point the household's tubes are registered at: the grid's own, else the community's."""
    points = SamplingPoint.objects.visible_to(actor).filter(community_id=task.community_id, is_active=True)
    point = points.filter(grid_id=task.grid_id).order_by("id").first() or points.order_by("grid_id", "id").first()
    if point is None:
        raise DomainError(_("本社区没有启用的采样点，无法登记上门采样的试管"), field="sampling_point")
    return point


@transaction.atomic
def door_sampling_collect(*, actor: Any, task: DoorSamplingTask, barcodes: dict[int, str], at: dt.datetime | None = None) -> int:
    """Sample residents of the task's household at their door: `barcodes` maps each resident sampled
    now to a tube — the same barcode for all (1户1管, where the policy allows it) or one each (单采单检).
    Residents already sampled in the round are refused by name; the rest are bound through
    `bulk_bind` (the round's tube rules). Returns how many were bound."""
    require(actor, TestingCap.CHECK)
    if not DoorSamplingTask.objects.visible_to(actor).filter(pk=task.pk).exists():
        raise PermissionRefused(_("该户不在您的管辖范围内"), rule="testing.check_scope")
    task = DoorSamplingTask.objects.select_related("round").get(pk=task.pk)
    at = at or now()
    barcodes = {pid: code.strip() for pid, code in barcodes.items() if code and code.strip()}
    if not barcodes:
        raise DomainError(_("请填写试管条码"), field="barcode")
    residents = dict(Person.objects.filter(household_id=task.household_id).values_list("pk", "name"))
    for pid in barcodes:
        if pid not in residents:
            raise DomainError(_("人员 %(p)s 不是该户成员") % {"p": pid}, field="members")
    done = set(
        TubeMember.objects.filter(round=task.round, person_id__in=list(barcodes), is_resample=False).values_list("person_id", flat=True)
    )
    if done:
        names = "、".join(residents[p] for p in sorted(done))
        raise DomainError(_("本轮已采样：%(n)s") % {"n": names}, field="members")
    distinct = set(barcodes.values())
    if len(distinct) == len(barcodes):
        mode = PoolingMode.SINGLE if len(barcodes) > 1 or task.pooling_mode == PoolingMode.SINGLE else task.pooling_mode
    elif len(distinct) == 1:
        mode = PoolingMode.HOUSEHOLD
    else:
        raise DomainError(_("1户1管：全户同一条码；单采单检：每人一个条码"), field="barcode", rule=DOOR_POOLING)
    if mode not in allowed_modes(task.pooling_mode):
        raise DomainError(
            _("高风险区按政策应采用“%(m)s”：%(rule)s") % {"m": PoolingMode(task.pooling_mode).label, "rule": task.pooling_rule},
            field="barcode",
            rule=DOOR_POOLING,
        )
    bindings = [binding.Binding(barcode=code, person_id=pid, sampled_at=at) for pid, code in sorted(barcodes.items())]
    binding.bulk_bind(
        actor=actor, testing_round=task.round, bindings=bindings, sampling_point=_point_for(task, actor), pooling_mode=mode, at=at
    )
    audit_record(
        actor=actor,
        event_type=events.DOOR_SAMPLED,
        obj=task,
        count=len(bindings),
        after={"round": task.round.number, "household": task.household_id, "pooling": mode, "tubes": len(distinct)},
    )
    return len(bindings)
