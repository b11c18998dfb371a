"""The audit log on the home page (fangkong.core.landing): today's events, the personal-data ones
(a full ID number seen or searched, an export) flagged. Built on the selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.modules import PANEL_ROWS, LandingPanel, LandingRow, registry
from fangkong.core.timefmt import local_minutes

from . import selectors
from .catalogue import EventType

PERSONAL = frozenset({EventType.ID_REVEALED, EventType.NUMBER_SEARCHED, EventType.EXPORT})


def today(user: Any, now: dt.datetime) -> list[LandingPanel]:
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    events = selectors.event_list(user=user).filter(at__gte=midnight)
    rows = [
        LandingRow(
            text=registry.event_label(e.event_type),
            url=reverse("audit:event_detail", args=[e.pk]),
            detail=f"{e.actor_name or '—'} · {local_minutes(e.at)}",
            flag=_("个人信息") if e.event_type in PERSONAL else "",
        )
        for e in events[:PANEL_ROWS]
    ]
    return [
        LandingPanel(
            key="audit-today",
            title=_("今日审计事件"),
            icon="journal-text",
            count=events.count(),
            rows=rows,
            empty=_("今天还没有审计事件。"),
            url=reverse("audit:event_list"),
            url_label=_("审计日志"),
        )
    ]
