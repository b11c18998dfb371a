"""Writes of the supplies stock ledger: receipts, issues, transfers and stock counts. Each writes its
movement(s) and moves the balance in the same transaction, audited; an issue (and a transfer's
outgoing leg) takes stock with one conditional UPDATE (quantity >= n), so twenty issuers at once can
never overdraw an item: the one that finds too little is refused, naming the field and what is left,
and nothing is written. Quantities are whole units, positive."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.texts import clean_text

from ..choices import MovementKind, ReceiptSource
from ..events import LivelihoodEvent
from ..models import StockBalance, StockMovement, SupplyItem, Warehouse
from ..permissions import LivelihoodCap
from .common import covered

OVERDRAWN = "livelihood.stock_not_negative"


def whole_quantity(raw: Any, *, field: str = "quantity", allow_zero: bool = False) -> int:
    try:
        text = str(raw).strip()
        value = int(text)
    except (TypeError, ValueError) as exc:
        raise DomainError(_("数量须为整数"), field=field) from exc
    if value < 0 or (value == 0 and not allow_zero):
        raise DomainError(_("数量须大于 0") if not allow_zero else _("数量不能为负数"), field=field)
    return value


def keeper_scope(actor: Any, warehouse: Warehouse, field: str = "warehouse") -> None:
    require(actor, LivelihoodCap.SUPPLIES)
    covered(actor, field=field, what=warehouse.name, district_id=warehouse.district_id)


def _balance(warehouse: Warehouse, item: SupplyItem) -> StockBalance:
    balance, _created = StockBalance.objects.get_or_create(warehouse=warehouse, item=item)
    return balance


def _movement(warehouse: Warehouse, item: SupplyItem, kind: str, quantity: int, actor: Any, **extra: Any) -> StockMovement:
    return StockMovement.objects.create(
        warehouse=warehouse,
        item=item,
        kind=kind,
        quantity=quantity,
        at=now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        **extra,
    )


def _take(warehouse: Warehouse, item: SupplyItem, quantity: int) -> None:
    """Take `quantity` from the balance, or refuse naming what is left (one conditional UPDATE)."""
    _balance(warehouse, item)
    taken = StockBalance.objects.filter(warehouse=warehouse, item=item, quantity__gte=quantity).update(quantity=F("quantity") - quantity)
    if not taken:
        left = StockBalance.objects.get(warehouse=warehouse, item=item).quantity
        raise DomainError(
            _("%(item)s 库存不足：现有 %(left)s%(unit)s，要出 %(n)s%(unit)s")
            % {"item": item.name, "left": left, "n": quantity, "unit": item.unit},
            field="quantity",
            rule=OVERDRAWN,
        )


def _put(warehouse: Warehouse, item: SupplyItem, quantity: int) -> None:
    _balance(warehouse, item)
    StockBalance.objects.filter(warehouse=warehouse, item=item).update(quantity=F("quantity") + quantity)


@transaction.atomic
def stock_receive(
    *, actor: Any, warehouse: Warehouse, item: SupplyItem, quantity: Any, source: str, batch: str = "", sender: str = ""
) -> StockMovement:
    keeper_scope(actor, warehouse)
    n = whole_quantity(quantity)
    if source not in ReceiptSource.values:
        raise DomainError(_("请选择来源"), field="source")
    batch = clean_text(batch, field="batch", label=_("批次"), required=source == ReceiptSource.PURCHASE_ABROAD)
    _put(warehouse, item, n)
    move = _movement(warehouse, item, MovementKind.RECEIPT, n, actor, source=source, batch=batch, counterparty=sender[:100])
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.STOCK_RECEIVED,
        obj=warehouse,
        after={"item": item.code, "quantity": n, "source": source, "batch": batch},
    )
    return move


@transaction.atomic
def stock_issue(*, actor: Any, warehouse: Warehouse, item: SupplyItem, quantity: Any, to_unit: str) -> StockMovement:
    keeper_scope(actor, warehouse)
    unit = clean_text(to_unit, field="to_unit", label=_("领用单位"), max_length=100)
    return issue_from_stock(actor=actor, warehouse=warehouse, item=item, quantity=quantity, to_unit=unit)


def issue_from_stock(
    *, actor: Any, warehouse: Warehouse, item: SupplyItem, quantity: Any, to_unit: str, field: str = "quantity", **served: Any
) -> StockMovement:
    """The issue itself, for the services that have already said who may issue from `warehouse`
    (`stock_issue`: a keeper of supplies; an approved unit request; a delivery's packs): takes the
    stock or refuses naming `field` and what is left, writes the movement (linked to what it
    served: supply_request=… or delivery=…) and audits it. Call it inside the caller's transaction."""
    n = whole_quantity(quantity, field=field)
    try:
        _take(warehouse, item, n)
    except DomainError as exc:
        raise DomainError(exc.message, field=field, rule=exc.rule) from exc
    move = _movement(warehouse, item, MovementKind.ISSUE, -n, actor, counterparty=to_unit[:100], **served)
    audit_record(
        actor=actor, event_type=LivelihoodEvent.STOCK_ISSUED, obj=warehouse, after={"item": item.code, "quantity": n, "to": to_unit[:100]}
    )
    return move


def return_to_stock(*, actor: Any, warehouse: Warehouse, item: SupplyItem, quantity: int, from_unit: str, **served: Any) -> StockMovement:
    """Put back what an issue took (a cancelled delivery's packs): a RETURN movement into the same
    warehouse, so the balance stays the sum of the movements."""
    _put(warehouse, item, quantity)
    move = _movement(warehouse, item, MovementKind.RETURN, quantity, actor, counterparty=from_unit[:100], **served)
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.STOCK_RECEIVED,
        obj=warehouse,
        after={"item": item.code, "quantity": quantity, "returned": True},
    )
    return move


@transaction.atomic
def stock_transfer(
    *, actor: Any, source: Warehouse, target: Warehouse, item: SupplyItem, quantity: Any
) -> tuple[StockMovement, StockMovement]:
    keeper_scope(actor, source, "warehouse")
    if target.pk == source.pk:
        raise DomainError(_("调入仓库不能与调出仓库相同"), field="target")
    n = whole_quantity(quantity)
    key = secrets.token_hex(8)
    _take(source, item, n)
    _put(target, item, n)
    out = _movement(source, item, MovementKind.TRANSFER_OUT, -n, actor, counterparty=target.name, transfer_key=key)
    into = _movement(target, item, MovementKind.TRANSFER_IN, n, actor, counterparty=source.name, transfer_key=key)
    audit_record(
        actor=actor, event_type=LivelihoodEvent.STOCK_TRANSFERRED, obj=source, after={"item": item.code, "quantity": n, "to": target.pk}
    )
    return out, into


@transaction.atomic
def stock_count(*, actor: Any, warehouse: Warehouse, item: SupplyItem, counted: Any) -> StockMovement | None:
    """A stock count: the variance from the balance is written as a movement (None when none)."""
    keeper_scope(actor, warehouse)
    n = whole_quantity(counted, field="counted", allow_zero=True)
    _balance(warehouse, item)
    balance = StockBalance.objects.select_for_update().get(warehouse=warehouse, item=item)
    variance = n - balance.quantity
    if variance == 0:
        return None
    balance.quantity = n
    balance.save(update_fields=["quantity"])
    move = _movement(warehouse, item, MovementKind.COUNT, variance, actor)
    audit_record(
        actor=actor, event_type=LivelihoodEvent.STOCK_COUNTED, obj=warehouse, after={"item": item.code, "counted": n, "variance": variance}
    )
    return move
