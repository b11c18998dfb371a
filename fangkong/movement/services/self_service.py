"""Residents applying from their own phones (居民自助申请): the public page stores the application as
typed — nothing about the person is looked up, and a repeated or unknown number answers exactly
like any other (no oracle) — and it lands with the chosen community. Its worker confirms it against
the registry (the registered person of that number, in the worker's places, with that name): it is
then filed and decided like any departure application (`departure_file`), or turned down with the
reason, which the worker tells the resident by phone."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.crypto import Sealer, decrypt, mask_id_number, mask_phone
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.rows import RowError, RowsRefused
from fangkong.geo.idnumbers import InvalidDocument, check_id_input, normalise_phone
from fangkong.geo.lookup import id_key, id_keys
from fangkong.geo.models import Community, Person

from ..choices import SelfApplicationStatus, TravelMode
from ..events import MovementEvent
from ..models import DepartureApplication, SelfApplication
from ..permissions import MovementCap
from .departures import departure_file

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_DAYS_AHEAD = 60


@dataclass(frozen=True)
class OwnApplication:
    name: str
    id_number: str
    phone: str
    community_id: int | None
    mode: str
    destination: str
    travel_date: dt.date | None


def self_apply(app: OwnApplication) -> None:
    """Store a resident's application (no account). A malformed one is refused (RowsRefused, row 0,
    each field at fault); a well-formed one is stored — or, if the same number already waits in the
    same community, changes nothing — and the caller answers the same thank-you either way. One
    waiting per number and community, not per number: a stranger filing first with the resident's
    number in another community (whose worker can never confirm it) does not drop the resident's own."""
    errors: list[RowError] = []
    name = (app.name or "").strip()
    if not name or len(name) > 64 or _CONTROL.search(name):
        errors.append(RowError(0, "name", _("请填写姓名（不超过 64 个字）")))
    number = phone = ""
    try:
        number = check_id_input(app.id_number)
    except InvalidDocument as exc:
        errors.append(RowError(0, "id_number", exc.message))
    try:
        phone = normalise_phone(app.phone or "")
    except InvalidDocument:
        errors.append(RowError(0, "phone", _("手机号无效（11 位手机号或带区号的固话）")))
    community = Community.objects.filter(pk=app.community_id).first() if app.community_id else None
    if community is None:
        errors.append(RowError(0, "community", _("请选择居住社区")))
    if app.mode not in TravelMode.values:
        errors.append(RowError(0, "mode", _("请选择离开方式")))
    destination = (app.destination or "").strip()
    if not destination or len(destination) > 120 or _CONTROL.search(destination):
        errors.append(RowError(0, "destination", _("请填写目的地（不超过 120 个字）")))
    today = timezone.localdate()
    if app.travel_date is None or not today <= app.travel_date <= today + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors.append(RowError(0, "travel_date", _("出行日期须在今天到 %(n)s 天之内") % {"n": MAX_DAYS_AHEAD}))
    if errors:
        raise RowsRefused(errors, rule="movement.self_apply")
    sealer = Sealer()
    row = SelfApplication(
        name=name,
        id_cipher=sealer.encrypt(number),
        id_hash=id_key(number, sealer=sealer),
        id_masked=mask_id_number(number),
        phone_cipher=sealer.encrypt(phone),
        phone_masked=mask_phone(phone),
        mode=app.mode,
        destination=destination,
        travel_date=app.travel_date,
        district_id=community.district_id,
        street_id=community.street_id,
        community_id=community.pk,
    )
    try:
        with transaction.atomic():
            # The constraint sees one hash, the current key's; while a data-key rotation is under way a
            # waiting application may carry a retired key's (fangkong.geo.lookup.id_keys).
            waiting = SelfApplication.objects.filter(
                id_hash__in=id_keys(number, sealer=sealer), community_id=community.pk, status=SelfApplicationStatus.PENDING
            )
            if waiting.exists():
                raise IntegrityError("movement_selfapp_one_pending_per_community (under a retired data key)")
            row.save()
            audit_record(actor=None, event_type=MovementEvent.SELF_APPLIED, obj=row, after={"community": community.pk})
    except IntegrityError:  # the same number already waits in this community: nothing changes, the answer is the same
        with transaction.atomic():
            audit_record(actor=None, event_type=MovementEvent.SELF_APPLIED_AGAIN, object_type="movement.selfapplication")


def _pending(actor: Any, pk: int) -> SelfApplication:
    found = SelfApplication.objects.visible_to(actor).select_for_update().filter(pk=pk).first()
    if found is None:
        raise DomainError(_("找不到该申请"), rule="movement.scope")
    if found.status != SelfApplicationStatus.PENDING:
        raise DomainError(_("该申请已是“%(s)s”") % {"s": SelfApplicationStatus(found.status).label}, rule="movement.self_status")
    return found


@transaction.atomic
def self_confirm(*, actor: Any, pk: int) -> DepartureApplication:
    """The worker confirms: the registered person of the number, in the worker's places and the
    application's community, with the name given — then filed and decided (`departure_file`)."""
    require(actor, MovementCap.DEPART)
    row = _pending(actor, pk)
    # By the number, not the stored hash: mid-rotation the application and the person may be hashed under different keys.
    person = Person.objects.filter(id_hash__in=id_keys(decrypt(row.id_cipher)), community_id=row.community_id).visible_to(actor).first()
    if person is None:
        raise DomainError(_("本社区没有登记该证件号码的居民，请电话联系申请人核实"), field="id_number", rule="movement.self_person")
    if person.name != row.name:
        raise DomainError(_("姓名与登记信息不符，请电话联系申请人核实"), field="name", rule="movement.self_person")
    application = departure_file(actor=actor, person=person, mode=row.mode, destination=row.destination, travel_date=row.travel_date)
    row.status, row.application, row.reviewed_by, row.reviewed_at = SelfApplicationStatus.CONFIRMED, application, actor, now()
    row.save(update_fields=["status", "application", "reviewed_by", "reviewed_at"])
    audit_record(actor=actor, event_type=MovementEvent.SELF_CONFIRMED, obj=row, after={"application": application.pk})
    return application


@transaction.atomic
def self_reject(*, actor: Any, pk: int, reason: str) -> None:
    require(actor, MovementCap.DEPART)
    row = _pending(actor, pk)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写未通过的原因（将电话告知申请人）"), field="reason", rule="movement.self_reject")
    row.status, row.reject_reason, row.reviewed_by, row.reviewed_at = SelfApplicationStatus.REJECTED, reason[:200], actor, now()
    row.save(update_fields=["status", "reject_reason", "reviewed_by", "reviewed_at"])
    audit_record(actor=actor, event_type=MovementEvent.SELF_REJECTED, obj=row)
