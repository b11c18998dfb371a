"""The demo's alerts: the rules evaluated over the demo's history once (its positives, overdue
transfers and tubes, risk areas due to lift were made in the past days), so the command, district
and community accounts find unread alerts; the worker carries on from the watermarks left here."""

from __future__ import annotations

import datetime as dt

from fangkong.core.clock import now

from .services import DeliveryStats, deliver

DEMO_LOOKBACK = dt.timedelta(days=30)


def notifications_backfill(*, lookback: dt.timedelta = DEMO_LOOKBACK) -> DeliveryStats:
    moment = now()
    return deliver(now=moment, since=moment - lookback)


def format_stats(stats: DeliveryStats) -> str:
    return "，".join(f"{s.rule} {s.notified}" for s in stats.rules if s.notified) or "0"
