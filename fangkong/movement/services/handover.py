"""The handover at the destination, confirmed by the receiving unit (闭环): it enters the count that
arrived and ticks each name it received (shown masked) — the count must equal the boarded count and
every boarded person be ticked, or the confirmation is refused naming the field, and the people left
unticked are recorded as unaccounted (未到) while the batch stays "交接待确认".

Who confirms is the receiving unit, never the sending office:
- in this city, a user of the receiving unit's district (or holding a grant on the unit itself) on the
  batch's receiving page — a user whose grant also covers the sending side is refused;
- elsewhere, whoever holds the unit's one-time link (HandoverLink), sent with the departure notice to
  the unit's own signed webhook: a token signed with the site's secret (django.core.signing) of the
  link's id and a random nonce — no name, no ID number — valid HANDOVER_LINK_AGE and spent by the one
  confirmation it records. The sending office never sees it.
Each confirmation, accepted or refused, writes an audit event."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.models import AuditEvent
from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.scoping import jurisdiction_of

from ..choices import BatchStatus, MemberStatus, NoticeKind
from ..events import MovementEvent
from ..models import BatchMember, HandoverLink, ReceivingUnit, TransferBatch
from ..notices import active_receiver, notify_destination
from ..permissions import MovementCap
from ..selectors import batches_to_receive
from .passes import masked_name

LINK_SALT = "fangkong.movement.handover-link"
HANDOVER_LINK_AGE = dt.timedelta(days=3)
LINK_RULE = "movement.handover_link"


# ---- the one-time link (receiving units outside this city) ----


def link_issue(batch: TransferBatch, *, at: dt.datetime, actor: Any = None) -> HandoverLink | None:
    """Called inside batch_depart's transaction: a link for a receiving unit outside this city (an
    in-city unit confirms in the platform); any earlier unused link of the batch stops working."""
    receiver = batch.receiver
    if receiver is None or receiver.district_id is not None:
        return None
    HandoverLink.objects.filter(batch=batch, used_at__isnull=True, expires_at__gt=at).update(expires_at=at)
    link = HandoverLink.objects.create(batch=batch, nonce=secrets.token_hex(16), created_at=at, expires_at=at + HANDOVER_LINK_AGE)
    audit_record(
        actor=actor,
        event_type=MovementEvent.BATCH_HANDOVER_LINK_ISSUED,
        obj=batch,
        after={"link": link.pk, "expires": str(link.expires_at)},
    )
    return link


@transaction.atomic
def link_resend(*, actor: Any, batch: TransferBatch) -> HandoverLink:
    """The sending office asks for a new link (the old one expired or was lost): the old stops working,
    and a new departure notice carries the new one to the receiving unit's webhook — the sending office
    never sees it."""
    require(actor, MovementCap.ORGANISE)
    batch = TransferBatch.objects.visible_to(actor).select_for_update(of=("self",)).select_related("receiver").filter(pk=batch.pk).first()
    if batch is None:
        raise PermissionRefused(_("只能为本辖区的批次重新发送链接"), rule=LINK_RULE)
    if batch.status != BatchStatus.IN_TRANSIT:
        raise DomainError(_("批次当前为“%(s)s”，不能确认交接") % {"s": BatchStatus(batch.status).label}, field="status", rule=LINK_RULE)
    if batch.receiver is None:
        raise DomainError(_("该批次尚未指定接收单位：请先指定接收单位，由其确认交接"), field="receiver", rule="movement.handover_receiver")
    if batch.receiver.district_id is not None:
        raise DomainError(_("本市接收单位在平台内确认交接，无需链接"), field="receiver", rule=LINK_RULE)
    at = now()
    link = link_issue(batch, at=at, actor=actor)
    notify_destination(NoticeKind.BATCH_DEPARTED, at=at, people=len(boarded_members(batch)), batch=batch)
    return link


@transaction.atomic
def batch_set_receiver(*, actor: Any, batch: TransferBatch, receiver: ReceivingUnit | None) -> TransferBatch:
    """A batch that left before a receiving unit was required (in transit, none named) could never be
    confirmed: the sending office names its receiving unit now (audited), which is told as at a
    departure — with the one-time link when it lies outside this city — and confirms as usual.
    A receiving unit once named is not changed here."""
    require(actor, MovementCap.ORGANISE)
    batch = TransferBatch.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=batch.pk).first()
    if batch is None:
        raise PermissionRefused(_("只能为本辖区的批次指定接收单位"), rule="movement.handover_receiver")
    if batch.status != BatchStatus.IN_TRANSIT:
        raise DomainError(
            _("批次当前为“%(s)s”，只有途中（交接待确认）的批次在此补指定接收单位") % {"s": BatchStatus(batch.status).label},
            field="status",
            rule="movement.batch_status",
        )
    if batch.receiver_id is not None:
        raise DomainError(_("该批次已指定接收单位"), field="receiver", rule="movement.handover_receiver")
    if receiver is None:
        raise DomainError(_("请选择接收单位"), field="receiver", rule="movement.handover_receiver")
    active_receiver(receiver)
    batch.receiver = receiver
    batch.save(update_fields=["receiver", "updated_at"])
    at = now()
    link_issue(batch, at=at, actor=actor)
    notify_destination(NoticeKind.BATCH_DEPARTED, at=at, people=len(boarded_members(batch)), batch=batch)
    audit_record(
        actor=actor,
        event_type=MovementEvent.BATCH_RECEIVER_SET,
        obj=batch,
        before={"receiver": None},
        after={"receiver": receiver.pk, "name": receiver.name, "in_city": receiver.district_id is not None},
    )
    return batch


def link_token(link: HandoverLink) -> str:
    return signing.dumps([link.pk, link.nonce], salt=LINK_SALT)


def link_from_token(token: str, *, at: dt.datetime | None = None) -> HandoverLink:
    """The link a genuine token opens — unexpired and unused — or a refusal saying which it is not."""
    try:
        pk, nonce = signing.loads(token, salt=LINK_SALT, max_age=HANDOVER_LINK_AGE)
        link = HandoverLink.objects.select_related("batch__receiver").filter(pk=int(pk), nonce=str(nonce)).first()
    except signing.SignatureExpired as exc:
        raise DomainError(_("交接确认链接已过期，请联系送出地防控办重新发送"), field="link", rule=LINK_RULE) from exc
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise DomainError(_("交接确认链接无效"), field="link", rule=LINK_RULE) from exc
    if link is None:
        raise DomainError(_("交接确认链接无效"), field="link", rule=LINK_RULE)
    _check_usable(link, at=at or now())
    return link


def _check_usable(link: HandoverLink, *, at: dt.datetime) -> None:
    """Unused and unexpired — a resend voids the old link by ending its validity (link_issue)."""
    if link.used_at is not None:
        raise DomainError(_("该交接确认链接已使用，交接已确认"), field="link", rule=LINK_RULE)
    if link.expires_at <= at:
        raise DomainError(_("交接确认链接已过期，请联系送出地防控办重新发送"), field="link", rule=LINK_RULE)


# ---- who arrives: the masked list the receiver ticks ----


def boarded_members(batch: TransferBatch) -> list[BatchMember]:
    return list(batch.members.filter(status=MemberStatus.BOARDED).select_related("person").order_by("id"))


def handover_sheet(batch: TransferBatch) -> list[dict[str, Any]]:
    """What the receiving unit sees: each boarded person's masked name, nothing else of them."""
    return [{"id": m.pk, "name": masked_name(m.person.name), "unaccounted": m.unaccounted_at is not None} for m in boarded_members(batch)]


# ---- the confirmation ----


def _reconcile(
    batch: TransferBatch, *, count: int | None, arrived: Collection[int], who: Any, confirmed_by: str, at: dt.datetime
) -> DomainError | None:
    """Inside the caller's transaction, the batch locked: hand over, or record who is unaccounted and
    return the refusal (the caller raises it after the commit, so the record stays)."""
    if batch.status != BatchStatus.IN_TRANSIT:
        return DomainError(
            _("批次当前为“%(s)s”，不能确认交接") % {"s": BatchStatus(batch.status).label}, field="status", rule="movement.batch_status"
        )
    boarded = boarded_members(batch)
    ids = {m.pk for m in boarded}
    arrived = {int(a) for a in arrived}
    if arrived - ids:
        return DomainError(_("勾选了不在本批登车名单上的人员"), field="names", rule="movement.handover_names")
    missing = [m for m in boarded if m.pk not in arrived]
    refusal = None
    if count is None:
        refusal = DomainError(_("请填写实到人数"), field="count", rule="movement.handover_count")
    elif count != len(boarded):
        refusal = DomainError(
            _("实到人数 %(n)s 与登车人数 %(b)s 不符，请核对") % {"n": count, "b": len(boarded)},
            field="count",
            rule="movement.handover_count",
        )
    if missing and refusal is None:
        refusal = DomainError(
            _("名单未全部核对：%(n)s 未勾选为已到达") % {"n": "、".join(masked_name(m.person.name) for m in missing)},
            field="names",
            rule="movement.handover_names",
        )
    if refusal is not None:
        if missing:
            BatchMember.objects.filter(pk__in=[m.pk for m in missing], unaccounted_at__isnull=True).update(unaccounted_at=at)
        audit_record(
            actor=who,
            event_type=MovementEvent.BATCH_HANDOVER_REFUSED,
            obj=batch,
            count=len(missing),
            after={"field": refusal.field, "count": count, "boarded": len(boarded), "unaccounted": len(missing), "by": confirmed_by[:64]},
        )
        return refusal
    BatchMember.objects.filter(pk__in=ids).update(status=MemberStatus.ARRIVED, unaccounted_at=None)
    batch.status, batch.handed_over_at, batch.handover_count, batch.handover_confirmed_by = (
        BatchStatus.HANDED_OVER,
        at,
        count,
        confirmed_by[:64],
    )
    batch.handover_confirmed_by_user = who if getattr(who, "is_authenticated", False) else None
    batch.save(
        update_fields=["status", "handed_over_at", "handover_count", "handover_confirmed_by", "handover_confirmed_by_user", "updated_at"]
    )
    notify_destination(NoticeKind.BATCH_HANDED_OVER, at=at, people=len(boarded), batch=batch)
    audit_record(
        actor=who, event_type=MovementEvent.BATCH_HANDED_OVER, obj=batch, count=len(boarded), after={"confirmed_by": confirmed_by[:64]}
    )
    return None


WORK_EVENTS = (
    MovementEvent.BATCH_CREATED,
    MovementEvent.BATCH_CHECKED,
    MovementEvent.BATCH_PLANNED,
    MovementEvent.BATCH_BOARDED,
    MovementEvent.BATCH_DEPARTED,
    MovementEvent.BATCH_SPLIT,
    MovementEvent.BATCH_RECEIVER_SET,
)


def _within_one_district(batch: TransferBatch) -> bool:
    return batch.receiver is not None and batch.receiver.district_id is not None and batch.receiver.district_id == batch.district_id


def worked_by(batch: TransferBatch) -> set[int]:
    """The users who worked the batch on the sending side: its creator and the actor of each of its
    steps (the audit log's record of them)."""
    actors = set(
        AuditEvent.objects.filter(
            object_type=TransferBatch._meta.label_lower, object_id=str(batch.pk), event_type__in=WORK_EVENTS, actor__isnull=False
        ).values_list("actor_id", flat=True)
    )
    return actors | ({batch.created_by_id} if batch.created_by_id else set())


def batch_receive(*, actor: Any, batch: TransferBatch, count: int | None, arrived: Collection[int]) -> TransferBatch:
    """An in-city receiving unit's user confirms on the platform. The batch must be one this user
    receives (selectors.batches_to_receive): the sending office, another district or the command that
    covers the sending side is refused — except within one district (the receiving unit lies in the
    sending district, e.g. its quarantine hotel), where the district's users confirm but never one who
    worked the batch (four eyes)."""
    require(actor, MovementCap.ORGANISE)
    at = now()
    with transaction.atomic():
        locked = batches_to_receive(user=actor).select_for_update(of=("self",)).select_related("receiver").filter(pk=batch.pk).first()
        if locked is None:
            raise PermissionRefused(_("只有接收单位可以确认交接"), rule="movement.handover_receiver")
        if _within_one_district(locked):
            if actor.pk in worked_by(locked):
                raise PermissionRefused(
                    _("本区县内的交接须由未经办该批次（建批、检测、计划、登车、出发）的另一名工作人员确认"), rule="movement.four_eyes"
                )
        elif jurisdiction_of(actor).covers_place(
            district_id=locked.district_id, street_id=locked.street_id, community_id=locked.community_id
        ):
            raise PermissionRefused(_("只有接收单位可以确认交接"), rule="movement.handover_receiver")
        name = (actor.get_full_name() or actor.get_username()).strip()
        refusal = _reconcile(locked, count=count, arrived=arrived, who=actor, confirmed_by=name, at=at)
    if refusal is not None:
        raise refusal
    return locked


def batch_receive_by_link(*, token: str, count: int | None, arrived: Collection[int], confirmed_by: str) -> TransferBatch:
    """A receiving unit outside this city confirms through its one-time link, naming who confirms."""
    confirmed_by = (confirmed_by or "").strip()
    at = now()
    with transaction.atomic():
        found = link_from_token(token, at=at)
        # The same lock order as link_resend — the batch, then its links — or the two deadlock; and
        # the link is checked again once locked: a resend (or another confirmation) committed between
        # the read above and the lock has voided (or spent) it.
        batch = TransferBatch.objects.select_for_update(of=("self",)).select_related("receiver").get(pk=found.batch_id)
        link = HandoverLink.objects.select_for_update().get(pk=found.pk)
        at = now()
        _check_usable(link, at=at)
        if HandoverLink.objects.filter(batch_id=batch.pk, pk__gt=link.pk).exists():
            raise DomainError(_("该交接确认链接已作废：送出地防控办已重新发送新链接，请使用最新收到的链接"), field="link", rule=LINK_RULE)
        if not confirmed_by:
            raise DomainError(_("请填写接收单位确认人"), field="confirmed_by", rule="movement.handover")
        who = f"{_('接收单位链接')}：{batch.receiver.name if batch.receiver else ''}"
        refusal = _reconcile(batch, count=count, arrived=arrived, who=who, confirmed_by=confirmed_by, at=at)
        if refusal is None:
            link.used_at = at
            link.save(update_fields=["used_at"])
            batch.handover_link = link
            batch.save(update_fields=["handover_link"])
    if refusal is not None:
        raise refusal
    return batch
