"""A pass shown at a checkpoint: the code's signature, then the pass itself — approved, not revoked,
its trip not completed, within its validity window, the plate seen and the driver's ID number the
pass's (no lending). Every scan is recorded, passed or refused; a refused one is flagged and audited
for the issuing office. A scan queued on a phone while offline comes with the phone's time of the
scan and its own id (`client_ref`): sent twice, it is recorded once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import CLOCK_SKEW, now
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.geo.idnumbers import InvalidDocument, check_id_input
from fangkong.geo.lookup import id_keys
from fangkong.geo.plates import normalise_plate

from .. import signing
from ..choices import PassStatus, ScanOutcome, ScanRefusal
from ..events import MovementEvent
from ..models import Checkpoint, PassScan, VehiclePass
from ..permissions import MovementCap
from .checkpoints import require_approved

# The columns a scan reads (the rules of `_refusal`, the answer's number and plate): a narrower
# statement to build and to send back on the hottest request of a checkpoint. A caller reading
# another field of the result's pass has it read then.
SCAN_PASS_FIELDS = ("id", "serial", "plate", "status", "valid_from", "valid_until", "driver_id_hash")
SCAN_CHECKPOINT_FIELDS = ("id", "status", "district_id", "street_id", "community_id")

# How long a phone may hold a scan before sending it (a shift); older ones are refused as a request.
OFFLINE_HOLD = dt.timedelta(hours=24)


@dataclass(frozen=True)
class ScanResult:
    scan: PassScan
    vehicle_pass: VehiclePass | None

    @property
    def passed(self) -> bool:
        return self.scan.outcome != ScanOutcome.REFUSED

    @property
    def message(self) -> str:
        if self.scan.outcome == ScanOutcome.REFUSED:
            return str(ScanRefusal(self.scan.refusal).label)
        return str(ScanOutcome(self.scan.outcome).label)


def _refusal(vp: VehiclePass, payload: dict[str, Any], *, at: dt.datetime, plate: str, driver_hashes: list[str]) -> str:
    """Why this pass may not pass now ("" when it may). The order is what the checkpoint should
    hear first: a code no longer valid, then the vehicle and the driver. `driver_hashes` are the
    shown driver's number hashed under each key of the ring: while a data-key rotation is under way
    the pass may still carry a retired key's hash (fangkong.geo.lookup.id_keys)."""
    if payload.get("s") != vp.serial or payload.get("plate") != vp.plate:
        return ScanRefusal.SUPERSEDED
    if vp.status == PassStatus.REQUESTED:
        return ScanRefusal.NOT_APPROVED
    if vp.status == PassStatus.REVOKED:
        return ScanRefusal.REVOKED
    if vp.status == PassStatus.COMPLETED:
        return ScanRefusal.REUSED
    if at > vp.valid_until + CLOCK_SKEW:
        return ScanRefusal.EXPIRED
    if at < vp.valid_from - CLOCK_SKEW:
        return ScanRefusal.NOT_YET_VALID
    if plate and plate != vp.plate:
        return ScanRefusal.WRONG_PLATE
    if driver_hashes and vp.driver_id_hash not in driver_hashes:
        return ScanRefusal.WRONG_DRIVER
    return ""


def _scan_time(scanned_at: dt.datetime | None, recorded: dt.datetime) -> dt.datetime:
    if scanned_at is None:
        return recorded
    if scanned_at > recorded + CLOCK_SKEW:
        raise DomainError(_("核验时间晚于当前时间，请检查手机时间"), field="scanned_at", rule="time.not_in_future")
    if scanned_at < recorded - OFFLINE_HOLD:
        raise DomainError(_("离线核验记录超过 24 小时未上传，不再受理，请当面重新核验"), field="scanned_at", rule="movement.offline_hold")
    return scanned_at


def pass_scan(
    *,
    actor: Any,
    checkpoint: Checkpoint,
    token: str,
    client_ref: str,
    plate: str = "",
    driver_id: str = "",
    arrived: bool = False,
    scanned_at: dt.datetime | None = None,
) -> ScanResult:
    """Verify and record one scan. Refusals of the request itself (a malformed ID number, a time in
    the future) raise DomainError and record nothing; a refused pass is recorded and answered."""
    require(actor, MovementCap.CHECK)
    require_approved(checkpoint)  # a proposed or rejected checkpoint records nothing
    client_ref = (client_ref or "").strip()[:64]
    if not client_ref:
        raise DomainError(_("缺少核验编号"), field="client_ref", rule="movement.client_ref")
    # A scan sent again (the phone's queue retried) is found by its client_ref's unique index when
    # its row is written, not looked up first: one round trip less for every first sending.
    recorded = now()
    try:
        at = _scan_time(scanned_at, recorded)
        driver_hashes: list[str] = []
        if (driver_id or "").strip():
            try:
                driver_hashes = id_keys(check_id_input(driver_id))
            except InvalidDocument as exc:
                raise DomainError(str(exc), field="driver_id", rule="movement.driver_id") from exc
    except DomainError:
        sent = _sent_before(actor, client_ref)  # recorded when it was sent first: answered as then
        if sent is not None:
            return sent
        raise
    plate = normalise_plate(plate)
    try:
        with transaction.atomic():
            return _record(actor, checkpoint, token, client_ref, plate, driver_hashes, arrived, at, recorded)
    except IntegrityError:  # the same scan sent before, or twice at once
        sent = _sent_before(actor, client_ref)
        if sent is None:
            raise
        return sent


def _sent_before(actor: Any, client_ref: str) -> ScanResult | None:
    """The scan recorded under `client_ref` (None: none), if it is this actor's."""
    existing = PassScan.objects.filter(client_ref=client_ref).select_related("vehicle_pass").first()
    if existing is None:
        return None
    if existing.actor_id != getattr(actor, "pk", None):
        raise DomainError(_("核验编号重复"), field="client_ref", rule="movement.client_ref")
    return ScanResult(existing, existing.vehicle_pass)


def _record(
    actor: Any,
    checkpoint: Checkpoint,
    token: str,
    client_ref: str,
    plate: str,
    driver_hashes: list[str],
    arrived: bool,
    at: dt.datetime,
    recorded: dt.datetime,
) -> ScanResult:
    vp: VehiclePass | None = None
    try:
        payload = signing.verify(token, typ="pass")
    except signing.BadToken:
        refusal = ScanRefusal.FORGED
    else:
        vp = (
            VehiclePass.objects.select_for_update().only(*SCAN_PASS_FIELDS).filter(pk=payload.get("id")).first()
            if isinstance(payload.get("id"), int)
            else None
        )
        refusal = ScanRefusal.UNKNOWN if vp is None else _refusal(vp, payload, at=at, plate=plate, driver_hashes=driver_hashes)
    outcome = ScanOutcome.REFUSED if refusal else (ScanOutcome.ARRIVED if arrived else ScanOutcome.PASSED)
    scan = PassScan.objects.create(
        vehicle_pass=vp,
        checkpoint=checkpoint,
        client_ref=client_ref,
        scanned_at=at,
        recorded_at=recorded,
        offline=at < recorded - dt.timedelta(minutes=1),
        outcome=outcome,
        refusal=refusal,
        plate_seen=plate,
        driver_checked=bool(driver_hashes),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        district_id=checkpoint.district_id,
        street_id=checkpoint.street_id,
        community_id=checkpoint.community_id,
    )
    if outcome == ScanOutcome.ARRIVED and vp is not None:
        vp.status = PassStatus.COMPLETED
        vp.completed_at = at
        vp.save(update_fields=["status", "completed_at", "updated_at"])
    audit_record(
        actor=actor,
        event_type=MovementEvent.PASS_SCAN_REFUSED if refusal else MovementEvent.PASS_SCANNED,
        obj=vp,
        object_type="" if vp is not None else "movement.passscan",
        object_id="" if vp is not None else scan.pk,
        object_repr="" if vp is not None else _("无法识别的通行证"),
        after={"checkpoint": checkpoint.pk, "outcome": outcome, "refusal": refusal, "scan": scan.pk},
    )
    return ScanResult(scan, vp)
