"""Reads of the supplies stock ledger: a warehouse's balances with low-stock and days-of-cover flags
(cover from the issues of the last CONSUMPTION_DAYS days; short below the policy's
livelihood.cover_alert_days, read per request), its recent movements, and the check that a balance is
the sum of its movements. `shortages_sweep` keeps the record of each item's crossings below its cover
(StockShortage), from which the alert is raised once per crossing (fangkong.livelihood.alerts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
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
    balances = StockBalance.objects.filter(warehouse=warehouse).select_related("item").order_by("item__category", "item__code")
    return [balance_row(b.item, b.quantity, used.get(b.item_id) or 0, alert_days) for b in balances]


def balance_row(item: SupplyItem, quantity: int, used: int, alert_days: float) -> BalanceRow:
    """An item's balance read with its 7 days' use (`used`, negative): the one place its low-stock
    flag and daily use are decided, for the page and the sweep alike (`BalanceRow.short` on them)."""
    return BalanceRow(item, quantity, -used / CONSUMPTION_DAYS, quantity <= item.low_stock, alert_days)


def shortages_sweep(*, at: dt.datetime | None = None) -> tuple[int, int]:
    """Bring the record of shortages up to `at`: for each warehouse, an item short now and without an
    open shortage opens one (started `at`); an open shortage whose item is no longer short ends. Run by
    the alert's finder before it looks for new shortages (every minute, by the notifications worker).
    Returns (opened, ended)."""
    at = at or now()
    with rules_read_once():  # the policy read once for every warehouse
        return _sweep(at)


def _sweep(at: dt.datetime) -> tuple[int, int]:
    """A fixed number of queries whatever the number of warehouses: the open shortages, the items,
    every balance, the 7 days' use of every warehouse (recent_use_all); then one insert per batch of
    500 crossings opened and one update per batch of those ended."""
    open_now = StockShortage.objects.filter(ended_at__isnull=True).values_list("warehouse_id", "item_id", "pk")
    open_rows = {(w, i): pk for w, i, pk in open_now}
    used = recent_use_all(at=at)
    alert_days = cover_alert_days()
    ending: list[int] = []
    opening: list[StockShortage] = []
    ordered = StockBalance.objects.order_by("warehouse_id", "item__category", "item__code")
    balances = list(ordered.values_list("warehouse_id", "item_id", "quantity"))
    items = SupplyItem.objects.in_bulk()  # each item once, not once a warehouse; read after its balances
    for warehouse_id, item_id, quantity in balances:
        key = (warehouse_id, item_id)
        row = balance_row(items[item_id], quantity, used.get(key) or 0, alert_days)
        current = open_rows.pop(key, None)
        if row.short and current is None:
            opening.append(_opening(warehouse_id, row, at))
        elif current is not None and not row.short:
            ending.append(current)
    # A balance row gone (none is deleted today): its open shortage ends too.
    return _open(opening, at), _end([*ending, *open_rows.values()], at)


def _opening(warehouse_id: int, row: BalanceRow, at: dt.datetime) -> StockShortage:
    cover = row.days_of_cover
    return StockShortage(
        warehouse_id=warehouse_id,
        item=row.item,
        started_at=at,
        quantity=row.quantity,
        days_of_cover=None if cover is None else round(cover, 1),
        threshold_days=row.alert_days,
    )


def _open(rows: list[StockShortage], at: dt.datetime, *, batch: int = 500) -> int:
    """Insert the crossings in batches; a crossing another sweep opened meanwhile is left alone (the
    partial unique constraint, one open shortage per warehouse and item, decides the race: the insert
    ignores the conflict). Returns how many this sweep opened: those open now and started at `at`."""
    if not rows:
        return 0
    with transaction.atomic():
        StockShortage.objects.bulk_create(rows, batch_size=batch, ignore_conflicts=True)
    return StockShortage.objects.filter(ended_at__isnull=True, started_at=at).count()


def _end(pks: list[int], at: dt.datetime, *, batch: int = 500) -> int:
    ended = 0
    for i in range(0, len(pks), batch):  # within any database's limit of query parameters
        ended += StockShortage.objects.filter(pk__in=pks[i : i + batch], ended_at__isnull=True).update(ended_at=at)
    return ended


def recent_use(warehouse: Warehouse, *, at: dt.datetime) -> dict[int, int]:
    """Per item, the quantity issued or transferred out over the CONSUMPTION_DAYS days before `at`
    (negative); see _windowed."""
    return _windowed(f"use:{warehouse.pk}", lambda start, end, upto: _use(warehouse, start, end, upto=upto), at)


def recent_use_all(*, at: dt.datetime) -> dict[tuple[int, int], int]:
    """recent_use for every warehouse at once, keyed (warehouse id, item id): three queries at most,
    whatever the number of warehouses (the sweep's read)."""
    return _windowed("use-all", lambda start, end, upto: _use_all(start, end, upto=upto), at)


def _windowed(name: str, summed: Callable[[dt.datetime, dt.datetime, bool], dict[Any, int]], at: dt.datetime) -> dict[Any, int]:
    """`summed` over the CONSUMPTION_DAYS days before `at`. The whole hours of that window are summed
    once an hour and kept in the cache: a movement is stamped with the time it is written
    (services.stock), so an hour that is over never changes. Only the two edges — the part-hour at the
    window's start and the current hour — are read each time: a week of a busy warehouse's movements
    is then not summed on every page."""
    since, first_hour, this_hour = _window(at)
    # The database's name in the key: a cache shared by two databases (a bench's, a restored copy)
    # never gives one the other's sums for the same warehouse id.
    key = f"livelihood:{name}:{connection.settings_dict['NAME']}:{this_hour.timestamp():.0f}"
    whole = cache.get(key)
    if whole is None:
        whole = summed(first_hour, this_hour, False)
        cache.set(key, whole, USE_CACHE_SECONDS)
    used = dict(whole)
    for k, n in (*summed(since, first_hour, False).items(), *summed(this_hour, at, True).items()):
        used[k] = used.get(k, 0) + n
    return used


def _window(at: dt.datetime) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """The 7 days before `at`: its start, its first whole hour, and the hour `at` is in."""
    since = at - dt.timedelta(days=CONSUMPTION_DAYS)
    first_hour = since.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    return since, first_hour, at.replace(minute=0, second=0, microsecond=0)


def _issued(start: dt.datetime, end: dt.datetime, *, upto: bool) -> QuerySet[StockMovement]:
    bound = Q(at__lte=end) if upto else Q(at__lt=end)
    return StockMovement.objects.filter(bound, at__gte=start, kind__in=(MovementKind.ISSUE, MovementKind.TRANSFER_OUT))


def _use(warehouse: Warehouse, start: dt.datetime, end: dt.datetime, *, upto: bool = False) -> dict[int, int]:
    moves = _issued(start, end, upto=upto).filter(warehouse=warehouse)
    return dict(moves.values_list("item_id").annotate(n=Sum("quantity")).values_list("item_id", "n"))


def _use_all(start: dt.datetime, end: dt.datetime, *, upto: bool = False) -> dict[tuple[int, int], int]:
    # Through the warehouses: on PostgreSQL each warehouse's range of the (warehouse, at) index.
    moves = _issued(start, end, upto=upto).filter(warehouse__in=Warehouse.objects.values("pk"))
    sums = moves.values_list("warehouse_id", "item_id").annotate(n=Sum("quantity")).values_list("warehouse_id", "item_id", "n")
    return {(w, i): n for w, i, n in sums}


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
