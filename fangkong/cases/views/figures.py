"""The day's figures as the press conference gives them (新闻发布会口径), for the cases the user covers:
the sentence to read out, the figures by district, where the new positives were found (isolation and
controlled areas vs 社会面), and the time from positive result to admission (median, p90, the share
admitted the same day), with a bar chart by district. One Beijing day (0—24 时), chosen by date.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.exports import export_xlsx
from fangkong.core.exports import Column, wants_xlsx

from .. import selectors
from ..forms import DayForm


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def district_columns(day: dt.date) -> list[Column]:
    """The figures by district as exported: the page's table, the day in every row."""
    return [
        Column(_("日期"), lambda d: day, 12),
        Column(_("区县"), lambda d: d.name, 14),
        Column(_("新增确诊"), lambda d: d.new_confirmed, 10),
        Column(_("新增无症状"), lambda d: d.new_asymptomatic, 10),
        Column(_("隔离管控区域"), lambda d: d.found_controlled, 12),
        Column(_("社会面"), lambda d: d.found_community, 10),
        Column(_("出院"), lambda d: d.discharged, 8),
        Column(_("现有"), lambda d: d.under_treatment, 8),
        Column(_("当日阳性"), lambda d: d.admission.cohort, 10),
        Column(_("当日收治"), lambda d: d.admission.same_day, 10),
        Column(_("至入院中位（小时）"), lambda d: _hours(d.admission.median_hours), 14),
        Column(_("P90（小时）"), lambda d: _hours(d.admission.p90_hours), 12),
    ]


@login_required
def day_figures(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = DayForm(request.GET or None)
    day = form.day(today)
    figures = selectors.day_figures(date=day, user=request.user)
    rows = figures.by_district
    if wants_xlsx(request):
        return export_xlsx(
            request,
            list_name="cases.day_figures",
            title=_("疫情数据（分区县）"),
            columns=district_columns(day),
            rows=rows,
            filters={"date": day.isoformat()},
            filename=f"case-figures-{day:%Y%m%d}",
        )
    chart = {
        "districts": [d.name for d in rows],
        "confirmed": [d.new_confirmed for d in rows],
        "asymptomatic": [d.new_asymptomatic for d in rows],
        "controlled": [d.found_controlled for d in rows],
        "community": [d.found_community for d in rows],
        "labels": {
            "confirmed": _("新增确诊"),
            "asymptomatic": _("新增无症状"),
            "controlled": _("隔离管控区域"),
            "community": _("社会面"),
        },
    }
    context = {
        "form": DayForm(initial={"date": day}),
        "day": day,
        "today": today,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1) if day < today else None,
        "figures": figures,
        "rows": rows,
        "chart": chart,
        "has_new": any(d.new_confirmed or d.new_asymptomatic for d in rows),
    }
    return render(request, "cases/figures/day_figures.html", context)
