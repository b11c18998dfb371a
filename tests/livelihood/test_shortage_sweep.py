"""The shortage sweep reads every warehouse at once: its queries do not grow with the number of
warehouses, and it finds short exactly the items the warehouse page flags (one rule,
stock.balance_row and BalanceRow.short), recording the page's balance, cover and threshold."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.livelihood.choices import ReceiptSource, SupplyCategory, WarehouseKind
from fangkong.livelihood.models import StockShortage, SupplyItem, Warehouse
from fangkong.livelihood.services.stock import stock_issue, stock_receive, stock_transfer
from fangkong.livelihood.stock import shortages_sweep, warehouse_balances

pytestmark = pytest.mark.django_db


def item(code: str, low_stock: int = 0) -> SupplyItem:
    return SupplyItem.objects.create(code=code, name=code, category=SupplyCategory.PROTECTIVE, unit="件", low_stock=low_stock)


def stocked(actor, city, n: int, items: list[SupplyItem], start: int = 0) -> list[Warehouse]:
    """`n` district warehouses, each item received and partly issued (one short, one not)."""
    out = []
    for k in range(start, start + n):
        w = Warehouse.objects.create(name=f"仓库 {k}", kind=WarehouseKind.DISTRICT, district=city.home.district)
        for it, issued in zip(items, (90, 10), strict=True):
            stock_receive(actor=actor, warehouse=w, item=it, quantity=100, source=ReceiptSource.ALLOCATION)
            stock_issue(actor=actor, warehouse=w, item=it, quantity=issued, to_unit="方舱医院")
        out.append(w)
    return out


def queries_of_a_sweep(*, cold: bool) -> int:
    if cold:
        cache.clear()  # the whole hours' use summed again
    with CaptureQueriesContext(connection) as q:
        assert shortages_sweep() == (0, 0)
    return len(q.captured_queries)


def test_the_sweeps_queries_do_not_grow_with_the_warehouses(users, city):
    items = [item("A"), item("B")]
    stocked(users["district"], city, 2, items)
    assert shortages_sweep() == (2, 0)  # item A of each: 10 left, 90/7 a day
    two = (queries_of_a_sweep(cold=True), queries_of_a_sweep(cold=False))
    stocked(users["district"], city, 4, items, start=2)
    assert shortages_sweep() == (4, 0)
    assert (queries_of_a_sweep(cold=True), queries_of_a_sweep(cold=False)) == two


def test_the_sweep_and_the_page_agree_on_what_is_short(users, city):
    office, command = users["district"], users["command"]
    at_line, under_cover, idle, idle_low, moved = item("AT"), item("UNDER"), item("IDLE", 5), item("IDLE-LOW", 50), item("MOVED")
    store = Warehouse.objects.create(name="新城区防疫物资仓库", kind=WarehouseKind.DISTRICT, district=city.home.district)
    central = Warehouse.objects.create(name="市级防疫物资储备库", kind=WarehouseKind.CITY)
    for it, issued in ((at_line, 350), (under_cover, 360)):
        stock_receive(actor=office, warehouse=store, item=it, quantity=500, source=ReceiptSource.ALLOCATION)
        stock_issue(actor=office, warehouse=store, item=it, quantity=issued, to_unit="方舱医院")  # 3.0 days; 2.7 days
    stock_receive(actor=office, warehouse=store, item=idle, quantity=10, source=ReceiptSource.DONATION)  # no use, above its line
    stock_receive(actor=command, warehouse=central, item=idle_low, quantity=50, source=ReceiptSource.PURCHASE)  # no use, at its line
    stock_receive(actor=command, warehouse=central, item=moved, quantity=100, source=ReceiptSource.PURCHASE)
    stock_transfer(actor=command, source=central, target=store, item=moved, quantity=80)  # 20 left, 80/7 a day: 1.8 days

    def page() -> dict[tuple[int, int], tuple[int, float | None, float]]:
        rows = [(w, r) for w in (store, central) for r in warehouse_balances(w)]
        return {(w.pk, r.item.pk): (r.quantity, r.days_of_cover, r.alert_days) for w, r in rows if r.short}

    def recorded() -> dict[tuple[int, int], tuple[int, float | None, float]]:
        rows = StockShortage.objects.filter(ended_at__isnull=True)
        return {
            (s.warehouse_id, s.item_id): (s.quantity, None if s.days_of_cover is None else float(s.days_of_cover), float(s.threshold_days))
            for s in rows
        }

    assert shortages_sweep() == (3, 0)
    assert recorded() == page()
    assert set(page()) == {(store.pk, under_cover.pk), (central.pk, idle_low.pk), (central.pk, moved.pk)}

    stock_receive(actor=command, warehouse=central, item=moved, quantity=1000, source=ReceiptSource.PURCHASE)  # recovered
    stock_issue(actor=office, warehouse=store, item=at_line, quantity=5, to_unit="方舱医院")  # 145 left, 355/7 a day: 2.9 days
    assert shortages_sweep() == (1, 1)
    assert recorded() == page() and (store.pk, at_line.pk) in page()


def test_openings_are_written_at_once_and_a_crossing_opened_meanwhile_is_left_alone(users, city, monkeypatch):
    """Openings are one insert per batch: their queries do not grow with the crossings. A shortage
    another sweep opened between this sweep's read and its insert stays the one open row (the
    partial unique constraint decides) and is not counted as this sweep's."""
    from fangkong.livelihood import stock

    items = [item("A"), item("B")]
    stocked(users["district"], city, 2, items)
    cache.clear()
    with CaptureQueriesContext(connection) as q:
        assert shortages_sweep() == (2, 0)
    two = len(q.captured_queries)
    StockShortage.objects.all().delete()
    stocked(users["district"], city, 4, items, start=2)
    cache.clear()
    with CaptureQueriesContext(connection) as q:
        assert shortages_sweep() == (6, 0)
    assert len(q.captured_queries) == two

    StockShortage.objects.all().delete()
    first = Warehouse.objects.order_by("pk").first()
    real_open = stock._open

    def raced(rows, at):  # another sweep opens the first warehouse's shortage just before this insert
        row = next(r for r in rows if r.warehouse_id == first.pk)
        StockShortage.objects.create(
            warehouse_id=row.warehouse_id, item=row.item, started_at=at.replace(year=at.year - 1), quantity=1, threshold_days=3
        )
        return real_open(rows, at)

    monkeypatch.setattr(stock, "_open", raced)
    assert shortages_sweep() == (5, 0)
    assert StockShortage.objects.filter(ended_at=None).count() == 6
    assert StockShortage.objects.get(warehouse=first, ended_at=None).quantity == 1
