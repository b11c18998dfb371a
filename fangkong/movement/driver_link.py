"""The driver's link (司机端通行证): the pass on the driver's phone, without an account.

The link is /movement/d/<token>/, the token signed with the site's secret (django.core.signing,
salt DRIVER_SALT) over the pass's id, its serial and the end of its validity — no personal data: a
pass number is not a person. It cannot be made without the secret; it stops working when the pass's
validity ends (the expiry it carries, checked again against the pass), when the pass is revoked or
its trip completed (read from the pass at every opening), and when the pass is signed again (a new
serial: the old link, like the old code, no longer opens it). The page shows what the printed pass
shows a checkpoint — the QR code, plate, masked driver (name and ID number, as the code carries
them), purpose, route, validity — and nothing the office alone sees (docs/security.md §"The driver's link")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing

from fangkong.core.clock import now

from .choices import PassStatus
from .models import VehiclePass

DRIVER_SALT = "fangkong.movement.driver-link"


def driver_token(vp: VehiclePass) -> str:
    """The link's token of an approved pass ("" otherwise: nothing to show yet, or any more)."""
    if vp.status != PassStatus.APPROVED or not vp.serial:
        return ""
    return signing.dumps([vp.pk, vp.serial, int(vp.valid_until.timestamp())], salt=DRIVER_SALT, compress=True)


@dataclass(frozen=True)
class Opened:
    """What a link opens: the pass, or why not (`refusal`: "expired", "revoked", "completed",
    "superseded"; `vp` None with refusal "invalid" for a link that is not ours)."""

    vp: VehiclePass | None
    refusal: str = ""


def open_link(token: str, *, at: dt.datetime | None = None) -> Opened:
    try:
        pk, serial, until = signing.loads(token, salt=DRIVER_SALT)
        pk, serial, until = int(pk), int(serial), int(until)
    except (signing.BadSignature, TypeError, ValueError):
        return Opened(None, "invalid")
    vp = VehiclePass.objects.select_related("district").filter(pk=pk).first()
    if vp is None:
        return Opened(None, "invalid")
    at = at or now()
    if vp.serial != serial:
        return Opened(vp, "superseded")
    if vp.status == PassStatus.REVOKED:
        return Opened(vp, "revoked")
    if vp.status == PassStatus.COMPLETED:
        return Opened(vp, "completed")
    if vp.status != PassStatus.APPROVED:
        return Opened(vp, "superseded")
    if at.timestamp() > until or at > vp.valid_until:
        return Opened(vp, "expired")
    return Opened(vp)
