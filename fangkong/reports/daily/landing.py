"""日报 on an office's home page (fangkong.core.landing): today's report of each place the user files
for while it is not submitted, and the units that have not submitted yet (past their deadline
flagged). Shown only while there is something to do."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.modules import PANEL_ROWS, LandingPanel, LandingRow
from fangkong.core.timefmt import local_minutes
from fangkong.policy.regimen import local_date

from .choices import ReportStatus, UnitState
from .deadlines import deadline_for
from .places import filing_places
from .selectors import report_for, units_on


def today(user: Any, now: dt.datetime) -> list[LandingPanel]:
    day = local_date(now)
    url = reverse("daily:day")
    rows: list[LandingRow] = []
    count = 0
    for place in filing_places(user)[:5]:
        report = report_for(user=user, place=place, date=day)
        if report is None or report.status != ReportStatus.SUBMITTED:
            due = deadline_for(place.level, day)
            count += 1
            rows.append(
                LandingRow(
                    text=_("%(place)s今日日报") % {"place": place.name},
                    url=reverse("daily:report", args=[report.pk]) if report else url,
                    detail=_("%(t)s 前报送") % {"t": local_minutes(due)},
                    flag=_("逾期") if now > due else _("未报送"),
                )
            )
        for unit in units_on(user=user, place=place, date=day, now=now):
            if unit.state in (UnitState.MISSING, UnitState.DRAFT):
                count += 1
                if len(rows) < PANEL_ROWS:
                    rows.append(LandingRow(text=unit.place.name, url=url, detail=unit.label, flag=_("逾期") if unit.overdue else ""))
    if not count:
        return []
    return [
        LandingPanel(
            key="daily-reports",
            title=_("今日日报未报送"),
            icon="journal-text",
            count=count,
            rows=rows[:PANEL_ROWS],
            empty=_("今日日报均已报送。"),
            url=url,
            url_label=_("日报"),
            unit=_("份"),
        )
    ]
