"""Vehicle passes, 一车一事一证: requested by the traffic group of a district office, approved (signed)
by another of its staff, revoked when the trip is called off. A plate holds one pass at a time for
any moment: a second one whose trip overlaps is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.crypto import encrypt, mask_id_number
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.scoping import jurisdiction_of
from fangkong.core.transitions import check_transition
from fangkong.geo.idnumbers import InvalidDocument, check_id_input
from fangkong.geo.lookup import id_key
from fangkong.geo.plates import check_plate
from fangkong.policy.rules import rule

from ..choices import PASS_HOLDING, PASS_TRANSITIONS, PassStatus
from ..events import MovementEvent
from ..models import VehiclePass
from ..permissions import MovementCap


def masked_name(name: str) -> str:
    """张三 → 张*, 欧阳雪 → 欧**: the family name's first character only."""
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""


def _overlapping(plate: str, start: dt.datetime, end: dt.datetime, *, exclude: int | None = None) -> VehiclePass | None:
    qs = VehiclePass.objects.filter(plate=plate, status__in=PASS_HOLDING, valid_from__lt=end, valid_until__gt=start)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.order_by("valid_from").first()


@transaction.atomic
def pass_request(
    *,
    actor: Any,
    district: Any,
    plate: str,
    purpose: str,
    origin: str,
    destination: str,
    valid_from: dt.datetime,
    valid_until: dt.datetime,
    driver_name: str,
    driver_id: str,
) -> VehiclePass:
    require(actor, MovementCap.PASS_ISSUE)
    if district is None or not jurisdiction_of(actor).covers("district", district.pk):
        raise DomainError(_("只能为本人辖区的区县签发通行证"), field="district", rule="movement.pass_district")
    plate = check_plate(plate)
    try:
        number = check_id_input(driver_id)
    except InvalidDocument as exc:
        raise DomainError(str(exc), field="driver_id", rule="movement.driver_id") from exc
    driver_name = (driver_name or "").strip()
    if not driver_name:
        raise DomainError(_("请填写驾驶人姓名"), field="driver_name", rule="movement.driver_name")
    for field, value, label in (("purpose", purpose, _("事由")), ("origin", origin, _("起点")), ("destination", destination, _("终点"))):
        if not (value or "").strip():
            raise DomainError(_("请填写%(f)s") % {"f": label}, field=field, rule="movement.pass_trip")
    if valid_until <= valid_from:
        raise DomainError(_("有效期的结束时间须晚于开始时间"), field="valid_until", rule="movement.pass_window")
    limit = rule("movement.pass_max_hours")
    if valid_until - valid_from > dt.timedelta(hours=float(limit.value)):
        raise DomainError(
            _("一证仅限一次行程：有效期不得超过 %(h)s 小时") % {"h": limit.value},
            field="valid_until",
            rule="movement.pass_max_hours",
            source=limit.citation,
        )
    if valid_until <= now():
        raise DomainError(_("有效期已过，请重新填写"), field="valid_until", rule="movement.pass_window")
    other = _overlapping(plate, valid_from, valid_until)
    if other is not None:
        raise DomainError(
            _("车辆 %(plate)s 已有通行证 %(no)s，行程时间重叠（一车一事一证）") % {"plate": plate, "no": other.number},
            field="plate",
            rule="movement.one_pass_per_vehicle",
        )
    vehicle_pass = VehiclePass.objects.create(
        plate=plate,
        purpose=purpose.strip()[:200],
        origin=origin.strip()[:120],
        destination=destination.strip()[:120],
        valid_from=valid_from,
        valid_until=valid_until,
        driver_name=driver_name[:64],
        driver_id_cipher=encrypt(number),
        driver_id_hash=id_key(number),
        driver_id_masked=mask_id_number(number),
        district_id=district.pk,
        requested_by=actor,
    )
    audit_record(actor=actor, event_type=MovementEvent.PASS_REQUESTED, obj=vehicle_pass, after={"plate": plate, "purpose": purpose[:80]})
    return vehicle_pass


def _locked(vehicle_pass: VehiclePass) -> VehiclePass:
    return VehiclePass.objects.select_for_update().get(pk=vehicle_pass.pk)


@transaction.atomic
def pass_approve(*, actor: Any, vehicle_pass: VehiclePass) -> VehiclePass:
    """Approve and sign: the pass's code is valid from now on (its serial moves, so no earlier code
    of this pass opens it)."""
    require(actor, MovementCap.PASS_APPROVE)
    vp = _locked(vehicle_pass)
    check_transition(
        PASS_TRANSITIONS, vp.status, PassStatus.APPROVED, labels=PassStatus, what=_("通行证"), action=_("审批"), rule="movement.pass_status"
    )
    if vp.requested_by_id is not None and vp.requested_by_id == getattr(actor, "pk", None):
        raise DomainError(_("通行证须由申请人以外的另一名工作人员审批"), rule="movement.four_eyes")
    if vp.valid_until <= now():
        raise DomainError(_("有效期已过，不能再审批"), field="valid_until", rule="movement.pass_window")
    other = _overlapping(vp.plate, vp.valid_from, vp.valid_until, exclude=vp.pk)
    if other is not None and other.status == PassStatus.APPROVED:
        raise DomainError(_("车辆已有行程时间重叠的有效通行证 %(no)s") % {"no": other.number}, rule="movement.one_pass_per_vehicle")
    vp.status = PassStatus.APPROVED
    vp.serial += 1
    vp.approved_by = actor
    vp.approved_at = now()
    vp.save(update_fields=["status", "serial", "approved_by", "approved_at", "updated_at"])
    audit_record(
        actor=actor, event_type=MovementEvent.PASS_APPROVED, obj=vp, before={"status": PassStatus.REQUESTED}, after={"status": vp.status}
    )
    return vp


@transaction.atomic
def pass_revoke(*, actor: Any, vehicle_pass: VehiclePass, reason: str) -> VehiclePass:
    require(actor, MovementCap.PASS_APPROVE)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写撤销理由"), field="reason", rule="movement.revoke_reason")
    vp = _locked(vehicle_pass)
    before = vp.status
    check_transition(
        PASS_TRANSITIONS, vp.status, PassStatus.REVOKED, labels=PassStatus, what=_("通行证"), action=_("撤销"), rule="movement.pass_status"
    )
    vp.status = PassStatus.REVOKED
    vp.revoked_at = now()
    vp.revoke_reason = reason[:200]
    vp.save(update_fields=["status", "revoked_at", "revoke_reason", "updated_at"])
    audit_record(
        actor=actor,
        event_type=MovementEvent.PASS_REVOKED,
        obj=vp,
        before={"status": before},
        after={"status": vp.status},
        reason=reason[:200],
    )
    return vp
