"""The 跟踪问效 page: per unit below the user's place, over a period, the figures of 督导, of the
system's flags and of the daily reports; a figure opens its items below the table; `?format=xlsx`
exports the table (audited). Figures only: no person is named on the page or in the file."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from fangkong.audit.exports import export_xlsx
from fangkong.core.dbrouting import reads_from_replica
from fangkong.core.exports import Column, wants_xlsx
from fangkong.core.periods import PeriodForm
from fangkong.core.scoping import jurisdiction_of
from fangkong.core.timefmt import local_minutes
from fangkong.flags.models import Flag
from fangkong.supervision import selectors as supervision

from ..daily.models import DailyReport
from . import selectors
from .selectors import FLAGS, REPORTS, SUPERVISION, Accountability

LABELS = {
    "findings": gettext_lazy("督导发现问题"),
    "on_time": gettext_lazy("按期整改"),
    "late": gettext_lazy("逾期整改"),
    "open": gettext_lazy("未销号"),
    "flags_raised": gettext_lazy("新提示"),
    "flags_cleared": gettext_lazy("已消除"),
    "flags_open": gettext_lazy("期末未消除"),
    "reports_on_time": gettext_lazy("按时报送"),
    "reports_late": gettext_lazy("逾期报送"),
    "reports_missing": gettext_lazy("未报送"),
}
GROUPS = (
    (gettext_lazy("督导整改"), SUPERVISION),
    (gettext_lazy("系统提示"), FLAGS),
    (gettext_lazy("日报"), REPORTS),
)


def columns(result: Accountability) -> list[Column]:
    figures = [f for f in LABELS if result.shows_supervision or f not in SUPERVISION]
    return [
        Column(_("单位"), lambda r: r.name, 18),
        *[Column(str(LABELS[f]), (lambda r, f=f: r.count(f)), 10) for f in figures],
    ]


def _item(text: str, when: str, state: str, url: str = "") -> dict[str, str]:
    return {"text": text, "when": when, "state": state, "url": url}


def _items(request: HttpRequest, result: Accountability, unit: str, figure: str) -> list[dict[str, str]]:
    """The items behind one figure, each with its link — read again through each app's scoped reads."""
    row = result.row(unit)
    if row is None or figure not in LABELS:
        return []
    ids, user, label = row.items[figure], request.user, str(LABELS[figure])
    if figure in SUPERVISION:
        if not result.shows_supervision:
            return []
        rects = supervision.rectification_list(user=user).filter(pk__in=ids).order_by("deadline")
        return [
            _item(r.finding, local_minutes(r.deadline), r.get_status_display(), reverse("supervision:rectification_detail", args=[r.pk]))
            for r in rects
        ]
    if figure in FLAGS:
        flags = Flag.objects.visible_to(user).filter(pk__in=ids).order_by("-raised_at")
        return [_item(f"{f.get_rule_display()} · {f.title} · {f.place_name}", local_minutes(f.raised_at), _flag_state(f)) for f in flags]
    if figure == "reports_missing":
        return [_item(row.name, day.isoformat(), label) for day in ids]
    reports = DailyReport.objects.visible_to(user).filter(pk__in=ids).order_by("date")
    return [_item(r.place_name, r.date.isoformat(), label, reverse("daily:report", args=[r.pk])) for r in reports]


def _flag_state(flag: Flag) -> str:
    return _("未消除") if flag.cleared_at is None else _("已消除 %(at)s") % {"at": local_minutes(flag.cleared_at)}


@login_required
@require_GET
@reads_from_replica
def accountability(request: HttpRequest) -> HttpResponse:
    if jurisdiction_of(request.user).is_empty:
        raise PermissionDenied(_("跟踪问效只对有辖区的单位开放"))
    today = timezone.localdate()
    form = PeriodForm.for_request(request.GET, today)
    place = selectors.home_place(request.user, request.GET.get("place", ""))
    context: dict[str, Any] = {"form": form, "place": place, "labels": LABELS, "groups": GROUPS}
    if not form.is_valid():
        return render(request, "reports/accountability.html", context, status=422)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    result = selectors.accountability_by_unit(user=request.user, start=start, end=end, place=place)
    if wants_xlsx(request):
        return export_xlsx(
            request,
            list_name="reports.accountability",
            title=_("跟踪问效"),
            columns=columns(result),
            rows=result.rows,
            filters={"place": place.key if place else "", "start": start.isoformat(), "end": end.isoformat()},
            filename=f"accountability-{start:%Y%m%d}-{end:%Y%m%d}",
        )
    unit, figure = request.GET.get("unit", ""), request.GET.get("figure", "")
    context |= {
        "result": result,
        "query": f"start={start.isoformat()}&end={end.isoformat()}" + (f"&place={place.key}" if place else ""),
        "items": _items(request, result, unit, figure),
        "picked": (result.row(unit), LABELS[figure]) if result.row(unit) and figure in LABELS else None,
        "groups": [(label, [f for f in figs if result.shows_supervision or f not in SUPERVISION]) for label, figs in GROUPS],
    }
    return render(request, "reports/accountability.html", context)
