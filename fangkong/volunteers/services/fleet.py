"""Vehicles and their trips (台次, kilometres), and disinfection: terminal disinfection of a place where
a positive lived or worked — linked to the case, which the actor must be able to see
(fangkong.cases.selectors, the layer below) — and community environment disinfection in m²."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import aware, not_in_future, too_early
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.geo.models import Community
from fangkong.geo.plates import check_plate

from ..choices import DisinfectionKind, VehicleKind
from ..events import VolunteersEvent
from ..models import Disinfection, Organisation, TaskType, Trip, Vehicle, Volunteer
from ..permissions import VolunteersCap
from .common import within
from .organising import _covered_community

MAX_TRIP_KM = Decimal("2000")
MAX_AREA = 10_000_000


@transaction.atomic
def vehicle_add(*, actor: Any, plate: str, kind: str, organisation: Organisation, driver: Volunteer | None = None) -> Vehicle:
    require(actor, VolunteersCap.RECORD)
    within(actor, organisation, field="organisation")
    plate = check_plate(plate)
    if kind not in VehicleKind.values:
        raise DomainError(_("车型无效"), field="kind")
    if driver is not None:
        within(actor, driver, field="driver")
    if Vehicle.objects.filter(plate=plate).exists():
        raise DomainError(_("车辆 %(p)s 已登记") % {"p": plate}, field="plate")
    vehicle = Vehicle.objects.create(
        plate=plate,
        kind=kind,
        organisation=organisation,
        driver=driver,
        district_id=organisation.district_id,
        street_id=organisation.street_id,
        community_id=organisation.community_id,
    )
    audit_record(actor=actor, event_type=VolunteersEvent.VEHICLE_ADDED, obj=vehicle, after={"organisation": organisation.pk})
    return vehicle


def _kilometres(value: Any) -> Decimal:
    try:
        km = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(_("行驶里程须为数字"), field="kilometres") from exc
    if not km.is_finite() or km < 0:
        raise DomainError(_("行驶里程不能为负数"), field="kilometres")
    if km > MAX_TRIP_KM:
        raise DomainError(_("一次出车的里程不能超过 %(n)s 公里") % {"n": MAX_TRIP_KM}, field="kilometres")
    return km.quantize(Decimal("0.1"))


@transaction.atomic
def trip_add(
    *, actor: Any, vehicle: Vehicle, started_at: dt.datetime, task_type: TaskType, kilometres: Any, community: Community | None = None
) -> Trip:
    """One trip (a vehicle-time) with its purpose and mileage; where it served (a community) if known."""
    require(actor, VolunteersCap.RECORD)
    within(actor, vehicle, field="vehicle")
    km = _kilometres(kilometres)
    started_at = aware(started_at, field="started_at")
    if too_early(started_at):
        raise DomainError(_("出车时间有误"), field="started_at")
    not_in_future(started_at, field="started_at", label=_("出车时间"))
    if community is not None:
        _covered_community(actor, community)
    trip = Trip.objects.create(
        vehicle=vehicle,
        started_at=started_at,
        task_type=task_type,
        kilometres=km,
        organisation_id=vehicle.organisation_id,
        district_id=community.district_id if community else vehicle.district_id,
        street_id=community.street_id if community else vehicle.street_id,
        community_id=community.pk if community else vehicle.community_id,
        created_by=actor,
    )
    audit_record(actor=actor, event_type=VolunteersEvent.TRIP_ADDED, obj=trip, object_repr=vehicle.plate, after={"km": km})
    return trip


def _visible_case(actor: Any, case_id: int | None) -> int:
    from fangkong.cases.selectors import case_get

    if not case_id:
        raise DomainError(_("终末消毒须关联病例"), field="case")
    try:
        return case_get(user=actor, pk=case_id).pk
    except Http404 as exc:
        raise DomainError(_("病例编号 %(n)s 不存在或不在您的管辖范围内") % {"n": case_id}, field="case") from exc


@transaction.atomic
def disinfection_add(
    *,
    actor: Any,
    kind: str,
    done_at: dt.datetime,
    place: str,
    community: Community,
    organisation: Organisation,
    case_id: int | None = None,
    square_metres: int = 0,
) -> Disinfection:
    require(actor, VolunteersCap.RECORD)
    within(actor, organisation, field="organisation")
    _covered_community(actor, community)
    if kind not in DisinfectionKind.values:
        raise DomainError(_("消杀类型无效"), field="kind")
    place = (place or "").strip()
    if not place or len(place) > 200:
        raise DomainError(_("请填写消杀场所（不超过 200 字）"), field="place")
    done_at = aware(done_at, field="done_at")
    not_in_future(done_at, field="done_at", label=_("消杀时间"))
    if too_early(done_at):
        raise DomainError(_("消杀时间有误"), field="done_at")
    if kind == DisinfectionKind.TERMINAL:
        case_id, square_metres = _visible_case(actor, case_id), 0
    else:
        case_id = None
        if not 1 <= int(square_metres or 0) <= MAX_AREA:
            raise DomainError(_("消杀面积须在 1 到 %(n)s 平方米之间") % {"n": MAX_AREA}, field="square_metres")
    record = Disinfection.objects.create(
        kind=kind,
        done_at=done_at,
        place=place,
        case_id=case_id,
        square_metres=int(square_metres or 0),
        organisation=organisation,
        district_id=community.district_id,
        street_id=community.street_id,
        community_id=community.pk,
        created_by=actor,
    )
    audit_record(actor=actor, event_type=VolunteersEvent.DISINFECTION_ADDED, obj=record, after={"kind": kind, "case": case_id})
    return record
