"""Setting up supervision teams and assigning them places (the command, a district office)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require, user_can
from fangkong.core.scoping import jurisdiction_of

from ..events import SupervisionEvent
from ..models import Assignment, InspectionTeam
from ..permissions import SupervisionCap
from ..places import place_get


@transaction.atomic
def team_create(*, actor: Any, name: str, district: Any, members: list[Any]) -> InspectionTeam:
    require(actor, SupervisionCap.MANAGE)
    if not jurisdiction_of(actor).covers("district", district.pk):
        raise PermissionRefused(_("%(d)s 不在您的管辖范围内") % {"d": district.name}, rule="scope.district")
    not_inspectors = [m for m in members if not user_can(m, SupervisionCap.INSPECT)]
    if not_inspectors:
        names = "、".join(m.full_name or m.username for m in not_inspectors)
        raise DomainError(_("%(names)s 不是督导人员，不能编入督导组") % {"names": names}, rule=SupervisionCap.INSPECT, field="members")
    if InspectionTeam.objects.filter(district=district, name=name).exists():
        raise DomainError(_("%(d)s 已有督导组“%(n)s”") % {"d": district.name, "n": name}, field="name")
    team = InspectionTeam.objects.create(name=name, district=district, created_by=actor)
    team.members.set(members)
    audit_record(actor=actor, event_type=SupervisionEvent.TEAM_CREATED, obj=team, after={"members": [m.pk for m in members]})
    return team


@transaction.atomic
def assignment_create(
    *, actor: Any, team: InspectionTeam, place_kind: str, place_id: int, starts_on: dt.date, ends_on: dt.date | None = None
) -> Assignment:
    require(actor, SupervisionCap.MANAGE)
    place = place_get(place_kind, place_id)
    if place is None:
        raise DomainError(_("没有这个点位"), field="place_id")
    j = jurisdiction_of(actor)
    if not j.covers("district", team.district_id) or not j.covers_place(
        district_id=place.district_id, street_id=place.street_id, community_id=place.community_id
    ):
        raise PermissionRefused(_("督导组或点位不在您的管辖范围内"), rule="scope.district")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(_("结束日期 %(e)s 早于开始日期 %(s)s") % {"e": ends_on, "s": starts_on}, rule="time.order", field="ends_on")
    assignment = Assignment.objects.create(
        team=team,
        place_kind=place_kind,
        place_id=place.pk,
        place_name=place.name,
        district_id=place.district_id,
        street_id=place.street_id,
        community_id=place.community_id,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    audit_record(
        actor=actor,
        event_type=SupervisionEvent.ASSIGNMENT_CREATED,
        obj=assignment,
        after={"team": team.pk, "place_kind": place_kind, "place_id": place.pk, "starts_on": str(starts_on)},
    )
    return assignment
