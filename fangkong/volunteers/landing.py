"""The volunteer coordinator's home page (fangkong.core.landing): applications waiting for
verification or approval, and today's needs still short of people — both within the user's reach.
A few indexed queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.modules import PANEL_ROWS, LandingPanel, LandingRow
from fangkong.core.timefmt import local_minutes

from .choices import VolunteerStatus
from .models import Volunteer
from .selectors import short_needs
from .services.shifts import span


def coordinator(user: Any, now: dt.datetime) -> list[LandingPanel]:
    waiting = (
        Volunteer.objects.visible_to(user).filter(status__in=(VolunteerStatus.APPLIED, VolunteerStatus.VERIFIED)).order_by("created_at")
    )
    rows = [
        LandingRow(
            text=v.name,
            url=reverse("volunteers:volunteer_detail", args=[v.pk]),
            detail=local_minutes(v.created_at),
            flag=v.get_status_display(),
        )
        for v in waiting[:PANEL_ROWS]
    ]
    short = short_needs(user=user, at=now)
    need_rows = [
        LandingRow(
            text=f"{n.point.name} · {n.task_type.name}",
            url=reverse("volunteers:need_detail", args=[n.pk]),
            detail=span(n.starts_at, n.ends_at),
            flag=_("缺 %(n)s 人") % {"n": n.headcount - n.taken},
        )
        for n in short[:PANEL_ROWS]
    ]
    return [
        LandingPanel(
            key="volunteers-applications",
            title=_("待审核的志愿者报名"),
            icon="person-check",
            count=waiting.count(),
            rows=rows,
            empty=_("没有待审核的报名。"),
            url=reverse("volunteers:volunteer_list") + "?status=applied",
            url_label=_("志愿者"),
            unit=_("人"),
        ),
        LandingPanel(
            key="volunteers-short",
            title=_("今日缺人的班次"),
            icon="calendar-x",
            count=short.count(),
            rows=need_rows,
            empty=_("今天的班次都已满员。"),
            url=reverse("volunteers:point_list"),
            url_label=_("服务点"),
            unit=_("个班次"),
        ),
    ]
