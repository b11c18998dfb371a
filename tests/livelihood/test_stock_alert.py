"""Supplies running short raise an alert (fangkong.notifications): an item falling below its days of
cover (the policy's livelihood.cover_alert_days, read afresh) or to its low-stock line reaches the
keepers of its warehouse — the district office of the warehouse's district and the command — once per
crossing, not again while it stays short, and again only after it has recovered; another district's
office gets nothing; the words name goods and counts, never a person."""

from __future__ import annotations

import pytest
from django.utils import translation

from fangkong.core.clock import now
from fangkong.core.roles import Role
from fangkong.livelihood.alerts import LOW_COVER, LOW_STOCK, STOCK_SHORT
from fangkong.livelihood.choices import ReceiptSource, SupplyCategory, WarehouseKind
from fangkong.livelihood.models import StockShortage, SupplyItem, Warehouse
from fangkong.livelihood.services.stock import stock_issue, stock_receive
from fangkong.livelihood.stock import warehouse_balances
from fangkong.notifications.models import Notification
from fangkong.notifications.selectors import shown
from fangkong.notifications.services import deliver
from fangkong.policy.models import PolicyParameter

from ..factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(city):
    return Warehouse.objects.create(name="新城区防疫物资仓库", kind=WarehouseKind.DISTRICT, district=city.home.district)


@pytest.fixture
def suits():
    return SupplyItem.objects.create(code="PPE-1", name="防护服", category=SupplyCategory.PROTECTIVE, unit="套", low_stock=0)


@pytest.fixture
def other_office(city):
    return make_user("other-district", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])


def notified() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for key, username in Notification.objects.filter(rule=STOCK_SHORT).values_list("event_key", "recipient__username"):
        out.setdefault(key, set()).add(username)
    return out


def set_cover_days(days: int) -> None:
    assert PolicyParameter.objects.filter(profile__is_active=True, key="livelihood.cover_alert_days").update(value=days) == 1


def test_both_sides_of_the_threshold_once_per_crossing_and_again_after_recovery(users, store, suits, other_office):
    office = users["district"]
    stock_receive(actor=office, warehouse=store, item=suits, quantity=500, source=ReceiptSource.ALLOCATION)
    stock_issue(actor=office, warehouse=store, item=suits, quantity=350, to_unit="方舱医院")  # 50 a day: 150 left, 3.0 days
    deliver(now=now())
    assert notified() == {} and not StockShortage.objects.exists()  # exactly at the threshold: not short

    stock_issue(actor=office, warehouse=store, item=suits, quantity=10, to_unit="方舱医院")  # 140 left, 360/7 a day: 2.7 days
    deliver(now=now())
    (shortage,) = StockShortage.objects.all()
    assert notified() == {f"shortage:{shortage.pk}": {"district", "command"}}  # not the other district, street or community
    note = Notification.objects.filter(rule=STOCK_SHORT).first()
    assert note.message == LOW_COVER and note.params["cover"] == "2.7" and note.params["days"] == "3"
    assert note.url == f"/livelihood/supplies/{store.pk}/"

    stock_issue(actor=office, warehouse=store, item=suits, quantity=20, to_unit="方舱医院")  # still short: no second alert
    deliver(now=now())
    assert Notification.objects.filter(rule=STOCK_SHORT).count() == 2 and StockShortage.objects.count() == 1

    stock_receive(actor=office, warehouse=store, item=suits, quantity=1000, source=ReceiptSource.DONATION)  # recovered
    deliver(now=now())
    shortage.refresh_from_db()
    assert shortage.ended_at is not None and Notification.objects.filter(rule=STOCK_SHORT).count() == 2

    stock_issue(actor=office, warehouse=store, item=suits, quantity=1100, to_unit="方舱医院")  # falls again: a new crossing
    deliver(now=now())
    assert StockShortage.objects.count() == 2 and Notification.objects.filter(rule=STOCK_SHORT).count() == 4
    assert not Notification.objects.filter(recipient=other_office).exists()


def test_the_threshold_is_the_policys_and_a_change_takes_effect(users, store, suits):
    office = users["district"]
    stock_receive(actor=office, warehouse=store, item=suits, quantity=500, source=ReceiptSource.ALLOCATION)
    stock_issue(actor=office, warehouse=store, item=suits, quantity=350, to_unit="方舱医院")  # 3.0 days of cover
    set_cover_days(2)
    (row,) = warehouse_balances(store)
    assert (row.days_of_cover, row.alert_days, row.short) == (3.0, 2.0, False)
    deliver(now=now())
    assert notified() == {}

    set_cover_days(5)
    (row,) = warehouse_balances(store)
    assert row.short
    deliver(now=now())
    assert len(notified()) == 1
    assert Notification.objects.filter(rule=STOCK_SHORT).first().params["days"] == "5"


def test_the_page_shows_the_policys_threshold(client, users, store, suits):
    office = users["district"]
    stock_receive(actor=office, warehouse=store, item=suits, quantity=500, source=ReceiptSource.ALLOCATION)
    stock_issue(actor=office, warehouse=store, item=suits, quantity=350, to_unit="方舱医院")
    set_cover_days(4)
    client.force_login(office)
    assert "不足 4 天" in client.get(f"/livelihood/supplies/{store.pk}/").content.decode()


def test_low_stock_line_and_a_city_warehouse_reach_the_command_only(users, city, store, other_office):
    masks = SupplyItem.objects.create(code="MASK", name="医用外科口罩", category=SupplyCategory.PROTECTIVE, unit="只", low_stock=100)
    central = Warehouse.objects.create(name="市级防疫物资储备库", kind=WarehouseKind.CITY)
    stock_receive(actor=users["command"], warehouse=central, item=masks, quantity=80, source=ReceiptSource.PURCHASE)
    deliver(now=now())
    (shortage,) = StockShortage.objects.all()
    assert notified() == {f"shortage:{shortage.pk}": {"command"}}  # no district office: the warehouse is the city's
    note = Notification.objects.get(rule=STOCK_SHORT)
    assert note.message == LOW_STOCK and note.params["line"] == 100 and note.params["cover"] == ""
    # Goods and counts only: no person's name, phone or address in what is stored.
    assert set(note.params) == {"warehouse", "item", "quantity", "unit", "cover", "days", "line"}
    with translation.override("zh-hans"):
        zh = shown([note])[0]
    with translation.override("en"):
        en = shown([note])[0]
    assert zh.title == "物资低于库存提示线" and "市级防疫物资储备库" in zh.text and "提示线 100只" in zh.text
    assert en.title == "Supplies below the low-stock line" and "low-stock line of 100" in en.text


def test_a_run_repeated_or_backfilled_notifies_nobody_twice(users, store, suits):
    office = users["district"]
    stock_receive(actor=office, warehouse=store, item=suits, quantity=100, source=ReceiptSource.ALLOCATION)
    stock_issue(actor=office, warehouse=store, item=suits, quantity=90, to_unit="方舱医院")
    at = now()
    assert deliver(now=at).notified >= 2
    deliver(now=at, since=at.replace(year=at.year - 1))
    assert Notification.objects.filter(rule=STOCK_SHORT).count() == 2 and StockShortage.objects.count() == 1
