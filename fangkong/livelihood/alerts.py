"""民生保障's alert rule (fangkong.notifications): supplies running short. An item in a warehouse falls
below its days of cover (the policy's livelihood.cover_alert_days, from the issues of the last 7 days)
or to its low-stock line: the keepers of that warehouse — the district office of its district, and the
command (a city grant receives every event; a city warehouse, without a district, reaches only city
grants) — are told once per crossing. The crossing is a StockShortage row (stock.shortages_sweep,
run by the finder before it looks): an item that stays short is not notified again; once it has
recovered, a new fall below is a new row and a new alert. The words name the warehouse, the item and
the counts: no person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import Role, roles
from fangkong.notifications.rules import Event, Message, Rule, rules

from .models import StockShortage
from .permissions import LivelihoodCap

STOCK_SHORT = "livelihood.stock_short"
LOW_COVER = "livelihood.stock_short.cover"
LOW_STOCK = "livelihood.stock_short.low"


def _num(value: Decimal | None) -> str:
    return "" if value is None else f"{float(value):g}"


def stock_short(*, since: dt.datetime, until: dt.datetime) -> Iterator[Event]:
    """The shortages that began in (since, until], after the record is brought up to `until`."""
    from .stock import shortages_sweep

    shortages_sweep(at=until)
    rows = StockShortage.objects.filter(started_at__gt=since, started_at__lte=until).select_related("warehouse", "item")
    for s in rows.order_by("started_at", "pk"):
        cover = s.days_of_cover
        params = {
            "warehouse": s.warehouse.name,
            "item": s.item.name,
            "quantity": s.quantity,
            "unit": s.item.unit,
            "cover": _num(cover),
            "days": _num(s.threshold_days),
            "line": s.item.low_stock,
        }
        message = LOW_COVER if cover is not None and cover < s.threshold_days else LOW_STOCK
        url = reverse("livelihood:warehouse_detail", args=[s.warehouse_id])
        yield Event(f"shortage:{s.pk}", message, s.started_at, {"district": s.warehouse.district_id}, params, url)


def register() -> None:
    rules.register(
        Rule(
            key=STOCK_SHORT,
            label=_("物资库存不足：可用天数低于政策提示值或结存低于提示线"),
            roles=roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE),
            levels=("city", "district"),
            find="fangkong.livelihood.alerts.stock_short",
            messages=(
                Message(
                    LOW_COVER,
                    _("物资可用天数不足"),
                    _(
                        "%(warehouse)s 的%(item)s结存 %(quantity)s%(unit)s，按近 7 天出库量仅够 %(cover)s 天"
                        "（提示值 %(days)s 天），请及时补充。"
                    ),
                ),
                Message(
                    LOW_STOCK,
                    _("物资低于库存提示线"),
                    _("%(warehouse)s 的%(item)s结存 %(quantity)s%(unit)s，已低于提示线 %(line)s%(unit)s，请及时补充。"),
                ),
            ),
            capability=LivelihoodCap.SUPPLIES,
            link_needs=(LivelihoodCap.SUPPLIES,),
            first_lookback=dt.timedelta(days=1),
            order=75,
        )
    )
