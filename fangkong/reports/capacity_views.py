"""The capacity forecast page (容量预测): reached from the 三快一严 board (the command's, districts'
and streets' landing page); figures only, over the user's jurisdiction, like the board itself.
Read-only (fangkong.reports.capacity)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.dbrouting import reads_from_replica

from . import board
from .capacity import CapacityForecast, capacity_forecast


def chart_data(fc: CapacityForecast) -> dict[str, Any]:
    """What static/js/reports-capacity.js draws: each series' history and projection with its band,
    and each resource's need, band and capacity over the horizon (and every what-if's need)."""
    fmt = "%m-%d"
    return {
        "history": [d.strftime(fmt) for d in fc.series[0].days],
        "horizon": [d.strftime(fmt) for d in fc.horizon_days],
        "series": [
            {
                "key": s.key,
                "name": s.label,
                "counts": s.counts,
                "expected": [round(v, 1) for v in s.projection.expected] if s.projection else [],
                "low": [round(v, 1) for v in s.projection.low] if s.projection else [],
                "high": [round(v, 1) for v in s.projection.high] if s.projection else [],
            }
            for s in fc.series
        ],
        "resources": [
            {
                "key": r.key,
                "name": r.label,
                "capacity": r.capacity,
                "need": [round(v, 1) for v in r.need],
                "low": [round(v, 1) for v in r.low],
                "high": [round(v, 1) for v in r.high],
            }
            for r in fc.resources
        ],
        "what_if": [{"name": w.name, "need": [round(v, 1) for v in w.resource.need], "active": w.active} for w in fc.what_if],
        "labels": {"capacity": _("容量"), "band": _("80% 区间"), "need": _("预计需要"), "history": _("实际")},
    }


@login_required
@reads_from_replica
def capacity(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    fc = capacity_forecast(user=request.user, now=now)
    level, place = board.viewer_level(request.user)
    return render(
        request,
        "reports/capacity.html",
        {"fc": fc, "chart": chart_data(fc), "place": place if level != "city" else None, "now": now},
    )
