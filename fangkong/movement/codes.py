"""What a pass's QR code and the checkpoints' revocation list say, signed (fangkong.movement.signing).

A pass's code carries what a checkpoint must show — plate, masked driver (name and ID number),
purpose, route, validity (Unix seconds) and the pass number — and the pass's id and serial, so the
server finds the pass and refuses a code signed before a re-issue. The revocation list names the
passes a checkpoint must refuse offline: revoked ones and those whose trip is completed (a second
use), for as long as they would otherwise still be valid."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import qrcode
import qrcode.image.svg

from fangkong.core.clock import now

from . import signing
from .choices import PassStatus
from .models import VehiclePass
from .services.passes import masked_name


def pass_payload(vp: VehiclePass) -> dict[str, Any]:
    return {
        "typ": "pass",
        "id": vp.pk,
        "no": vp.number,
        "s": vp.serial,
        "plate": vp.plate,
        "drv": masked_name(vp.driver_name),
        "dri": vp.driver_id_masked,
        "pur": vp.purpose,
        "from": vp.origin,
        "to": vp.destination,
        "nb": int(vp.valid_from.timestamp()),
        "na": int(vp.valid_until.timestamp()),
    }


def pass_token(vp: VehiclePass) -> str:
    """The signed code of an approved pass ("" before approval: nothing to show a checkpoint)."""
    if vp.status == PassStatus.REQUESTED or not vp.serial:
        return ""
    return signing.sign(pass_payload(vp))


def qr_svg(text: str) -> str:
    """An inline SVG QR code (no image files, nothing fetched)."""
    image = qrcode.make(
        text, image_factory=qrcode.image.svg.SvgPathImage, box_size=6, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def revocation_payload(*, at: dt.datetime | None = None) -> dict[str, Any]:
    at = at or now()
    rows = (
        VehiclePass.objects.filter(status__in=(PassStatus.REVOKED, PassStatus.COMPLETED), valid_until__gt=at - dt.timedelta(days=1))
        .order_by("pk")
        .values_list("pk", "status")
    )
    revoked, done = [], []
    for pk, status in rows:
        (revoked if status == PassStatus.REVOKED else done).append(pk)
    return {"typ": "revocations", "at": int(at.timestamp()), "revoked": revoked, "completed": done}


def revocation_token(*, at: dt.datetime | None = None) -> str:
    return signing.sign(revocation_payload(at=at))
