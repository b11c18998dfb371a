"""民生保障 on the home page (fangkong.core.landing): requests past their deadline within the user's
grants (figures and places only: the row names the community and the kind, never the resident),
shown while there is one,
and for a grid worker the gate handovers waiting for their confirmation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.modules import PANEL_ROWS, LandingPanel, LandingRow
from fangkong.core.timefmt import local_minutes
from fangkong.geo.models import Community

from .selectors import gate_handovers, overdue_requests


def overdue(user: Any, now: dt.datetime) -> list[LandingPanel]:
    """Shown only while something is overdue: an office's home page is its overview otherwise."""
    qs = overdue_requests(user, at=now)
    rows_qs = list(qs[:PANEL_ROWS])
    if not rows_qs:
        return []
    names = dict(Community.objects.filter(pk__in={r.community_id for r in rows_qs}).values_list("pk", "name"))
    rows = [
        LandingRow(
            text=f"{names.get(r.community_id, '')} · {r.get_kind_display()}",
            url=reverse("livelihood:requests") + "?overdue=1",
            detail=_("应于 %(t)s 前送达") % {"t": local_minutes(r.due_at)},
            flag=_("超时"),
        )
        for r in rows_qs
    ]
    return [
        LandingPanel(
            key="livelihood-overdue",
            title=_("超时未送达的居民需求"),
            icon="basket",
            count=qs.count(),
            rows=rows,
            empty=_("没有超时未送达的需求。"),
            url=reverse("livelihood:requests") + "?overdue=1",
            url_label=_("居民需求"),
            unit=_("件"),
        )
    ]


def gate(user: Any, now: dt.datetime) -> list[LandingPanel]:
    qs = gate_handovers(user)
    rows = [
        LandingRow(
            text=f"{r.entry.compound.name if r.entry.compound else ''} · {r.get_kind_display()}",
            url=reverse("livelihood:request_detail", args=[r.pk]),
            detail=local_minutes(r.delivered_at),
            flag=_("待确认"),
        )
        for r in qs[:PANEL_ROWS]
    ]
    return [
        LandingPanel(
            key="livelihood-gate",
            title=_("小区门口待确认的物资"),
            icon="box-seam",
            count=qs.count(),
            rows=rows,
            empty=_("没有待确认的交接。"),
            url=reverse("livelihood:deliveries"),
            url_label=_("上门配送"),
            unit=_("件"),
        )
    ]
