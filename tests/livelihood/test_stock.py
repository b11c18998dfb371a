"""The supplies stock ledger: the balance is always the sum of the movements; an issue beyond the
balance is refused naming the field, nothing written; a transfer moves stock between warehouses; a
count writes its variance; low stock and days of cover; twenty concurrent issuers on one item never
overdraw it (PostgreSQL, real threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.livelihood.choices import ReceiptSource, SupplyCategory, WarehouseKind
from fangkong.livelihood.models import StockBalance, StockMovement, SupplyItem, Warehouse
from fangkong.livelihood.services.stock import stock_count, stock_issue, stock_receive, stock_transfer
from fangkong.livelihood.stock import ledger_mismatches, warehouse_balances, warehouse_list

from ..factories import ensure_reference_data, make_user


@pytest.fixture
def store(city):
    return Warehouse.objects.create(name="新城区防疫物资仓库", kind=WarehouseKind.DISTRICT, district=city.home.district)


@pytest.fixture
def n95():
    return SupplyItem.objects.create(code="N95", name="N95 口罩", category=SupplyCategory.PROTECTIVE, unit="只", low_stock=100)


def balance(store, item) -> int:
    return StockBalance.objects.get(warehouse=store, item=item).quantity


@pytest.mark.django_db
def test_receive_issue_transfer_count_keep_the_ledger(users, city, store, n95):
    office = users["district"]
    stock_receive(actor=office, warehouse=store, item=n95, quantity=1000, source=ReceiptSource.PURCHASE_ABROAD, batch="2022-HK-017")
    stock_issue(actor=office, warehouse=store, item=n95, quantity=300, to_unit="迎宾南路社区")
    hospital = Warehouse.objects.create(name="新城区医院库房", kind=WarehouseKind.HOSPITAL, district=city.home.district)
    stock_transfer(actor=office, source=store, target=hospital, item=n95, quantity=200)
    stock_count(actor=office, warehouse=store, item=n95, counted=495)  # five missing
    assert (balance(store, n95), balance(hospital, n95)) == (495, 200)
    assert ledger_mismatches() == []
    assert list(StockMovement.objects.filter(warehouse=store).order_by("id").values_list("quantity", flat=True)) == [1000, -300, -200, -5]


@pytest.mark.django_db
def test_bad_input_named_and_nothing_half_applied(users, store, n95):
    office = users["district"]
    stock_receive(actor=office, warehouse=store, item=n95, quantity=10, source=ReceiptSource.DONATION)
    with pytest.raises(DomainError) as exc:
        stock_issue(actor=office, warehouse=store, item=n95, quantity=11, to_unit="某医院")
    assert exc.value.field == "quantity" and exc.value.rule == "livelihood.stock_not_negative" and "现有 10只" in exc.value.message
    for bad in ("-1", "0", "1.5", "abc"):
        with pytest.raises(DomainError) as exc:
            stock_issue(actor=office, warehouse=store, item=n95, quantity=bad, to_unit="某医院")
        assert exc.value.field == "quantity"
    with pytest.raises(DomainError) as exc:
        stock_receive(actor=office, warehouse=store, item=n95, quantity=5, source=ReceiptSource.PURCHASE_ABROAD, batch="")
    assert exc.value.field == "batch"
    assert balance(store, n95) == 10 and StockMovement.objects.count() == 1


@pytest.mark.django_db
def test_scoped_and_capability(users, city, store, n95):
    other = Warehouse.objects.create(name="回民区仓库", kind=WarehouseKind.DISTRICT, district=city.elsewhere.district)
    with pytest.raises(PermissionRefused):
        stock_receive(actor=users["district"], warehouse=other, item=n95, quantity=1, source=ReceiptSource.DONATION)
    with pytest.raises(PermissionRefused):
        stock_receive(actor=users["community"], warehouse=store, item=n95, quantity=1, source=ReceiptSource.DONATION)
    assert warehouse_list(user=users["district"]) == [store]


@pytest.mark.django_db
def test_low_stock_and_days_of_cover(users, store, n95):
    office = users["district"]
    stock_receive(actor=office, warehouse=store, item=n95, quantity=500, source=ReceiptSource.ALLOCATION)
    stock_issue(actor=office, warehouse=store, item=n95, quantity=350, to_unit="方舱医院")  # 50 a day over 7 days
    (row,) = warehouse_balances(store)
    assert (row.quantity, row.days_of_cover, row.low, row.short) == (150, 3.0, False, False)
    stock_issue(actor=office, warehouse=store, item=n95, quantity=60, to_unit="方舱医院")
    (row,) = warehouse_balances(store)
    assert row.low and row.short


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_concurrent_issuers_never_overdraw(city, n95):
    ensure_reference_data()
    store = Warehouse.objects.create(name="市级仓库", kind=WarehouseKind.CITY)
    office = make_user("stockkeeper", "command_centre", [("city", None)])
    stock_receive(actor=office, warehouse=store, item=n95, quantity=100, source=ReceiptSource.PURCHASE)
    start = threading.Barrier(20)
    outcomes: list[object] = [None] * 20

    def work(i: int) -> None:
        try:
            start.wait()
            outcomes[i] = stock_issue(actor=office, warehouse=store, item=n95, quantity=7, to_unit=f"单位{i}")
        except Exception as exc:  # noqa: BLE001 — recorded and asserted on
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    issued = [o for o in outcomes if isinstance(o, StockMovement)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(issued) == 14 and len(refused) == 6, outcomes  # 14 × 7 = 98 ≤ 100
    assert all(e.rule == "livelihood.stock_not_negative" for e in refused)
    assert balance(store, n95) == 2
    assert ledger_mismatches() == []


@pytest.mark.django_db
def test_pages(client, users, city, store, n95):
    from django.urls import reverse

    other = Warehouse.objects.create(name="回民区仓库", kind=WarehouseKind.DISTRICT, district=city.elsewhere.district)
    client.force_login(users["district"])
    move = reverse("livelihood:warehouse_move", args=[store.pk])
    assert client.post(move, {"action": "receive", "item": n95.pk, "quantity": "50", "source": "donation"}).status_code == 302
    response = client.post(move, {"action": "issue", "item": n95.pk, "quantity": "80", "to_unit": "方舱医院"})
    assert response.status_code == 422 and 'data-field="quantity"' in response.content.decode()
    page = client.get(reverse("livelihood:warehouse_detail", args=[store.pk])).content.decode()
    assert "data-low" in page  # 50 ≤ the low-stock line of 100
    assert client.get(reverse("livelihood:warehouse_detail", args=[other.pk])).status_code == 404
    client.force_login(users["community"])
    assert client.get(reverse("livelihood:warehouses")).status_code == 403
    assert client.post(move, {"action": "receive", "item": n95.pk, "quantity": "5", "source": "donation"}).status_code == 403
    assert balance(store, n95) == 50
