"""快转 on the home page (fangkong.core.landing): a hospital's arrivals and its patients to assess for
discharge; a community's home health monitoring. Built on the selectors; every read is the user's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.modules import PANEL_ROWS, LandingPanel, LandingRow
from fangkong.core.timefmt import local_minutes

from . import selectors


def arrivals(user: Any, now: dt.datetime) -> list[LandingPanel]:
    """Patients on their way to the user's facility (or waiting for a vehicle), by deadline."""
    items = selectors.transfer_board(user=user, now=now, limit=PANEL_ROWS)
    url = reverse("cases:board")
    rows = [
        LandingRow(
            text=i.person.name,
            url=reverse("cases:case_detail", args=[i.case.pk]),
            detail=_("%(status)s · %(facility)s · 时限 %(at)s")
            % {
                "status": i.transfer.get_status_display(),
                "facility": i.transfer.assigned_facility.name if i.transfer.assigned_facility_id else "—",
                "at": local_minutes(i.deadline_at),
            },
            flag=_("超时") if i.overdue else "",
        )
        for i in items
    ]
    return [
        LandingPanel(
            key="arrivals",
            title=_("待收治（转运途中）"),
            icon="truck",
            count=selectors.transfer_board_count(user=user, now=now),
            rows=rows,
            empty=_("没有正在转来的患者。"),
            url=url,
            url_label=_("转运看板"),
        )
    ]


def discharges(user: Any, now: dt.datetime) -> list[LandingPanel]:
    """Admitted patients (the count), those meeting the discharge criteria first and flagged."""
    reviews = selectors.discharge_reviews(user=user)
    rows = [
        LandingRow(
            text=r.case.person.name,
            url=reverse("cases:case_detail", args=[r.case.pk]),
            detail=_("%(facility)s · 入院 %(at)s")
            % {"facility": r.case.facility.name if r.case.facility_id else "—", "at": local_minutes(r.case.admitted_at)},
            flag=_("符合出院条件") if r.check.passed else "",
        )
        for r in reviews[:PANEL_ROWS]
    ]
    return [
        LandingPanel(
            key="discharges",
            title=_("在院患者 · 出院评估"),
            icon="clipboard2-check",
            count=selectors.in_care_admitted(user=user).count(),
            rows=rows,
            empty=_("没有在院患者。"),
            url=reverse("cases:case_list"),
            url_label=_("在院患者"),
        )
    ]


def monitoring(user: Any, now: dt.datetime) -> list[LandingPanel]:
    """居家健康监测 handed to the user's communities, the soonest to end first."""
    items = selectors.monitoring_list(user=user)
    url = reverse("cases:monitoring_list")
    rows = [
        LandingRow(text=m.person.name, url=url, detail=_("监测至 %(at)s") % {"at": local_minutes(m.ends_at)}) for m in items[:PANEL_ROWS]
    ]
    return [
        LandingPanel(
            key="monitoring",
            title=_("居家健康监测"),
            icon="heart-pulse",
            count=items.count(),
            rows=rows,
            empty=_("没有正在居家健康监测的人员。"),
            url=url,
            url_label=_("监测名单"),
        )
    ]
