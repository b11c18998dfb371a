"""Writes of residents' requests and their doorstep delivery (打通"最后一米"): a request taken by
phone or raised by the pair is routed to the pair's member (else the compound's work group) and is
due by the policy's deadline for its kind; the deliverer leaves it at the building or home door, or
— where the compound is under control (a sealed or controlled area in force) — hands it over at the
compound gate to the grid worker ("与网格员对接后交接了物资"); the recipient or the grid worker
confirms. A deliverer who may not see the ledger's residents (a volunteer) records, confirms or
cancels only the deliveries routed to them (`livelihood.delivery_routed`). Moves follow
REQUEST_TRANSITIONS; times may not precede the request nor lie ahead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import aware, not_before, not_in_future, now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require, user_can
from fangkong.core.roles import Role
from fangkong.core.texts import clean_text
from fangkong.core.transitions import check_transition
from fangkong.geo.selectors import people_places
from fangkong.zoning.choices import UNDER_CONTROL
from fangkong.zoning.selectors import area_at

from ..choices import REQUEST_TRANSITIONS, ConfirmedBy, EntryStatus, Handover, RequestChannel, RequestKind, RequestStatus
from ..deadlines import request_deadline
from ..events import LivelihoodEvent
from ..models import GroupMember, LedgerEntry, Pairing, ServiceGroup, StockMovement, SupplyItem, SupportRequest, Warehouse
from ..permissions import LivelihoodCap
from ..selectors import routed_to
from .common import covered_row
from .stock import issue_from_stock, return_to_stock

GATE_RULE = "livelihood.gate_handover"
ORDER_RULE = "livelihood.request_order"
PACKS_RULE = "livelihood.delivery_packs"
REASSIGN_RULE = "livelihood.request_reassign"
ROUTED_RULE = "livelihood.delivery_routed"


def _move(request: SupportRequest, target: str, action: str) -> None:
    check_transition(
        REQUEST_TRANSITIONS,
        request.status,
        target,
        labels=RequestStatus,
        what=_("该需求"),
        action=action,
        rule="livelihood.request_transition",
    )


def under_control(entry: LedgerEntry, at: dt.datetime) -> str:
    """The name of the sealed or controlled area in force over the resident's home at `at` ("" when none)."""
    places = people_places([entry.person_id]).get(entry.person_id)
    if places is None:
        return ""
    match = area_at(places, at)
    return match.area_name if match is not None and match.area_class in UNDER_CONTROL else ""


@transaction.atomic
def request_add(
    *, actor: Any, entry: LedgerEntry, kind: str, items: str, channel: str = RequestChannel.PHONE, requested_at: dt.datetime | None = None
) -> SupportRequest:
    require(actor, LivelihoodCap.LEDGER)
    covered_row(actor, entry, field="entry", what=_("该居民"))
    if entry.status != EntryStatus.ACTIVE:
        raise DomainError(_("该居民已从台账销号"), field="entry")
    if kind not in RequestKind.values:
        raise DomainError(_("需求类型无效"), field="kind")
    if channel not in RequestChannel.values:
        raise DomainError(_("需求来源无效"), field="channel")
    text = clean_text(items, field="items", label=_("所需物品"), max_length=300)
    at = aware(requested_at, field="requested_at") if requested_at else now()
    not_in_future(at, field="requested_at", label=_("登记时间"))
    deadline = request_deadline(kind, at)
    pairing = Pairing.objects.filter(entry=entry, ended_at__isnull=True).select_related("member").first()
    member = pairing.member if pairing else None
    group = member.group if member else ServiceGroup.objects.filter(compound_id=entry.compound_id).order_by("id").first()
    req = SupportRequest.objects.create(
        entry=entry,
        kind=kind,
        items=text,
        channel=channel,
        member=member,
        group=group,
        requested_at=at,
        due_at=deadline.due_at,
        deadline_basis=deadline.basis,
        district_id=entry.district_id,
        street_id=entry.street_id,
        community_id=entry.community_id,
        grid_id=entry.grid_id,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.REQUEST_ADDED,
        obj=req,
        after={
            "entry": entry.pk,
            "kind": kind,
            "channel": channel,
            "due_at": req.due_at,
            "member": member.pk if member else None,
            "group": group.pk if group else None,
        },
    )
    return req


def _locked(request: SupportRequest, actor: Any) -> SupportRequest:
    req = SupportRequest.objects.select_for_update().select_related("entry").get(pk=request.pk)
    covered_row(actor, req, field="request", what=_("该需求"))
    return req


def _delivering(request: SupportRequest, actor: Any) -> SupportRequest:
    """The request locked for a delivery's write (record, confirm, cancel). A deliverer who may not
    see the ledger's residents (no livelihood.details: a volunteer) acts only on the requests their
    phone page lists — routed to them or their group, or delivered by them today (`routed_to`); a
    grid or community worker on any request of their grant (the grid worker confirms the gate
    handovers of their grid)."""
    req = _locked(request, actor)
    if not user_can(actor, LivelihoodCap.DETAILS) and not routed_to(actor).filter(pk=req.pk).exists():
        raise PermissionRefused(_("该需求没有派给您或您所在的工作组"), field="request", rule=ROUTED_RULE)
    return req


@transaction.atomic
def request_deliver(
    *,
    actor: Any,
    request: SupportRequest,
    handover: str,
    handed_to: str = "",
    delivered_at: dt.datetime | None = None,
    warehouse: Warehouse | None = None,
    packs: Iterable[tuple[SupplyItem, Any]] = (),
) -> SupportRequest:
    """The deliverer records the delivery: at the door, or at the gate to a named grid worker (the
    only handover where the compound is under control). The packs it carries (daily-necessity
    packs, medicine) are issued from a warehouse of the resident's district in the same
    transaction, each movement linked to the delivery: too little stock refuses the delivery."""
    require(actor, LivelihoodCap.DELIVER)
    req = _delivering(request, actor)
    _move(req, RequestStatus.DELIVERED, _("登记送达"))
    if handover not in Handover.values:
        raise DomainError(_("请选择交接方式"), field="handover")
    at = aware(delivered_at, field="delivered_at") if delivered_at else now()
    not_in_future(at, field="delivered_at", label=_("送达时间"))
    not_before(at, req.requested_at, field="delivered_at", label=_("送达时间"), earlier_label=_("登记时间"))
    area = under_control(req.entry, at)
    if area and handover != Handover.GATE:
        raise DomainError(_("该居民所在的“%(a)s”正在管控，物资须在小区门口交给网格员") % {"a": area}, field="handover", rule=GATE_RULE)
    handed_to = clean_text(handed_to, field="handed_to", label=_("交接网格员"), required=handover == Handover.GATE)
    req.status = RequestStatus.DELIVERED
    req.handover = handover
    req.handed_to = handed_to if handover == Handover.GATE else ""
    req.delivered_at = at
    req.delivered_by = actor if getattr(actor, "is_authenticated", False) else None
    req.save(update_fields=["status", "handover", "handed_to", "delivered_at", "delivered_by", "updated_at"])
    issued = _issue_packs(actor, req, warehouse, list(packs))
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.REQUEST_DELIVERED,
        obj=req,
        before={"status": RequestStatus.OPEN},
        after={"status": req.status, "handover": handover, "delivered_at": at, "late": at > req.due_at, "packs": issued},
    )
    return req


def _issue_packs(actor: Any, req: SupportRequest, warehouse: Warehouse | None, packs: list[tuple[SupplyItem, Any]]) -> dict[str, int]:
    """Issue a delivery's packs from `warehouse` (of the resident's district), linked to it."""
    if not packs:
        return {}
    if warehouse is None:
        raise DomainError(_("请选择出库仓库"), field="warehouse", rule=PACKS_RULE)
    if warehouse.district_id != req.district_id:
        raise DomainError(_("配送物资只能从居民所在区县的仓库出库"), field="warehouse", rule=PACKS_RULE)
    issued: dict[str, int] = {}
    for i, (item, qty) in enumerate(packs):
        if item.code in issued:
            raise DomainError(_("同一物资只能填写一行：%(item)s") % {"item": item.name}, field=f"pack_{i}")
        move = issue_from_stock(
            actor=actor,
            warehouse=warehouse,
            item=item,
            quantity=qty,
            to_unit=_("上门配送 需求 #%(n)s") % {"n": req.pk},
            field=f"pack_{i}",
            delivery=req,
        )
        issued[item.code] = -move.quantity
    return issued


@dataclass(frozen=True)
class PackOut:
    warehouse: Warehouse
    item: SupplyItem
    quantity: int
    counterparty: str


def packs_out(req: SupportRequest) -> list[PackOut]:
    """What the delivery still holds from stock: per warehouse and item, the negated sum of its
    movements (issues less returns), so a delivery cancelled twice never returns twice."""
    rows = (
        StockMovement.objects.filter(delivery=req)
        .values("warehouse_id", "item_id")
        .annotate(n=Sum("quantity"), unit=Max("counterparty"))
        .filter(n__lt=0)
        .order_by("warehouse_id", "item_id")
    )
    found = list(rows)
    warehouses = Warehouse.objects.in_bulk({r["warehouse_id"] for r in found})
    items = SupplyItem.objects.in_bulk({r["item_id"] for r in found})
    return [PackOut(warehouses[r["warehouse_id"]], items[r["item_id"]], -r["n"], r["unit"]) for r in found]


@transaction.atomic
def delivery_cancel(*, actor: Any, request: SupportRequest, reason: str) -> SupportRequest:
    """A delivery recorded but not confirmed is cancelled (recorded in error, the goods brought
    back): its packs go back to the warehouse they came from (a RETURN movement each) and the
    request is open again, due as before."""
    require(actor, LivelihoodCap.DELIVER)
    req = _delivering(request, actor)
    _move(req, RequestStatus.OPEN, _("撤销配送"))
    reason = clean_text(reason, field="reason", label=_("撤销原因"), max_length=200)
    before = {"status": req.status, "handover": req.handover, "delivered_at": req.delivered_at}
    returned: dict[str, int] = {}
    for out in packs_out(req):
        return_to_stock(
            actor=actor, warehouse=out.warehouse, item=out.item, quantity=out.quantity, from_unit=out.counterparty, delivery=req
        )
        returned[out.item.code] = out.quantity
    req.status = RequestStatus.OPEN
    req.handover = ""
    req.handed_to = ""
    req.delivered_at = None
    req.delivered_by = None
    req.save(update_fields=["status", "handover", "handed_to", "delivered_at", "delivered_by", "updated_at"])
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.DELIVERY_CANCELLED,
        obj=req,
        before=before,
        after={"status": req.status, "returned": returned},
        reason=reason,
    )
    return req


@transaction.atomic
def request_reassign(*, actor: Any, request: SupportRequest, member: GroupMember, reason: str) -> SupportRequest:
    """Route an open request to another member of a work group of the resident's community."""
    require(actor, LivelihoodCap.LEDGER)
    req = _locked(request, actor)
    if req.status != RequestStatus.OPEN:
        raise DomainError(
            _("该需求当前为“%(cur)s”，不能改派") % {"cur": RequestStatus(req.status).label}, rule="livelihood.request_transition"
        )
    group = member.group
    if group.community_id != req.community_id:
        raise DomainError(_("只能改派给本社区工作组的成员"), field="member", rule=REASSIGN_RULE)
    if member.pk == req.member_id:
        raise DomainError(_("该需求已派给%(who)s") % {"who": member.name}, field="member")
    reason = clean_text(reason, field="reason", label=_("改派原因"), max_length=200)
    before = {"member": req.member_id, "group": req.group_id}
    req.member = member
    req.group = group
    req.save(update_fields=["member", "group", "updated_at"])
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.REQUEST_REASSIGNED,
        obj=req,
        before=before,
        after={"member": member.pk, "group": group.pk},
        reason=reason,
    )
    return req


@transaction.atomic
def request_confirm(*, actor: Any, request: SupportRequest, by: str, confirmed_at: dt.datetime | None = None) -> SupportRequest:
    """The recipient (recorded by whoever hears it) or the grid worker who took it at the gate
    confirms. A gate handover is confirmed by a grid worker (a 网格员 account) and by no one else."""
    require(actor, LivelihoodCap.DELIVER)
    req = _delivering(request, actor)
    _move(req, RequestStatus.CONFIRMED, _("确认收到"))
    if by not in ConfirmedBy.values:
        raise DomainError(_("请选择确认方"), field="by")
    if req.handover == Handover.GATE and by != ConfirmedBy.GRID_WORKER:
        raise DomainError(_("小区门口交接的物资须由网格员确认"), field="by", rule=GATE_RULE)
    if by == ConfirmedBy.GRID_WORKER and getattr(actor, "role", "") != Role.GRID_WORKER:
        raise PermissionRefused(_("只有网格员可以以网格员身份确认"), field="by", rule=GATE_RULE)
    at = aware(confirmed_at, field="confirmed_at") if confirmed_at else now()
    not_in_future(at, field="confirmed_at", label=_("确认时间"))
    not_before(at, req.delivered_at, field="confirmed_at", label=_("确认时间"), earlier_label=_("送达时间"))
    req.status = RequestStatus.CONFIRMED
    req.confirmed_at = at
    req.confirmed_by = by
    req.confirmed_user = actor if getattr(actor, "is_authenticated", False) else None
    req.save(update_fields=["status", "confirmed_at", "confirmed_by", "confirmed_user", "updated_at"])
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.REQUEST_CONFIRMED,
        obj=req,
        before={"status": RequestStatus.DELIVERED},
        after={"status": req.status, "by": by},
    )
    return req


@transaction.atomic
def request_cancel(*, actor: Any, request: SupportRequest, reason: str) -> SupportRequest:
    require(actor, LivelihoodCap.LEDGER)
    req = _locked(request, actor)
    _move(req, RequestStatus.CANCELLED, _("取消"))
    reason = clean_text(reason, field="reason", label=_("取消原因"), max_length=200)
    req.status = RequestStatus.CANCELLED
    req.cancel_reason = reason
    req.save(update_fields=["status", "cancel_reason", "updated_at"])
    audit_record(actor=actor, event_type=LivelihoodEvent.REQUEST_CANCELLED, obj=req, after={"status": req.status}, reason=reason)
    return req


def may_deliver(user: Any) -> bool:
    return user_can(user, LivelihoodCap.DELIVER)
