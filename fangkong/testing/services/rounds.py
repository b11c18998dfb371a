"""Planning: rounds with their scope and pooling (and the 上门采样 tasks of the high-risk areas in
force, services.door_sampling), sampling points, laboratories."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.scoping import jurisdiction_of
from fangkong.core.transitions import check_transition
from fangkong.geo.models import Community, District, Grid, Street
from fangkong.policy.models import RuleCitation
from fangkong.policy.rules import rule
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.selectors import zoned_classes

from .. import events
from ..choices import CAPACITY, ROUND_TRANSITIONS, RoundStatus, ScopeLevel
from ..models import Laboratory, RoundArea, SamplingPoint, TestingRound
from ..permissions import TestingCap
from ..pooling import pooling_for
from .door_sampling import door_sampling_plan

SCOPE_MODELS = {ScopeLevel.DISTRICT: District, ScopeLevel.STREET: Street, ScopeLevel.COMMUNITY: Community, ScopeLevel.GRID: Grid}
# Order of pooling modes from strictest (smallest pool) to loosest.


@dataclass(frozen=True)
class AreaSpec:
    """One place of a round's scope: level, place id (None for the city) and its area class (None:
    the class of the risk area in force over that place when the round starts, else precaution)."""

    level: str
    place_id: int | None = None
    area_class: str | None = None


@transaction.atomic
def round_plan(
    *,
    actor: Any,
    number: int,
    areas: list[AreaSpec],
    name: str = "",
    starts_at: dt.datetime,
    deadline_at: dt.datetime | None = None,
) -> TestingRound:
    """Plan round `number` over `areas`. The deadline defaults to start + testing.result_deadline_hours."""
    require(actor, TestingCap.PLAN)
    if not areas:
        raise DomainError(_("请至少选择一个检测范围"), field="areas")
    if TestingRound.objects.filter(number=number).exists():
        raise DomainError(_("第 %(n)s 轮已存在") % {"n": number}, field="number", rule="testing.round_unique_number")
    hours_rule = rule("testing.result_deadline_hours")
    hours = int(hours_rule.value)
    deadline_rule = hours_rule.citation
    if deadline_at is None:
        deadline_at = starts_at + dt.timedelta(hours=hours)
    elif deadline_at <= starts_at:
        raise DomainError(_("完成时限须晚于开始时间"), field="deadline_at")
    else:
        deadline_rule = _("手工设定")
    j = jurisdiction_of(actor)
    rows = []
    seen: set[tuple[str, int | None]] = set()
    zoned = zoned_classes(at=starts_at)
    cited = RuleCitation.stored(pooling_for(c)[1] for c in AreaClass.values)  # each class's rule, stored once
    for spec in areas:
        if spec.area_class is None:
            spec = AreaSpec(spec.level, spec.place_id, zoned.get((spec.level, spec.place_id), AreaClass.PRECAUTION))
        if spec.area_class not in AreaClass.values:
            raise DomainError(_("未知区域类别 %(c)s") % {"c": spec.area_class}, field="areas")
        if spec.level == ScopeLevel.CITY:
            if not j.city:
                raise PermissionRefused(_("只有全市权限可安排全市范围的轮次"), rule="testing.round_scope")
            place_name = _("全市")
            place_id = None
        else:
            model = SCOPE_MODELS.get(spec.level)
            if model is None:
                raise DomainError(_("未知层级 %(l)s") % {"l": spec.level}, field="areas")
            place = model.objects.covered_by(actor).filter(pk=spec.place_id).first()
            if place is None:
                raise PermissionRefused(_("检测范围不在您的管辖范围内"), rule="testing.round_scope", field="areas")
            place_name, place_id = place.name, place.pk
        if (spec.level, place_id) in seen:
            raise DomainError(_("检测范围重复：%(p)s") % {"p": place_name}, field="areas")
        seen.add((spec.level, place_id))
        mode, citation = pooling_for(spec.area_class)
        rows.append(
            RoundArea(
                level=spec.level,
                place_id=place_id,
                place_name=place_name,
                area_class=spec.area_class,
                pooling_mode=mode,
                pooling_citation=cited.get(citation),
            )
        )
    testing_round = TestingRound.objects.create(
        number=number,
        name=name or f"第{number}轮全员核酸检测",
        starts_at=starts_at,
        deadline_at=deadline_at,
        deadline_rule=deadline_rule,
        result_deadline_hours=hours,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for r in rows:
        r.round = testing_round
    RoundArea.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        event_type=events.ROUND_PLANNED,
        obj=testing_round,
        after={
            "number": number,
            "starts_at": starts_at.isoformat(),
            "deadline_at": deadline_at.isoformat(),
            "deadline_rule": deadline_rule,
            "areas": [{"level": r.level, "place": r.place_name, "class": r.area_class, "pooling": r.pooling_mode} for r in rows],
        },
    )
    # 足不出户、上门服务: the households of the high-risk areas in force when it starts are sampled at their door.
    door_sampling_plan(actor=actor, testing_round=testing_round, at=max(starts_at, now()))
    return testing_round


@transaction.atomic
def round_set_status(*, actor: Any, testing_round: TestingRound, status: str) -> TestingRound:
    """A planner moves the round along ROUND_TRANSITIONS (audited)."""
    require(actor, TestingCap.PLAN)
    return _move(actor=actor, testing_round=testing_round, status=status)


def round_sampling_started(*, actor: Any, testing_round: TestingRound) -> TestingRound:
    """The first sample bound to a planned round starts it (planned → active): the same transition
    table and audit as a planner's move, with the sampler as the actor. Samplers binding at the same
    moment all see the round planned: the first to lock it starts it, the others find it started."""
    locked = TestingRound.objects.select_for_update().get(pk=testing_round.pk)
    if locked.status != RoundStatus.PLANNED:
        return locked
    return _move(actor=actor, testing_round=locked, status=RoundStatus.ACTIVE)


def _move(*, actor: Any, testing_round: TestingRound, status: str) -> TestingRound:
    testing_round = TestingRound.objects.select_for_update().get(pk=testing_round.pk)
    action = _("改为“%(s)s”") % {"s": RoundStatus(status).label}
    check_transition(
        ROUND_TRANSITIONS, testing_round.status, status, labels=RoundStatus, what=_("轮次"), action=action, rule="testing.round_transitions"
    )
    before = testing_round.status
    testing_round.status = status
    testing_round.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, event_type=events.ROUND_STATUS_CHANGED, obj=testing_round, before={"status": before}, after={"status": status}
    )
    return testing_round


@transaction.atomic
def laboratory_create(*, actor: Any, name: str, code: str, contact: str = "") -> Laboratory:
    require(actor, TestingCap.PLAN)
    if not jurisdiction_of(actor).city:
        raise PermissionRefused(_("只有全市权限可登记检测机构"), rule="testing.laboratory_create")
    lab = Laboratory.objects.create(name=name.strip(), code=code.strip(), contact=contact)
    audit_record(actor=actor, event_type=events.LABORATORY_CREATED, obj=lab, after={"name": lab.name, "code": lab.code})
    return lab


@transaction.atomic
def sampling_point_create(
    *,
    actor: Any,
    community: Community,
    name: str,
    grid: Grid | None = None,
    address: str = "",
    opening_hours: str = "",
    staff_names: str = "",
) -> SamplingPoint:
    require(actor, TestingCap.POINTS)
    if not Community.objects.covered_by(actor).filter(pk=community.pk).exists():
        raise PermissionRefused(_("该社区不在您的管辖范围内"), rule="testing.sampling_point_scope")
    if grid is not None and grid.community_id != community.pk:
        raise DomainError(_("网格不属于该社区"), field="grid")
    point = SamplingPoint.objects.create(
        district_id=community.district_id,
        street_id=community.street_id,
        community=community,
        grid=grid,
        name=name.strip(),
        address=address,
        opening_hours=opening_hours,
        staff_names=staff_names,
    )
    audit_record(
        actor=actor,
        event_type=events.SAMPLING_POINT_CREATED,
        obj=point,
        after={"community": community.name, "name": point.name, "opening_hours": opening_hours, "staff": staff_names},
    )
    return point


def capacity_of(mode: str) -> int:
    return CAPACITY[mode]
