"""A warehouse's 7 days' use (days of cover) with the whole hours kept in the cache: what is kept
never hides a movement — one written in the current hour counts at once, one kept in an hour's sum
still counts after the hour, and one older than 7 days drops out — always equal to summing the
window in one query."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Sum

from fangkong.livelihood.choices import MovementKind, ReceiptSource, SupplyCategory, WarehouseKind
from fangkong.livelihood.models import StockMovement, SupplyItem, Warehouse
from fangkong.livelihood.services.stock import stock_issue, stock_receive
from fangkong.livelihood.stock import CONSUMPTION_DAYS, recent_use

from ..factories import make_user

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2022, 11, 20, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def one_query(store, at: dt.datetime) -> int:
    since = at - dt.timedelta(days=CONSUMPTION_DAYS)
    moves = StockMovement.objects.filter(
        warehouse=store, at__gte=since, at__lte=at, kind__in=(MovementKind.ISSUE, MovementKind.TRANSFER_OUT)
    )
    return moves.aggregate(n=Sum("quantity"))["n"] or 0


def test_the_kept_hours_never_hide_a_movement(city):
    office = make_user("stock-office", "district_office", [("district", city.home.district)])
    store = Warehouse.objects.create(name="新城区防疫物资仓库", kind=WarehouseKind.DISTRICT, district=city.home.district)
    n95 = SupplyItem.objects.create(code="N95", name="N95 口罩", category=SupplyCategory.PROTECTIVE, unit="只", low_stock=1)

    def use(at: dt.datetime) -> int:
        with time_machine.travel(at, tick=False):
            got = recent_use(store, at=at).get(n95.pk, 0)
        assert got == one_query(store, at)
        return got

    with time_machine.travel(T0 - dt.timedelta(days=2), tick=False):
        stock_receive(actor=office, warehouse=store, item=n95, quantity=1000, source=ReceiptSource.DONATION)
        stock_issue(actor=office, warehouse=store, item=n95, quantity=100, to_unit="方舱医院")
    assert use(T0) == -100  # the hours are summed and kept now
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        stock_issue(actor=office, warehouse=store, item=n95, quantity=7, to_unit="方舱医院")
    assert use(T0 + dt.timedelta(minutes=20)) == -107  # the current hour is read live
    assert use(T0 + dt.timedelta(hours=1)) == -107  # the next hour: that issue is in the kept hours now
    assert use(T0 + dt.timedelta(days=5, minutes=41)) == -7  # the first issue is older than 7 days
    assert use(T0 + dt.timedelta(days=7, minutes=5)) == -7  # the second one: still inside, in the part-hour at the start
    assert use(T0 + dt.timedelta(days=7, minutes=15)) == 0
