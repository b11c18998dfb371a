"""Writes of units' requests for supplies (申领): a community, a street or an isolation site asks a
warehouse of its district (or the city's) for quantities of items; the keeper of that warehouse
approves in full, approves in part or refuses, with a reason whenever less than asked is given; the
requester may withdraw a pending request. Approval issues every approved line from the stock ledger
through `issue_from_stock` in one transaction: if any line finds too little stock, the whole
decision is refused naming that line, and no line is issued."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.texts import clean_text
from fangkong.core.transitions import check_transition
from fangkong.isolation import selectors as isolation_selectors

from ..choices import SUPPLY_REQUEST_TRANSITIONS, SupplyRequestStatus, SupplyUnitKind
from ..events import LivelihoodEvent
from ..models import SupplyItem, SupplyRequest, SupplyRequestLine, Warehouse
from ..permissions import LivelihoodCap
from .common import SCOPE, covered
from .stock import issue_from_stock, keeper_scope, whole_quantity

DECISION_RULE = "livelihood.supply_decision"
WAREHOUSE_RULE = "livelihood.supply_warehouse"
MAX_LINES = 20


def _move(req: SupplyRequest, target: str, action: str) -> None:
    check_transition(
        SUPPLY_REQUEST_TRANSITIONS, req.status, target, labels=SupplyRequestStatus, what=_("该申领"), action=action, rule=DECISION_RULE
    )


def line_field(index: int) -> str:
    """The form field a line's refusal names (lines are numbered from 0, as on the form)."""
    return f"line_{index}"


def _site_unit(actor: Any, site: Any) -> dict[str, int | None]:
    """The place ids of an isolation site asking for supplies, if the actor may act for it: the site
    is theirs by a facility grant (the site's staff) or by a place grant holding it — one rule,
    isolation's own (`site_list`: IsolationSite.visible_to)."""
    if site is None:
        raise DomainError(_("请选择隔离点"), field="site")
    if not isolation_selectors.site_list(user=actor, active_only=False).filter(pk=site.pk).exists():
        raise PermissionRefused(_("隔离点“%(s)s”不在您的管辖范围内") % {"s": site.name}, field="site", rule=SCOPE)
    return {"district_id": site.district_id, "street_id": site.street_id, "community_id": site.community_id}


def requesting_unit_covers(actor: Any, req: SupplyRequest) -> bool:
    """The actor acts for the request's unit: a grant holding its place, or the site's facility grant
    (SupplyRequest.scope_paths, read as the scoped lists read it)."""
    return SupplyRequest.objects.covered_by(actor).filter(pk=req.pk).exists()


@transaction.atomic
def supply_request_add(
    *,
    actor: Any,
    unit_kind: str,
    warehouse: Warehouse,
    purpose: str,
    lines: Iterable[tuple[SupplyItem, Any]],
    place: Any = None,
    site: Any = None,
    unit_name: str = "",
) -> SupplyRequest:
    """`place` is the unit's community (a community) or street (a street); an isolation site names
    `site` (its staff act for it by their facility grant, no place grant needed)."""
    require(actor, LivelihoodCap.REQUEST_SUPPLIES)
    if unit_kind not in SupplyUnitKind.values:
        raise DomainError(_("请选择申领单位类型"), field="unit_kind")
    if unit_kind == SupplyUnitKind.ISOLATION_SITE:
        ids = _site_unit(actor, site)
        unit_name = unit_name or site.name
    else:
        if place is None:
            raise DomainError(_("请选择所在社区"), field="place")
        ids = (
            {"district_id": place.district_id, "street_id": place.pk, "community_id": None}
            if unit_kind == SupplyUnitKind.STREET
            else {"district_id": place.street.district_id, "street_id": place.street_id, "community_id": place.pk}
        )
        covered(actor, field="place", what=place.name, **ids)
        site = None
    if warehouse.district_id not in (None, ids["district_id"]):
        raise DomainError(_("只能向本区县或市级仓库申领"), field="warehouse", rule=WAREHOUSE_RULE)
    name = clean_text(unit_name, field="unit_name", label=_("申领单位"), max_length=100, required=False)
    purpose = clean_text(purpose, field="purpose", label=_("用途"), max_length=200)
    parsed: list[tuple[SupplyItem, int]] = []
    for i, (item, qty) in enumerate(lines):
        if any(item.pk == seen.pk for seen, _n in parsed):
            raise DomainError(_("同一物资只能申领一行：%(item)s") % {"item": item.name}, field=line_field(i))
        parsed.append((item, whole_quantity(qty, field=line_field(i))))
    if not parsed:
        raise DomainError(_("请至少填写一种物资"), field=line_field(0))
    if len(parsed) > MAX_LINES:
        raise DomainError(_("一次最多申领 %(n)s 种物资") % {"n": MAX_LINES}, field=line_field(MAX_LINES))
    req = SupplyRequest.objects.create(
        unit_kind=unit_kind,
        unit_name=name or getattr(place, "name", ""),
        warehouse=warehouse,
        purpose=purpose,
        requested_at=now(),
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        isolation_site_id=getattr(site, "pk", None),
        **ids,
    )
    SupplyRequestLine.objects.bulk_create([SupplyRequestLine(request=req, item=item, quantity=n) for item, n in parsed])
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.SUPPLY_REQUESTED,
        obj=req,
        after={"unit": req.unit_name, "warehouse": warehouse.pk, "lines": {item.code: n for item, n in parsed}},
    )
    return req


def _locked(req: SupplyRequest) -> SupplyRequest:
    return SupplyRequest.objects.select_for_update().select_related("warehouse").get(pk=req.pk)


@transaction.atomic
def supply_request_decide(*, actor: Any, request: SupplyRequest, approved: dict[int, Any], reason: str = "") -> SupplyRequest:
    """`approved` maps each line's id to the quantity granted (0 for none; a line left out gets 0).
    All lines in full: approved; some: partly approved (a reason required); none: refused (a reason
    required). The keeper of the request's warehouse decides, never the one who asked."""
    req = _locked(request)
    keeper_scope(actor, req.warehouse)
    if req.requested_by_id is not None and req.requested_by_id == getattr(actor, "pk", None):
        raise PermissionRefused(_("不能审批自己提交的申领"), field="request", rule=DECISION_RULE)
    lines = list(req.lines.select_related("item").order_by("id"))
    granted: list[tuple[int, SupplyRequestLine, int]] = []
    for i, line in enumerate(lines):
        n = whole_quantity(approved.get(line.pk, 0), field=line_field(i), allow_zero=True)
        if n > line.quantity:
            raise DomainError(
                _("%(item)s 批准数量不能超过申领数量 %(n)s") % {"item": line.item.name, "n": line.quantity},
                field=line_field(i),
                rule=DECISION_RULE,
            )
        granted.append((i, line, n))
    total = sum(n for _i, _line, n in granted)
    full = all(n == line.quantity for _i, line, n in granted)
    target = SupplyRequestStatus.APPROVED if full else (SupplyRequestStatus.PARTLY_APPROVED if total else SupplyRequestStatus.REFUSED)
    _move(req, target, _("审批"))
    reason = clean_text(reason, field="reason", label=_("审批意见"), max_length=200, required=not full)
    for i, line, n in granted:
        line.approved = n
        line.save(update_fields=["approved"])
        if n:
            issue_from_stock(
                actor=actor,
                warehouse=req.warehouse,
                item=line.item,
                quantity=n,
                to_unit=req.unit_name,
                field=line_field(i),
                supply_request=req,
            )
    req.status = target
    req.reason = reason
    req.decided_at = now()
    req.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    req.save(update_fields=["status", "reason", "decided_at", "decided_by", "updated_at"])
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.SUPPLY_DECIDED,
        obj=req,
        before={"status": SupplyRequestStatus.PENDING},
        after={"status": target, "approved": {line.item.code: n for _i, line, n in granted}},
        reason=reason,
    )
    return req


@transaction.atomic
def supply_request_cancel(*, actor: Any, request: SupplyRequest, reason: str) -> SupplyRequest:
    """The requesting unit withdraws a request not yet decided (nothing was issued)."""
    require(actor, LivelihoodCap.REQUEST_SUPPLIES)
    req = _locked(request)
    if not requesting_unit_covers(actor, req):
        raise PermissionRefused(_("该申领不在您的管辖范围内"), field="request", rule=SCOPE)
    _move(req, SupplyRequestStatus.CANCELLED, _("撤回"))
    req.reason = clean_text(reason, field="reason", label=_("撤回原因"), max_length=200)
    req.status = SupplyRequestStatus.CANCELLED
    req.save(update_fields=["status", "reason", "updated_at"])
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.SUPPLY_REQUEST_CANCELLED,
        obj=req,
        before={"status": SupplyRequestStatus.PENDING},
        after={"status": req.status},
        reason=req.reason,
    )
    return req
