"""快隔 figures of a day (default today), inside the user's jurisdiction: episodes opened by kind, the
same-day deadline met and missed (日清日结), overdue now, people in isolation by site, checked in,
released, handed over, completed and turned positive, handovers pending, and the hours from
identification to check-in by district. The contact-tracing figures (密接、次密接, chains) join when
the tracing pages do."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.exports import export_xlsx
from fangkong.core.exports import wants_xlsx

from .. import selectors
from ..choices import EpisodeKind
from ..forms import parse_day
from .common import today
from .exports import figure_columns, figure_rows


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    day = min(parse_day(request.GET.get("day"), today()), today())
    f = selectors.figures(user=request.user, day=day, now=timezone.now())
    if wants_xlsx(request):
        return export_xlsx(
            request,
            list_name="isolation.figures",
            title=_("快隔数据"),
            columns=figure_columns(day),
            rows=figure_rows(f),
            filters={"day": day.isoformat()},
            filename=f"isolation-figures-{day:%Y%m%d}",
        )
    kinds = [(label, f.identified.get(value, 0)) for value, label in EpisodeKind.choices]
    chart = {
        "sites": {"names": list(f.in_isolation_by_site), "values": list(f.in_isolation_by_site.values()), "label": _("在隔人数")},
        "delay": {
            "names": [d.name for d in f.delay_by_district],
            "average": [d.average_hours for d in f.delay_by_district],
            "max": [d.max_hours for d in f.delay_by_district],
            "labels": {"average": _("平均（小时）"), "max": _("最长（小时）")},
        },
        "kinds": [{"name": str(label), "value": n} for label, n in kinds if n],
    }
    context = {
        "f": f,
        "contacts": _contacts(f),
        "day": day,
        "kinds": kinds,
        "chart": chart,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1) if day < today() else None,
        "in_time_pct": round(f.in_time_share * 100) if f.in_time_share is not None else None,
    }
    return render(request, "isolation/figures.html", context)


def _contacts(f: selectors.Figures) -> dict | None:
    """The 流调 part of the figures, where the tracing module fills it in (contacts_identified …)."""
    identified = getattr(f, "contacts_identified", None)
    if identified is None:
        return None
    labels = dict(EpisodeKind.choices)  # a contact's kind is the kind of episode it is isolated under
    in_time, late, awaiting = f.contacts_isolated_in_time, f.contacts_isolated_late, f.contacts_still_awaiting
    counted = in_time + late + awaiting
    return {
        "kinds": [(labels.get(k, k), n) for k, n in identified.items()],
        "total": sum(identified.values()),
        "in_time": in_time,
        "late": late,
        "awaiting": awaiting,
        "in_time_pct": round(in_time * 100 / counted) if counted else None,
        "delay": f.contact_delay_by_district,
    }
