"""Organisations, teams with leaders, service points tied to registry places, task types (data) and
the needs a coordinator publishes per point and day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import aware, too_early
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.scoping import jurisdiction_of
from fangkong.core.texts import clean_text
from fangkong.geo.models import Community, Compound, District

from ..choices import OrganisationKind, PointKind, Skill
from ..events import VolunteersEvent
from ..models import Need, Organisation, ServicePoint, TaskType, Team, Volunteer
from ..permissions import VolunteersCap
from .common import SCOPE_RULE, within

MAX_NEED = dt.timedelta(hours=12)
MAX_HEADCOUNT = 500


def _covered_community(actor: Any, community: Community | None, *, field: str = "community") -> None:
    if community is not None and not Community.objects.covered_by(actor).filter(pk=community.pk).exists():
        raise PermissionRefused(_("“%(c)s”不在您的管辖范围内") % {"c": community.name}, rule=SCOPE_RULE, field=field)


@transaction.atomic
def organisation_add(
    *, actor: Any, name: str, kind: str, district: District | None = None, community: Community | None = None
) -> Organisation:
    """An organisation of a community, of a district, or (city-wide grants only) of the whole city."""
    require(actor, VolunteersCap.MANAGE)
    name = clean_text(name, field="name", label=_("名称"), max_length=100)
    if kind not in OrganisationKind.values:
        raise DomainError(_("类型无效"), field="kind")
    if community is not None:
        _covered_community(actor, community)
        district = community.district
    elif district is not None:
        if not District.objects.covered_by(actor).filter(pk=district.pk).exists():
            raise PermissionRefused(_("“%(c)s”不在您的管辖范围内") % {"c": district.name}, rule=SCOPE_RULE, field="district")
    elif not jurisdiction_of(actor).city:
        raise DomainError(_("请选择组织所在的区县或社区"), field="district")
    if Organisation.objects.filter(name=name).exists():
        raise DomainError(_("已有同名组织“%(n)s”") % {"n": name}, field="name")
    org = Organisation.objects.create(
        name=name,
        kind=kind,
        district_id=district.pk if district else None,
        street_id=community.street_id if community else None,
        community_id=community.pk if community else None,
    )
    audit_record(actor=actor, event_type=VolunteersEvent.ORGANISATION_ADDED, obj=org, after={"kind": kind})
    return org


@transaction.atomic
def team_add(*, actor: Any, organisation: Organisation, name: str, leader: Volunteer | None = None) -> Team:
    require(actor, VolunteersCap.MANAGE)
    within(actor, organisation, field="organisation")
    name = clean_text(name, field="name", label=_("名称"), max_length=100)
    if leader is not None and leader.organisation_id != organisation.pk:
        raise DomainError(_("队长须是本组织的志愿者"), field="leader")
    if Team.objects.filter(organisation=organisation, name=name).exists():
        raise DomainError(_("本组织已有同名服务队"), field="name")
    team = Team.objects.create(organisation=organisation, name=name, leader=leader)
    if leader is not None:
        Volunteer.objects.filter(pk=leader.pk).update(team=team)
    audit_record(actor=actor, event_type=VolunteersEvent.TEAM_ADDED, obj=team, after={"organisation": organisation.pk})
    return team


@transaction.atomic
def point_add(
    *,
    actor: Any,
    name: str,
    kind: str,
    community: Community,
    compound: Compound | None = None,
    organisation: Organisation | None = None,
) -> ServicePoint:
    """A service point at a registry place: a community of the actor's grants (a compound of it)."""
    require(actor, VolunteersCap.MANAGE)
    name = clean_text(name, field="name", label=_("名称"), max_length=100)
    if kind not in PointKind.values:
        raise DomainError(_("类型无效"), field="kind")
    _covered_community(actor, community)
    if compound is not None and compound.community_id != community.pk:
        raise DomainError(_("小区不在所选社区内"), field="compound")
    if organisation is not None:
        within(actor, organisation, field="organisation")
    point = ServicePoint.objects.create(
        name=name,
        kind=kind,
        organisation=organisation,
        district_id=community.district_id,
        street_id=community.street_id,
        community_id=community.pk,
        compound_id=compound.pk if compound else None,
    )
    audit_record(actor=actor, event_type=VolunteersEvent.POINT_ADDED, obj=point, after={"community": community.pk})
    return point


@transaction.atomic
def task_type_add(*, actor: Any, name: str, field_work: bool) -> TaskType:
    require(actor, VolunteersCap.MANAGE)
    name = clean_text(name, field="name", label=_("名称"), max_length=32)
    if TaskType.objects.filter(name=name).exists():
        raise DomainError(_("已有任务类型“%(n)s”") % {"n": name}, field="name")
    code = slugify(name) or f"task-{TaskType.objects.count() + 1}"
    while TaskType.objects.filter(code=code).exists():
        code = f"{code[:28]}-{TaskType.objects.count() + 1}"
    task = TaskType.objects.create(code=code, name=name, field_work=field_work)
    audit_record(actor=actor, event_type=VolunteersEvent.TASK_TYPE_ADDED, obj=task, after={"field_work": field_work})
    return task


@transaction.atomic
def need_publish(
    *,
    actor: Any,
    point: ServicePoint,
    task_type: TaskType,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    headcount: int,
    skill: str = "",
) -> Need:
    """A point's need for a shift: how many, which skill, which hours (at most 12)."""
    require(actor, VolunteersCap.MANAGE)
    within(actor, point, field="point")
    starts_at, ends_at = aware(starts_at, field="starts_at"), aware(ends_at, field="ends_at")
    if too_early(starts_at):
        raise DomainError(_("开始时间有误"), field="starts_at")
    if ends_at <= starts_at:
        raise DomainError(_("结束时间须晚于开始时间"), field="ends_at")
    if ends_at - starts_at > MAX_NEED:
        raise DomainError(_("一个班次不能超过 12 小时"), field="ends_at")
    if not 1 <= headcount <= MAX_HEADCOUNT:
        raise DomainError(_("需要人数须在 1 到 %(n)s 之间") % {"n": MAX_HEADCOUNT}, field="headcount")
    if skill and skill not in Skill.values:
        raise DomainError(_("技能要求无效"), field="skill")
    if not task_type.active:
        raise DomainError(_("任务类型“%(t)s”已停用") % {"t": task_type.name}, field="task_type")
    need = Need.objects.create(
        point=point,
        task_type=task_type,
        starts_at=starts_at,
        ends_at=ends_at,
        headcount=headcount,
        skill=skill,
        organisation_id=point.organisation_id,
        district_id=point.district_id,
        street_id=point.street_id,
        community_id=point.community_id,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        event_type=VolunteersEvent.NEED_PUBLISHED,
        obj=need,
        after={"point": point.pk, "task_type": task_type.code, "starts_at": starts_at, "ends_at": ends_at, "headcount": headcount},
    )
    return need
