"""Point-to-point batches (点对点): the sending unit's list → each person's pre-travel test and
temperature (a person failing either is taken off the batch, the reason kept) → the transport plan →
the boarding check against the list → the handover at the destination, confirmed by the receiving
unit with the count and the names (闭环: nobody boards who was not checked, nobody arrives
unaccounted — fangkong.movement.services.handover). "成熟一批、转运一批": a batch leaves when everyone still on it has boarded; those not
ready move to the next batch (`batch_split_waiting`). Every step is all or nothing, each row at
fault named."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.crypto import encrypt, mask_id_number
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.rows import RowError, RowsRefused
from fangkong.core.scoping import jurisdiction_of
from fangkong.core.transitions import check_transition
from fangkong.geo.idnumbers import InvalidDocument, check_id_input
from fangkong.geo.lookup import id_key, person_ids_by_id_number
from fangkong.geo.plates import check_plate
from fangkong.geo.vitals import celsius, fever_line, is_fever
from fangkong.policy.rules import rule
from fangkong.results.history import negatives_within

from ..choices import BATCH_TRANSITIONS, BatchKind, BatchStatus, MemberStatus, NoticeKind
from ..eligibility import NEGATIVE_WINDOW_KEY
from ..events import MovementEvent
from ..models import BatchMember, BatchVehicle, ReceivingUnit, TransferBatch
from ..notices import active_receiver, notify_destination
from ..permissions import MovementCap
from .handover import link_issue


def _locked(batch: TransferBatch) -> TransferBatch:
    return TransferBatch.objects.select_for_update().get(pk=batch.pk)


def _people(actor: Any, id_numbers: Sequence[str], field: str) -> dict[int, int]:
    """Row (from 1) → person id for every number, or RowsRefused naming each bad row."""
    errors: list[RowError] = []
    numbers: dict[int, str] = {}
    for n, raw in enumerate(id_numbers, start=1):
        try:
            numbers[n] = check_id_input(raw)
        except InvalidDocument as exc:
            errors.append(RowError(n, field, str(exc)))
    found = person_ids_by_id_number(numbers, user=actor)
    seen: dict[int, int] = {}
    for n in numbers:
        if n not in found:
            errors.append(RowError(n, field, _("本辖区没有登记该证件号码的人员")))
        elif found[n] in seen.values():
            errors.append(RowError(n, field, _("名单中重复")))
        else:
            seen[n] = found[n]
    if errors:
        raise RowsRefused(sorted(errors, key=lambda e: e.row), rule="movement.batch_list")
    return seen


@transaction.atomic
def batch_create(
    *,
    actor: Any,
    district: Any,
    kind: str,
    sending_unit: str,
    receiving_unit: str,
    destination: str,
    id_numbers: Sequence[str],
    requested_count: int | None,
    pickup_at: dt.datetime | None,
    pickup_place: str,
    receiver: ReceivingUnit | None = None,
) -> TransferBatch:
    """The sending unit's demand list (需求清单): how many, who (their ID numbers — as many as the count),
    when and where they are picked up, from where to where."""
    require(actor, MovementCap.ORGANISE)
    if district is None or not jurisdiction_of(actor).covers("district", district.pk):
        raise DomainError(_("只能在本人辖区的区县组织转运"), field="district", rule="movement.scope")
    if kind not in BatchKind.values:
        raise DomainError(_("请选择类别"), field="kind", rule="movement.batch")
    for field, value, label in (
        ("sending_unit", sending_unit, _("送出单位")),
        ("receiving_unit", receiving_unit, _("接收单位")),
        ("destination", destination, _("目的地")),
        ("pickup_place", pickup_place, _("集合（上车）地点")),
    ):
        if not (value or "").strip():
            raise DomainError(_("请填写%(f)s") % {"f": label}, field=field, rule="movement.batch")
    if pickup_at is None:
        raise DomainError(_("请填写需求时间（集合时间）"), field="pickup_at", rule="movement.batch")
    if not id_numbers:
        raise DomainError(_("名单不能为空"), field="id_numbers", rule="movement.batch_list")
    if requested_count is None or requested_count <= 0:
        raise DomainError(_("请填写需求人数"), field="requested_count", rule="movement.batch_demand")
    if requested_count != len(id_numbers):
        raise DomainError(
            _("需求人数 %(n)s 与名单人数 %(m)s 不符，请核对") % {"n": requested_count, "m": len(id_numbers)},
            field="requested_count",
            rule="movement.batch_demand",
        )
    people = _people(actor, id_numbers, "id_numbers")
    batch = TransferBatch.objects.create(
        kind=kind,
        sending_unit=sending_unit.strip()[:120],
        receiving_unit=receiving_unit.strip()[:120],
        destination=destination.strip()[:120],
        requested_count=requested_count,
        pickup_at=pickup_at,
        pickup_place=pickup_place.strip()[:120],
        district_id=district.pk,
        receiver=active_receiver(receiver),
        created_by=actor,
    )
    BatchMember.objects.bulk_create(BatchMember(batch=batch, person_id=pid) for pid in people.values())
    audit_record(actor=actor, event_type=MovementEvent.BATCH_CREATED, obj=batch, count=len(people))
    return batch


def _planning(batch: TransferBatch) -> None:
    if batch.status != BatchStatus.PLANNING:
        raise DomainError(
            _("批次当前为“%(s)s”，不能再修改名单或检测") % {"s": BatchStatus(batch.status).label}, rule="movement.batch_status"
        )


@transaction.atomic
def batch_check(*, actor: Any, batch: TransferBatch, temperatures: Mapping[int, Any], at: dt.datetime | None = None) -> dict[str, int]:
    """Pre-travel check of the members given (member id → temperature): a negative within the policy's
    window and a temperature below `movement.fever_celsius`, or the member is taken off the batch
    with the reason. Set-based: one read of the test history for all."""
    require(actor, MovementCap.ORGANISE)
    batch = _locked(batch)
    _planning(batch)
    at = at or now()
    members = {m.pk: m for m in batch.members.filter(pk__in=list(temperatures)).select_related("person")}
    errors: list[RowError] = []
    readings: dict[int, Decimal] = {}
    for n, (member_id, raw) in enumerate(temperatures.items(), start=1):
        member = members.get(member_id)
        if member is None:
            errors.append(RowError(n, "member", _("不在本批名单")))
            continue
        try:
            readings[member_id] = celsius(raw, label=_("%(name)s 的体温") % {"name": member.person.name})
        except DomainError as refused:
            errors.append(RowError(n, "temperature", refused.message))
    if errors:
        raise RowsRefused(errors, rule="movement.batch_check")
    fever = fever_line()
    window = rule(NEGATIVE_WINDOW_KEY)
    negative = negatives_within([m.person_id for m in members.values()], float(window.value), at=at)
    counts = {MemberStatus.READY: 0, MemberStatus.REMOVED: 0}
    for member_id, value in readings.items():
        member = members[member_id]
        reasons = []
        if is_fever(value, fever):
            reasons.append(_("体温 %(t)s℃（发热）") % {"t": value})
        if member.person_id not in negative:
            reasons.append(_("无 %(h)s 小时内核酸阴性结果") % {"h": window.value})
        member.temperature, member.checked_at = value, at
        member.status = MemberStatus.REMOVED if reasons else MemberStatus.READY
        member.removed_reason = "；".join(reasons)
        counts[member.status] += 1
    BatchMember.objects.bulk_update([members[i] for i in readings], ["temperature", "checked_at", "status", "removed_reason"])
    audit_record(
        actor=actor, event_type=MovementEvent.BATCH_CHECKED, obj=batch, count=len(readings), after={str(k): v for k, v in counts.items()}
    )
    return {str(k): v for k, v in counts.items()}


@dataclass(frozen=True)
class VehiclePlan:
    """One vehicle of the plan as entered: plate, seats, the driver's name and ID number."""

    plate: str
    seats: Any
    driver_name: str
    driver_id: str


MAX_SEATS = 99


def _vehicles(rows: Sequence[VehiclePlan]) -> list[BatchVehicle]:
    """Each row checked (plate, seats, driver, driver's ID), a plate or a driver only once: the vehicles
    to write, or RowsRefused naming each row and field at fault."""
    errors: list[RowError] = []
    out: list[BatchVehicle] = []
    plates: set[str] = set()
    drivers: set[str] = set()
    for n, row in enumerate(rows, start=1):
        try:
            plate = check_plate(row.plate)
        except DomainError as exc:
            errors.append(RowError(n, "plate", exc.message))
            plate = ""
        if plate and plate in plates:
            errors.append(RowError(n, "plate", _("车辆 %(p)s 重复") % {"p": plate}))
        plates.add(plate)
        raw_seats = str(row.seats if row.seats is not None else "").strip()
        seats = int(raw_seats) if raw_seats.isdigit() else 0
        if not 1 <= seats <= MAX_SEATS:
            errors.append(RowError(n, "seats", _("核载人数须为 1–%(m)s 之间的整数") % {"m": MAX_SEATS}))
        name = (row.driver_name or "").strip()
        if not name:
            errors.append(RowError(n, "driver_name", _("请填写驾驶人姓名")))
        try:
            number = check_id_input(row.driver_id)
        except InvalidDocument as exc:
            errors.append(RowError(n, "driver_id", str(exc)))
            number = ""
        if number and number in drivers:
            errors.append(RowError(n, "driver_id", _("同一驾驶人不能驾驶两辆车")))
        drivers.add(number)
        if plate and number and name:
            out.append(
                BatchVehicle(
                    plate=plate,
                    seats=seats,
                    driver_name=name[:64],
                    driver_id_cipher=encrypt(number),
                    driver_id_hash=id_key(number),
                    driver_id_masked=mask_id_number(number),
                )
            )
    if not rows:
        errors.append(RowError(0, "vehicles", _("请至少填写一辆车")))
    if errors:
        raise RowsRefused(errors, rule="movement.batch_plan")
    return out


@transaction.atomic
def batch_plan(
    *, actor: Any, batch: TransferBatch, vehicles: Sequence[VehiclePlan], route: str, departs_at: dt.datetime | None
) -> TransferBatch:
    """The transport plan (运输计划): its vehicles with their seats and drivers, the route and the
    departure time. It replaces the plan before, until the first person boards."""
    require(actor, MovementCap.ORGANISE)
    batch = _locked(batch)
    _planning(batch)
    if not (route or "").strip():
        raise DomainError(_("请填写路线"), field="route", rule="movement.batch_plan")
    if departs_at is None:
        raise DomainError(_("请填写出发时间"), field="departs_at", rule="movement.batch_plan")
    planned = _vehicles(vehicles)
    if batch.members.filter(status=MemberStatus.BOARDED).exists():
        raise DomainError(_("已有人员登车，不能再更改运输计划"), field="vehicles", rule="movement.batch_plan")
    batch.vehicles.all().delete()
    for v in planned:
        v.batch = batch
    BatchVehicle.objects.bulk_create(planned)
    batch.vehicle_plate, batch.driver_name = planned[0].plate, ""
    batch.route, batch.departs_at = route.strip()[:200], departs_at
    batch.save(update_fields=["vehicle_plate", "driver_name", "route", "departs_at", "updated_at"])
    audit_record(
        actor=actor,
        event_type=MovementEvent.BATCH_PLANNED,
        obj=batch,
        count=len(planned),
        after={"plates": [v.plate for v in planned], "seats": sum(v.seats for v in planned)},
    )
    return batch


@transaction.atomic
def batch_board(*, actor: Any, batch: TransferBatch, id_numbers: Sequence[str], vehicle: int | None = None) -> int:
    """Boarding check against the list: each person must be on this batch and have passed the check,
    and boards one of the plan's vehicles (`vehicle`, its id; the only one when there is one) without
    exceeding its seats."""
    require(actor, MovementCap.ORGANISE)
    batch = _locked(batch)
    _planning(batch)
    vehicles = {v.pk: v for v in batch.vehicles.all()}
    if not vehicles:
        raise DomainError(_("请先填写运输计划（车辆、驾驶人、路线、出发时间）"), field="vehicle", rule="movement.batch_plan")
    if vehicle is None and len(vehicles) == 1:
        vehicle = next(iter(vehicles))
    bus = vehicles.get(vehicle) if vehicle is not None else None
    if bus is None:
        raise DomainError(_("请选择本批运输计划中的车辆"), field="vehicle", rule="movement.boarding")
    errors: list[RowError] = []
    numbers: dict[int, str] = {}
    for n, raw in enumerate(id_numbers, start=1):
        try:
            numbers[n] = check_id_input(raw)
        except InvalidDocument as exc:
            errors.append(RowError(n, "id_number", str(exc)))
    found = person_ids_by_id_number(numbers)
    members = {m.person_id: m for m in batch.members.select_related("person")}
    boarding: list[BatchMember] = []
    for n in numbers:
        member = members.get(found.get(n, -1))
        if member is None:
            errors.append(RowError(n, "id_number", _("不在本批名单，不得登车")))
        elif member.status != MemberStatus.READY:
            errors.append(
                RowError(
                    n,
                    "id_number",
                    _("%(name)s 状态为“%(s)s”，未通过出发前检测，不得登车")
                    % {"name": member.person.name, "s": MemberStatus(member.status).label},
                )
            )
        else:
            boarding.append(member)
    if errors:
        raise RowsRefused(errors, rule="movement.boarding")
    aboard = BatchMember.objects.filter(vehicle=bus, status=MemberStatus.BOARDED).count()
    if aboard + len(boarding) > bus.seats:
        raise DomainError(
            _("车辆 %(p)s 核载 %(s)s 人，已登车 %(a)s 人，不能再登 %(n)s 人")
            % {"p": bus.plate, "s": bus.seats, "a": aboard, "n": len(boarding)},
            field="vehicle",
            rule="movement.vehicle_seats",
        )
    at = now()
    for member in boarding:
        member.status, member.boarded_at, member.vehicle = MemberStatus.BOARDED, at, bus
    BatchMember.objects.bulk_update(boarding, ["status", "boarded_at", "vehicle"])
    audit_record(actor=actor, event_type=MovementEvent.BATCH_BOARDED, obj=batch, count=len(boarding), after={"plate": bus.plate})
    return len(boarding)


@transaction.atomic
def batch_split_waiting(*, actor: Any, batch: TransferBatch) -> TransferBatch | None:
    """成熟一批、转运一批: those not yet checked or not yet boarded move to a new batch for the next
    departure (same units and destination); None when nobody is waiting."""
    require(actor, MovementCap.ORGANISE)
    batch = _locked(batch)
    _planning(batch)
    waiting = list(batch.members.filter(status__in=(MemberStatus.LISTED, MemberStatus.READY)))
    if not waiting:
        return None
    following = TransferBatch.objects.create(
        kind=batch.kind,
        sending_unit=batch.sending_unit,
        receiving_unit=batch.receiving_unit,
        destination=batch.destination,
        requested_count=len(waiting),
        pickup_at=batch.pickup_at,
        pickup_place=batch.pickup_place,
        district_id=batch.district_id,
        previous=batch,
        receiver_id=batch.receiver_id,
        created_by=actor,
    )
    BatchMember.objects.filter(pk__in=[m.pk for m in waiting]).update(
        batch=following, status=MemberStatus.LISTED, checked_at=None, temperature=None
    )
    audit_record(actor=actor, event_type=MovementEvent.BATCH_SPLIT, obj=following, count=len(waiting), after={"from": batch.pk})
    return following


@transaction.atomic
def batch_depart(*, actor: Any, batch: TransferBatch) -> TransferBatch:
    require(actor, MovementCap.ORGANISE)
    batch = _locked(batch)
    check_transition(
        BATCH_TRANSITIONS,
        batch.status,
        BatchStatus.IN_TRANSIT,
        labels=BatchStatus,
        what=_("批次"),
        action=_("出发"),
        rule="movement.batch_status",
    )
    if not batch.vehicles.exists():
        raise DomainError(_("请先填写运输计划（车辆、驾驶人、路线、出发时间）"), field="vehicles", rule="movement.batch_plan")
    waiting = batch.members.filter(status__in=(MemberStatus.LISTED, MemberStatus.READY)).count()
    if waiting:
        raise DomainError(
            _("还有 %(n)s 人未检测或未登车：成熟一批、转运一批，请将他们转入下一批后出发") % {"n": waiting}, rule="movement.batch_ready"
        )
    if not batch.members.filter(status=MemberStatus.BOARDED).exists():
        raise DomainError(_("没有已登车人员"), rule="movement.batch_ready")
    if batch.receiver_id is None:
        raise DomainError(
            _("请先选择接收单位（通知对象）：到达后由接收单位确认交接人数和名单"), field="receiver", rule="movement.handover_receiver"
        )
    active_receiver(batch.receiver)
    batch.status, batch.departed_at = BatchStatus.IN_TRANSIT, now()
    batch.save(update_fields=["status", "departed_at", "updated_at"])
    link_issue(batch, at=batch.departed_at)
    boarded = batch.members.filter(status=MemberStatus.BOARDED).count()
    notify_destination(NoticeKind.BATCH_DEPARTED, at=batch.departed_at, people=boarded, batch=batch)
    audit_record(actor=actor, event_type=MovementEvent.BATCH_DEPARTED, obj=batch, count=boarded)
    return batch
