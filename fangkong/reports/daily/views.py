"""The daily report pages: the day's reports of the places a user files for with their units'
states, one report (its figures, its texts, submit, compile, reopen a unit's) and its exports.
Views parse, call the services and render; scoping is the selectors' (an invisible report is 404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.core.actions import refused_on
from fangkong.core.dbrouting import reads_from_replica
from fangkong.core.exports import ascii_filename
from fangkong.core.permissions import require_page, user_can
from fangkong.core.timefmt import local_minutes

from . import services
from .choices import CHILD, ReportStatus
from .document import document_of, unit_figures_rows
from .figures import catalogue
from .forms import ActionForm, DayForm, OpenForm, ReopenForm, TextsForm
from .models import DailyReport
from .permissions import DailyCap
from .places import files_for, filing_places
from .render import docx_bytes, pdf_bytes, xlsx_bytes
from .selectors import report_for, report_get, report_list, unit_states, units_on

FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx_bytes),
    "pdf": ("application/pdf", pdf_bytes),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None),
}


@login_required
def day(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    date = DayForm(request.GET or None).day(today)
    places = []
    for place in filing_places(request.user):
        report = report_for(user=request.user, place=place, date=date)
        units = units_on(user=request.user, place=place, date=date)
        places.append({"place": place, "report": report, "units": units, "compiles": place.level in CHILD})
    return render(
        request,
        "reports/daily/day.html",
        {
            "form": DayForm(initial={"date": date}),
            "date": date,
            "previous": date - dt.timedelta(days=1),
            "places": places,
            "others": report_list(user=request.user, date=date).exclude(place_key__in=[p["place"].key for p in places])[:200],
            "can_write": user_can(request.user, DailyCap.WRITE),
        },
    )


@login_required
@require_POST
def open_report(request: HttpRequest) -> HttpResponse:
    require_page(request.user, DailyCap.WRITE)
    form = OpenForm(request.POST)
    if form.is_valid():
        with refused_on(form):
            report = services.report_open(
                actor=request.user, level=form.cleaned_data["level"], place_id=form.cleaned_data["place"], date=form.cleaned_data["date"]
            )
            return redirect("daily:report", pk=report.pk)
    for error in [*form.non_field_errors(), *(e for f in form for e in f.errors)]:
        messages.error(request, error)
    return redirect("daily:day")


def _page(
    request: HttpRequest, report: DailyReport, *, texts: TextsForm | None = None, action: Any = None, status: int = 200
) -> HttpResponse:
    writable = files_for(request.user, report.level, report.place_id) and user_can(request.user, DailyCap.WRITE)
    editable = writable and report.status == ReportStatus.DRAFT and report.compiled_into_id is None
    values = report.figures or {}
    figures = [(f, values.get(f.key, 0)) for f in catalogue()]
    units = unit_states(user=request.user, report=report)
    return render(
        request,
        "reports/daily/report.html",
        {
            "report": report,
            "figures": figures,
            "units": units,
            "compiles": report.level in CHILD,
            "writable": writable,
            "editable": editable,
            "texts": texts or TextsForm(initial={"problems": report.problems, "needs": report.needs, "next_steps": report.next_steps}),
            "action": action,
            "reopen_form": ReopenForm(),
            "can_reopen_units": user_can(request.user, DailyCap.WRITE) and files_for(request.user, report.level, report.place_id),
        },
        status=status,
    )


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    found = report_get(user=request.user, pk=pk)
    if request.method == "POST":
        require_page(request.user, DailyCap.WRITE)
        form = TextsForm(request.POST)
        if form.is_valid():
            with refused_on(form):
                services.report_edit(actor=request.user, report=found, **form.cleaned_data)
                messages.success(request, _("已保存"))
                return redirect("daily:report", pk=found.pk)
        return _page(request, found, texts=form, status=422)
    return _page(request, found)


def _action(request: HttpRequest, pk: int, call: Any, done: str) -> HttpResponse:
    require_page(request.user, DailyCap.WRITE)
    found = report_get(user=request.user, pk=pk)
    form = ActionForm(request.POST)
    with refused_on(form):
        call(actor=request.user, report=found)
        messages.success(request, done)
        return redirect("daily:report", pk=found.pk)
    return _page(request, report_get(user=request.user, pk=pk), action=form, status=422)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.report_submit, _("已报送"))


@login_required
@require_POST
def compile_units(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.report_compile, _("已汇总下级日报"))


@login_required
@require_POST
def refill(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, services.report_refill, _("已重新取数"))


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a unit's report (pk) back; answered on the page of the report that compiles it."""
    require_page(request.user, DailyCap.WRITE)
    unit = report_get(user=request.user, pk=pk)
    form = ReopenForm(request.POST)
    parent = report_list(user=request.user, date=unit.date).filter(place_key=_parent_key(unit)).first()
    if form.is_valid():
        with refused_on(form):
            services.report_reopen(actor=request.user, report=unit, reason=form.cleaned_data["reason"])
            messages.success(request, _("已退回“%(place)s”的日报") % {"place": unit.place_name})
            return redirect("daily:report", pk=parent.pk) if parent else redirect("daily:day")
    if parent is None:
        raise Http404
    return _page(request, parent, action=form, status=422)


def _parent_key(unit: DailyReport) -> str:
    from .choices import PARENT, ReportLevel

    parent = PARENT.get(unit.level)  # type: ignore[call-overload]
    if parent is None:
        return ""
    return "city" if parent == ReportLevel.CITY else f"{parent}:{getattr(unit, f'{parent}_id')}"


@login_required
@reads_from_replica
def export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The report as .docx or PDF in the official layout, or its figures (by unit) as .xlsx; audited
    (data.export) like every list's export."""
    if fmt not in FORMATS:
        raise Http404
    found = report_get(user=request.user, pk=pk)
    content_type, writer = FORMATS[fmt]
    doc = document_of(user=request.user, report=found)
    if writer is not None:
        body = writer(doc)
    else:
        headers, rows = unit_figures_rows(user=request.user, report=found)
        about = [
            (_("日报"), doc.title),
            (_("日期"), doc.date_line),
            (_("状态"), doc.status_line),
            (_("导出时间"), local_minutes(timezone.now())),
        ]
        body = xlsx_bytes(title=_("主要数据"), headers=headers, rows=rows, about=about)
    audit_record(
        actor=request.user,
        event_type=EventType.EXPORT,
        obj=found,
        object_type="reports.daily_report",
        count=1,
        after={"list": "reports.daily_report", "format": fmt, "date": str(found.date), "level": found.level},
    )
    response = HttpResponse(body, content_type=content_type)
    name = ascii_filename(f"daily-report-{found.level}-{found.date:%Y%m%d}").removesuffix(".xlsx") + f".{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
