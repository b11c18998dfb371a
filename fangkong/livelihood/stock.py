"""Reads of the supplies stock ledger: a warehouse's balances with low-stock and days-of-cover flags
(cover from the issues of the last CONSUMPTION_DAYS days; short below the policy's
livelihood.cover_alert_days, read per request), its recent movements, and the check that a balance is
the sum of its movements. `shortages_sweep` keeps the record of each item's crossings below its cover
(StockShortage), from which the alert is raised once per crossing (fangkong.livelihood.alerts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.shortcuts import get_object_or_404

from fangkong.core.clock import now
from fangkong.policy.rules import rule, rules_read_once

from .choices import MovementKind
from .models import StockBalance, StockMovement, StockShortage, SupplyItem, Warehouse

CONSUMPTION_DAYS = 7
COVER_ALERT_KEY = "livelihood.cover_alert_days"
USE_CACHE_SECONDS = 2 * 3600  # the key names its hour: kept past the hour only to be safe


@dataclass(frozen=True)
class BalanceRow:
    item: SupplyItem
    quantity: int
    daily_use: float  # average issued per day over the last CONSUMPTION_DAYS days
    low: bool
    alert_days: float  # the policy's livelihood.cover_alert_days when the row was read

    @property
    def days_of_cover(self) -> float | None:
        return round(self.quantity / self.daily_use, 1) if self.daily_use else None

    @property
    def short(self) -> bool:
        cover = self.days_of_cover
        return self.low or (cover is not None and cover < self.alert_days)


def cover_alert_days() -> float:
    """The policy's days of cover below which an item is short (a value not a number ≥ 0 reads as 3; a
    profile without the key refuses, like every rule)."""
    value = rule(COVER_ALERT_KEY).value
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0 else 3.0


def warehouse_list(*, user: Any) -> list[Warehouse]:
    return list(Warehouse.objects.visible_to(user).order_by("kind", "name"))


def warehouse_get(*, user: Any, pk: int) -> Warehouse:
    return get_object_or_404(Warehouse.objects.visible_to(user), pk=pk)


def warehouse_balances(warehouse: Warehouse, *, at: dt.datetime | None = None) -> list[BalanceRow]:
    at = at or now()
    used = recent_use(warehouse, at=at)
    alert_days = cover_alert_days()
    rows = []
    for b in StockBalance.objects.filter(warehouse=warehouse).select_related("item").order_by("item__category", "item__code"):
        daily = -(used.get(b.item_id) or 0) / CONSUMPTION_DAYS
        rows.append(BalanceRow(b.item, b.quantity, daily, b.quantity <= b.item.low_stock, alert_days))
    return rows


def shortages_sweep(*, at: dt.datetime | None = None) -> tuple[int, int]:
    """Bring the record of shortages up to `at`: for each warehouse, an item short now and without an
    open shortage opens one (started `at`); an open shortage whose item is no longer short ends. Run by
    the alert's finder before it looks for new shortages (every minute, by the notifications worker).
    Returns (opened, ended)."""
    at = at or now()
    with rules_read_once():  # the policy read once for every warehouse
        return _sweep(at)


def _sweep(at: dt.datetime) -> tuple[int, int]:
    opened = ended = 0
    open_rows = {(s.warehouse_id, s.item_id): s for s in StockShortage.objects.filter(ended_at__isnull=True)}
    for warehouse in Warehouse.objects.order_by("pk"):
        for row in warehouse_balances(warehouse, at=at):
            key = (warehouse.pk, row.item.pk)
            current = open_rows.pop(key, None)
            if row.short and current is None:
                cover = row.days_of_cover
                with transaction.atomic():
                    _, made = StockShortage.objects.get_or_create(
                        warehouse=warehouse,
                        item=row.item,
                        ended_at=None,
                        defaults={
                            "started_at": at,
                            "quantity": row.quantity,
                            "days_of_cover": None if cover is None else round(cover, 1),
                            "threshold_days": row.alert_days,
                        },
                    )
                opened += made
            elif current is not None and not row.short:
                ended += StockShortage.objects.filter(pk=current.pk, ended_at__isnull=True).update(ended_at=at)
    # A balance row gone (none is deleted today): its open shortage ends too.
    for current in open_rows.values():
        ended += StockShortage.objects.filter(pk=current.pk, ended_at__isnull=True).update(ended_at=at)
    return opened, ended


def recent_use(warehouse: Warehouse, *, at: dt.datetime) -> dict[int, int]:
    """Per item, the quantity issued or transferred out over the CONSUMPTION_DAYS days before `at`
    (negative). The whole hours of that window are summed once an hour and kept in the cache: a
    movement is stamped with the time it is written (services.stock), so an hour that is over never
    changes. Only the two edges — the part-hour at the window's start and the current hour — are read
    each time: a week of a busy warehouse's movements is then not summed on every page."""
    since = at - dt.timedelta(days=CONSUMPTION_DAYS)
    first_hour = since.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    this_hour = at.replace(minute=0, second=0, microsecond=0)
    # The database's name in the key: a cache shared by two databases (a bench's, a restored copy)
    # never gives one the other's sums for the same warehouse id.
    key = f"livelihood:use:{connection.settings_dict['NAME']}:{warehouse.pk}:{this_hour.timestamp():.0f}"
    whole = cache.get(key)
    if whole is None:
        whole = _use(warehouse, first_hour, this_hour)
        cache.set(key, whole, USE_CACHE_SECONDS)
    used = dict(whole)
    for item, n in (*_use(warehouse, since, first_hour).items(), *_use(warehouse, this_hour, at, upto=True).items()):
        used[item] = used.get(item, 0) + n
    return used


def _use(warehouse: Warehouse, start: dt.datetime, end: dt.datetime, *, upto: bool = False) -> dict[int, int]:
    bound = Q(at__lte=end) if upto else Q(at__lt=end)
    return dict(
        StockMovement.objects.filter(bound, warehouse=warehouse, at__gte=start, kind__in=(MovementKind.ISSUE, MovementKind.TRANSFER_OUT))
        .values_list("item_id")
        .annotate(n=Sum("quantity"))
        .values_list("item_id", "n")
    )


def movements(warehouse: Warehouse, *, limit: int = 100) -> list[StockMovement]:
    return list(StockMovement.objects.filter(warehouse=warehouse).select_related("item").order_by("-at", "-id")[:limit])


def ledger_mismatches(warehouse: Warehouse | None = None) -> list[tuple[int, int, int, int]]:
    """(warehouse id, item id, balance, sum of movements) wherever they differ: empty when sound."""
    q = Q(warehouse=warehouse) if warehouse else Q()
    sums = {
        (w, i): n
        for w, i, n in StockMovement.objects.filter(q)
        .values_list("warehouse_id", "item_id")
        .annotate(n=Sum("quantity"))
        .values_list("warehouse_id", "item_id", "n")
    }
    out = []
    for w, i, qty in StockBalance.objects.filter(q).values_list("warehouse_id", "item_id", "quantity"):
        if sums.get((w, i), 0) != qty:
            out.append((w, i, qty, sums.get((w, i), 0)))
    return out
