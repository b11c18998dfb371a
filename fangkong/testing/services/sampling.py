"""Sampling: a tube's life (open, add members, close), lab receipt, and door-to-door re-sampling.
Adding people to tubes goes through `binding.bulk_bind`, the one binding path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.rows import RowError, RowsRefused
from fangkong.core.sql import fetch_in, table
from fangkong.geo.choices import IdType
from fangkong.geo.models import Grid, Household, Person
from fangkong.geo.services import number_search_check, person_create

from .. import events
from ..barcodes import UNIQUE_RULE, InvalidBarcode, barcode_used, clean_barcode
from ..choices import CAPACITY, PoolingMode, ResamplingStatus, TubeStatus
from ..models import Laboratory, ResamplingTask, SamplingPoint, TestingRound, Tube, TubeMember
from ..permissions import TestingCap
from ..pooling import AreaIndex, allowed_modes
from ..selectors.sampling_desk import on_spot_grids
from .binding import Binding, BindReport, bulk_bind, check_round_open


def _barcode(value: str) -> str:
    try:
        return clean_barcode(value)
    except InvalidBarcode as exc:
        raise DomainError(exc.message, field="barcode", rule="testing.barcode") from exc


@transaction.atomic
def tube_open(
    *,
    actor: Any,
    testing_round: TestingRound,
    sampling_point: SamplingPoint,
    barcode: str,
    pooling_mode: str = "",
    at: dt.datetime | None = None,
) -> Tube:
    """Open an empty tube at a sampling point (the sampler scans the barcode before adding people)."""
    require(actor, TestingCap.SAMPLE)
    check_round_open(testing_round)
    at = at or now()
    barcode = _barcode(barcode)
    if not SamplingPoint.objects.visible_to(actor).filter(pk=sampling_point.pk).exists():
        raise PermissionRefused(_("采样点不在您的管辖范围内"), rule="testing.sampling_point_scope")
    if Tube.objects.filter(round=testing_round, barcode=barcode).exists():
        raise DomainError(barcode_used(barcode), field="barcode", rule=UNIQUE_RULE)
    area = AreaIndex(testing_round).area_for(
        district_id=sampling_point.district_id,
        street_id=sampling_point.street_id,
        community_id=sampling_point.community_id,
        grid_id=sampling_point.grid_id,
    )
    if area is None:
        raise DomainError(
            _("采样点“%(p)s”不在第 %(n)s 轮检测范围内") % {"p": sampling_point.name, "n": testing_round.number}, field="sampling_point"
        )
    mode = pooling_mode or area.pooling_mode
    if mode not in allowed_modes(area.pooling_mode):
        raise DomainError(
            _("%(place)s 按政策应采用“%(area)s”，不能使用“%(mode)s”")
            % {"place": area.place_name, "area": PoolingMode(area.pooling_mode).label, "mode": PoolingMode(mode).label},
            field="pooling_mode",
            rule=area.pooling_rule,
        )
    t = Tube.objects.create(
        round=testing_round,
        barcode=barcode,
        sampling_point=sampling_point,
        district_id=sampling_point.district_id,
        street_id=sampling_point.street_id,
        community_id=sampling_point.community_id,
        pooling_mode=mode,
        capacity=CAPACITY[mode],
        opened_at=at,
    )
    audit_record(
        actor=actor, event_type=events.TUBE_OPENED, obj=t, after={"round": testing_round.number, "point": sampling_point.name, "mode": mode}
    )
    return t


def tube_add_members(
    *, actor: Any, tube: Tube, persons: Sequence[Person] = (), id_numbers: Sequence[str] = (), at: dt.datetime | None = None
) -> BindReport:
    """Add people to an open tube (the sampler's page): the same rules as bulk_bind."""
    bindings = [Binding(barcode=tube.barcode, person_id=p.pk) for p in persons] + [
        Binding(barcode=tube.barcode, id_number=n) for n in id_numbers
    ]
    report = bulk_bind(actor=actor, testing_round=tube.round, bindings=bindings, at=at)
    tube.refresh_from_db()
    return report


def person_register_on_spot(
    *,
    actor: Any,
    tube: Tube,
    name: str,
    id_number: str,
    grid: Grid | None,
    address: str,
    phone: str = "",
    id_type: str = IdType.RESIDENT_ID,
    at: dt.datetime | None = None,
) -> Person:
    """现场登记: someone in front of the sampler whom the registry does not hold is registered there
    (geo.services.person_create: sealed and masked like everyone, audited), living in a grid of the
    round's scope that the sampler covers at the address given, and sampled into `tube` at once —
    nobody goes unsampled for want of a registry entry. Audited as testing.person_registered_on_spot.

    The number is typed, and the registry answers whether it is taken ("该证件号码已登记"): it counts
    as a search by full number (fangkong.geo.services.number_search_check: the limit and the audit),
    before it is looked up and outside the transaction, so that a refusal keeps its audit event and a
    sampler cannot probe candidate numbers here without limit."""
    require(actor, TestingCap.SAMPLE)
    testing_round = tube.round
    check_round_open(testing_round)
    if grid is None:
        raise DomainError(_("请选择现住网格"), field="grid")
    if not on_spot_grids(user=actor, testing_round=testing_round).filter(pk=grid.pk).exists():
        raise DomainError(
            _("现住网格“%(g)s”不在第 %(n)s 轮检测范围内，或不在您的管辖范围内") % {"g": grid.name, "n": testing_round.number},
            field="grid",
            rule="testing.on_spot_scope",
        )
    if not (address or "").strip():
        raise DomainError(_("请填写现住址"), field="address")
    number_search_check(actor=actor, term=id_number, where="testing.on_spot")
    return _register_and_sample(
        actor=actor, tube=tube, name=name, id_number=id_number, grid=grid, address=address, phone=phone, id_type=id_type, at=at
    )


@transaction.atomic
def _register_and_sample(
    *, actor: Any, tube: Tube, name: str, id_number: str, grid: Grid, address: str, phone: str, id_type: str, at: dt.datetime | None
) -> Person:
    testing_round = tube.round
    person = person_create(
        actor=actor, household=None, place=grid, address=address, name=name, id_type=id_type, id_number=id_number, phone=phone
    )
    audit_record(
        actor=actor,
        event_type=events.PERSON_REGISTERED_ON_SPOT,
        obj=person,
        after={"round": testing_round.number, "tube": tube.barcode, "point": tube.sampling_point.name, "grid": grid.name},
    )
    tube_add_members(actor=actor, tube=tube, persons=[person], at=at)
    return person


@transaction.atomic
def tube_close(*, actor: Any, tube: Tube, at: dt.datetime | None = None) -> Tube:
    require(actor, TestingCap.SAMPLE)
    tube = Tube.objects.select_for_update().get(pk=tube.pk)
    if tube.status != TubeStatus.OPEN:
        raise DomainError(_("试管 %(b)s %(s)s") % {"b": tube.barcode, "s": tube.get_status_display()}, rule="testing.tube_transitions")
    if tube.member_count == 0:
        raise DomainError(_("空试管不能封管"), field="barcode")
    tube.status = TubeStatus.CLOSED
    tube.closed_at = at or now()
    tube.save(update_fields=["status", "closed_at"])
    audit_record(
        actor=actor,
        event_type=events.TUBE_CLOSED,
        obj=tube,
        before={"status": TubeStatus.OPEN},
        after={"status": tube.status, "members": tube.member_count},
    )
    return tube


@dataclass
class ReceiveReport:
    received: int
    already: int


@transaction.atomic
def tube_receive(
    *, actor: Any, testing_round: TestingRound, laboratory: Laboratory, barcodes: Sequence[str], at: dt.datetime | None = None
) -> ReceiveReport:
    """The lab signs for tubes (接收). Open tubes are closed on receipt. All or nothing."""
    require(actor, TestingCap.LAB)
    if not Laboratory.objects.visible_to(actor).filter(pk=laboratory.pk).exists():
        raise PermissionRefused(_("您不属于该检测机构"), rule="testing.laboratory_scope")
    at = at or now()
    wanted = [b.strip() for b in barcodes if b and b.strip()]
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for i, b in enumerate(wanted, start=1):
        try:
            clean_barcode(b)
        except InvalidBarcode as exc:
            errors.append(RowError(i, "barcode", exc.message))
            continue
        if b in seen:
            errors.append(RowError(i, "barcode", _("条码 %(b)s 与第 %(r)s 行重复") % {"b": b, "r": seen[b]}))
        seen[b] = i
    found = {
        r[1]: r
        for r in fetch_in(
            f"SELECT id, barcode, status, member_count, laboratory_id FROM {table(Tube)} WHERE round_id = %s AND barcode {{IN}}",
            sorted(seen),
            params_before=[testing_round.pk],
        )
    }
    updates = []
    already = 0
    for b, row in seen.items():
        r = found.get(b)
        if r is None:
            errors.append(RowError(row, "barcode", _("第 %(n)s 轮没有条码为 %(b)s 的试管") % {"n": testing_round.number, "b": b}))
        elif r[3] == 0:
            errors.append(RowError(row, "barcode", _("试管 %(b)s 未采样") % {"b": b}))
        elif r[4] is not None and r[4] != laboratory.pk:
            errors.append(RowError(row, "barcode", _("试管 %(b)s 已由其他检测机构接收") % {"b": b}))
        elif r[2] in (TubeStatus.RECEIVED, TubeStatus.RESULTED):
            already += 1
        else:
            updates.append(r[0])
    if errors:
        raise RowsRefused(errors, rule="testing.tube_receive")
    if updates:
        Tube.objects.filter(pk__in=updates, closed_at__isnull=True).update(closed_at=at)
        Tube.objects.filter(pk__in=updates).update(status=TubeStatus.RECEIVED, laboratory=laboratory, received_at=at)
    audit_record(
        actor=actor,
        event_type=events.TUBES_RECEIVED,
        obj=laboratory,
        count=len(updates),
        after={"round": testing_round.number, "received": len(updates), "already": already},
    )
    return ReceiveReport(len(updates), already)


@transaction.atomic
def resampling_collect(
    *, actor: Any, task: ResamplingTask, barcode: str, sampling_point: SamplingPoint | None = None, at: dt.datetime | None = None
) -> Tube:
    """上门单采: sample the task's person alone in a new single tube; the task awaits its result."""
    require(actor, TestingCap.CHECK)
    if not ResamplingTask.objects.visible_to(actor).filter(pk=task.pk).exists():
        raise PermissionRefused(_("该任务不在您的管辖范围内"), rule="testing.resampling_scope")
    task = ResamplingTask.objects.select_for_update().get(pk=task.pk)
    if task.status != ResamplingStatus.OPEN:
        raise DomainError(_("该单采任务%(s)s") % {"s": task.get_status_display()}, rule="testing.resampling_transitions")
    at = at or now()
    barcode = _barcode(barcode)
    testing_round = task.round
    if Tube.objects.filter(round=testing_round, barcode=barcode).exists():
        raise DomainError(barcode_used(barcode), field="barcode", rule=UNIQUE_RULE)
    point = sampling_point or (task.origin_tube.sampling_point if task.origin_tube_id else None)
    if point is None:
        point = SamplingPoint.objects.filter(community_id=task.community_id).first()
    if point is None:
        raise DomainError(_("请指定采样点"), field="sampling_point")
    t = Tube.objects.create(
        round=testing_round,
        barcode=barcode,
        sampling_point=point,
        district_id=point.district_id,
        street_id=point.street_id,
        community_id=point.community_id,
        pooling_mode=PoolingMode.SINGLE,
        capacity=1,
        member_count=1,
        is_resample=True,
        status=TubeStatus.CLOSED,
        opened_at=at,
        sampled_at=at,
        closed_at=at,
        deadline_at=at + dt.timedelta(hours=testing_round.result_deadline_hours),
    )
    household = Household.objects.filter(pk=task.household_id).values("building_id", "unit_id").first() or {}
    TubeMember.objects.create(
        round=testing_round,
        tube=t,
        person_id=task.person_id,
        district_id=task.district_id,
        street_id=task.street_id,
        community_id=task.community_id,
        grid_id=task.grid_id,
        household_id=task.household_id,
        building_id=household.get("building_id"),
        unit_id=household.get("unit_id"),
        is_resample=True,
        sampled_at=at,
    )
    task.status = ResamplingStatus.SAMPLED
    task.resample_tube = t
    task.sampled_at = at
    task.save(update_fields=["status", "resample_tube", "sampled_at", "updated_at"])
    audit_record(actor=actor, event_type=events.RESAMPLE_COLLECTED, obj=task, after={"barcode": barcode, "person": task.person_id})
    return t
