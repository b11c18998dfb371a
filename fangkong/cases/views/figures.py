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

from .. import selectors
from ..forms import DayForm


@login_required
def day_figures(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = DayForm(request.GET or None)
    day = form.day(today)
    figures = selectors.day_figures(date=day, user=request.user)
    rows = figures.by_district
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
