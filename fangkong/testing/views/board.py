"""快检 pages for the command centre, district and street offices and laboratories (each within what
they see): the deadline board (sampled → received → resulted against the 24-hour rule), the list of
overdue tubes, the round's progress chart, and the press-conference report with its Excel export.

Views only parse the request, call selectors and services, and render. A round anyone with a
jurisdiction may see; the counts inside are limited to the user's scope (a lab: its own tubes).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from fangkong.core.exports import XLSX_CONTENT_TYPE
from fangkong.core.htmx import render_page
from fangkong.core.pagination import paginate

from .. import selectors
from ..selectors import deadlines, press

XLSX = XLSX_CONTENT_TYPE


@login_required
def deadline_board(request: HttpRequest, pk: int) -> HttpResponse:
    testing_round = selectors.round_get(user=request.user, pk=pk)
    now = timezone.now()
    stages = deadlines.tube_stages(user=request.user, testing_round=testing_round, now=now)
    by_lab = selectors.overdue_by(user=request.user, testing_round=testing_round, by="laboratory", now=now)
    by_point = selectors.overdue_by(user=request.user, testing_round=testing_round, by="sampling_point", now=now)
    chart = {
        **deadlines.progress_series(user=request.user, testing_round=testing_round),
        "labels": {"sampled": _("累计采样（人份）"), "resulted": _("累计出结果（人份）")},
    }
    context = {
        "round": testing_round,
        "now": now,
        "rule": deadlines.deadline_rule(testing_round),
        "stages": stages,
        "overdue_samples": sum(g.overdue_samples for g in by_lab),
        "by_lab": by_lab,
        "by_point": by_point,
        "none_key": deadlines.NONE_KEY,
        "chart": chart,
    }
    return render(request, "testing/board/deadline_board.html", context)


@login_required
def overdue_tubes(request: HttpRequest, pk: int) -> HttpResponse:
    """The overdue tubes, all or of one lab (?laboratory=3, ?laboratory=none: not yet received) or
    sampling point (?sampling_point=7), the longest overdue first."""
    testing_round = selectors.round_get(user=request.user, pk=pk)
    now = timezone.now()
    only = None
    for by in ("laboratory", "sampling_point"):
        if request.GET.get(by):
            only = deadlines.overdue_filter(user=request.user, testing_round=testing_round, by=by, key=request.GET[by], now=now)
            break
    tubes = deadlines.overdue_tube_list(user=request.user, testing_round=testing_round, now=now, only=only)
    context = {"round": testing_round, "now": now, "only": only, "page_obj": paginate(request, tubes)}
    return render_page(request, "testing/board/overdue_tubes.html", context, partial="tubes")


@login_required
def press_report(request: HttpRequest, pk: int) -> HttpResponse:
    testing_round = selectors.round_get(user=request.user, pk=pk)
    rows = press.press_by_district(user=request.user, testing_round=testing_round)
    total = press.totals(rows)
    context = {
        "round": testing_round,
        "report": selectors.press_report(user=request.user, testing_round=testing_round, counted=(total.sampled, total.resulted)),
        "rows": rows,
        "total": total,
    }
    return render(request, "testing/board/press_report.html", context)


@login_required
def press_report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    testing_round = selectors.round_get(user=request.user, pk=pk)
    content = press.press_report_export(actor=request.user, testing_round=testing_round)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, press.export_filename(testing_round))
    return response


extra_urlpatterns: list = [
    path("rounds/<int:pk>/board/overdue/", overdue_tubes, name="overdue_tubes"),
]
