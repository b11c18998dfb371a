"""快检 pages for laboratories (检测机构): the lab's tubes in a round, receiving tubes, uploading
result files (CSV, .xlsx, FHIR R4 Bundle) and their reports, results that matched no tube.

Views only parse, call lab_queue (reads), services (writes, the uploads among them), and render. A lab
user sees only their own laboratory's tubes and uploads; anything else answers 404.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.errors import DomainError
from fangkong.core.filestore import download_response
from fangkong.core.htmx import render_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import user_can
from fangkong.core.spreadsheets import SafeCsvWriter, append_row
from fangkong.results.choices import Result
from fangkong.testing.permissions import TestingCap

from .. import selectors, services
from ..choices import UnmatchedReason
from ..models import Laboratory, ResultUpload, TestingRound
from ..selectors import lab_queue

HOME_TEMPLATE = "testing/lab/home.html"
ERRORS_SHOWN = 200
RECENT_UPLOADS = 10

# The lab file's columns (docs/user-guide/testing.md "Lab result files"): header, required, content.
TEMPLATE_COLUMNS: list[tuple[str, Any, Any]] = [
    ("条码", gettext_lazy("必填"), gettext_lazy("试管条码（也可写作 试管条码 / 样本条码 / barcode）")),
    ("结果", gettext_lazy("有 Ct 值列时可空"), gettext_lazy("阴性 / 阳性 / 无效（negative / positive / invalid）")),
    ("ORF1ab", gettext_lazy("阳性必填"), gettext_lazy("ORF1ab 基因 Ct 值，0–50；未检出留空")),
    ("N", gettext_lazy("阳性必填"), gettext_lazy("N 基因 Ct 值，0–50；未检出留空")),
    ("报告时间", gettext_lazy("必填"), gettext_lazy("YYYY-MM-DD HH:MM[:SS]（北京时间），或带时区的 ISO 8601")),
]

# What each field named in an error is, in the lab's words.
FIELD_LABELS: dict[str, Any] = {
    "barcode": gettext_lazy("条码"),
    "result": gettext_lazy("结果"),
    "ct_orf1ab": gettext_lazy("ORF1ab Ct 值"),
    "ct_n": gettext_lazy("N Ct 值"),
    "reported_at": gettext_lazy("报告时间"),
    "file": gettext_lazy("文件"),
    "bundle": gettext_lazy("Bundle"),
    "entry": gettext_lazy("Bundle 条目"),
    "resourceType": gettext_lazy("资源类型"),
    "code": gettext_lazy("检测项目（code）"),
    "status": gettext_lazy("状态（status）"),
    "specimen.identifier.value": gettext_lazy("条码（specimen.identifier.value）"),
    "valueCodeableConcept": gettext_lazy("结果（valueCodeableConcept）"),
    "issued": gettext_lazy("报告时间（issued）"),
}


def lab_required(view: Callable) -> Callable:
    """Signed in (else the login page) and a laboratory role (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not user_can(request.user, TestingCap.LAB):
            raise PermissionDenied(_("您的角色无权接收试管或报告结果"))
        return view(request, *args, **kwargs)

    return wrapped


class ReceiveForm(forms.Form):
    barcodes = forms.CharField(
        label=gettext_lazy("试管条码"),
        max_length=2_000_000,
        error_messages={"required": gettext_lazy("请扫描或粘贴试管条码，每行一个")},
        widget=forms.Textarea,
    )

    def clean_barcodes(self) -> list[str]:
        values = [b for b in re.split(r"[\s,;，；]+", self.cleaned_data["barcodes"]) if b]
        if not values:
            raise forms.ValidationError(_("请扫描或粘贴试管条码，每行一个"))
        return values


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("结果文件"),
        help_text=gettext_lazy("CSV（UTF-8 或 GBK）、Excel（.xlsx，第一个工作表）或 FHIR R4 Bundle（.json）；第 1 行为表头"),
        error_messages={"required": gettext_lazy("请选择结果文件")},
        widget=forms.ClearableFileInput(attrs={"class": "form-control form-control-lg", "accept": ".csv,.txt,.xlsx,.json"}),
    )


def _lab(request: HttpRequest, *, required: bool = True) -> tuple[Laboratory | None, list[Laboratory]]:
    """The user's laboratory (?lab= or the posted `lab` when they hold several)."""
    wanted = request.POST.get("lab") if request.method == "POST" else request.GET.get("lab")
    try:
        return lab_queue.laboratory_for(user=request.user, lab_id=wanted)
    except Http404:
        if required or wanted:
            raise
        return None, []


def _lab_url(name: str, testing_round: TestingRound, lab: Laboratory, labs: list[Laboratory], *args: Any) -> str:
    url = reverse(f"testing:{name}", args=[testing_round.pk, *args])
    return f"{url}?{urlencode({'lab': lab.pk})}" if len(labs) > 1 else url


def _home_context(request: HttpRequest, testing_round: TestingRound, lab: Laboratory, labs: list[Laboratory]) -> dict[str, Any]:
    user = request.user
    return {
        "round": testing_round,
        "lab": lab,
        "labs": labs,
        "counts": lab_queue.lab_counts(user=user, testing_round=testing_round, laboratory=lab),
        "overdue": list(lab_queue.overdue_lab_tubes(user=user, testing_round=testing_round, laboratory=lab)[:20]),
        "uploads": list(lab_queue.upload_list(user=user, testing_round=testing_round, laboratory=lab)[:RECENT_UPLOADS]),
        "receive_form": ReceiveForm(),
        "upload_form": UploadForm(),
        "unmatched_count": selectors.unmatched_list(user=user, testing_round=testing_round).filter(laboratory=lab).count(),
    }


@lab_required
@require_GET
def lab_home(request: HttpRequest, pk: int) -> HttpResponse:
    testing_round = selectors.round_get(user=request.user, pk=pk)
    lab, labs = _lab(request, required=False)
    if lab is None:
        return render_page(request, HOME_TEMPLATE, {"round": testing_round, "lab": None})
    return render_page(request, HOME_TEMPLATE, _home_context(request, testing_round, lab, labs))


def _without_refused(barcodes: list[str], errors: list[services.RowError]) -> list[str]:
    """The scanned barcodes minus the refused ones, each once (to receive the rest in one click).

    A duplicate is refused at its second row: the barcode itself is kept once."""
    refused = set()
    for e in errors:
        i = e.row - 1
        if 0 <= i < len(barcodes) and barcodes[i] not in barcodes[:i]:
            refused.add(barcodes[i])
    seen: set[str] = set()
    out = []
    for b in barcodes:
        if b not in refused and b not in seen:
            seen.add(b)
            out.append(b)
    return out


@lab_required
@require_POST
def tube_receive(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign for many tubes at once (scanned one per line). All or nothing: refusals name each line."""
    testing_round = selectors.round_get(user=request.user, pk=pk)
    lab, labs = _lab(request)
    form = ReceiveForm(request.POST)
    result: dict[str, Any] = {}
    if form.is_valid():
        barcodes = form.cleaned_data["barcodes"]
        try:
            report = services.tube_receive(actor=request.user, testing_round=testing_round, laboratory=lab, barcodes=barcodes)
        except services.RowsRefused as exc:
            result = {"refused": exc.errors, "scanned": len(barcodes), "rest": _without_refused(barcodes, exc.errors)}
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            summary = _("已接收 %(n)s 支试管") % {"n": report.received}
            if report.already:
                summary += _("；%(n)s 支此前已接收") % {"n": report.already}
            if not request.htmx:
                messages.success(request, summary)
                return redirect(_lab_url("lab", testing_round, lab, labs))
            result = {"report": report, "summary": summary}
            form = ReceiveForm()
    context = _home_context(request, testing_round, lab, labs) | {"receive_form": form, "receive": result}
    return render_page(request, HOME_TEMPLATE, context, partial="receive")


@lab_required
@require_http_methods(["GET", "POST"])
def result_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a result file; small files are applied at once, large ones in the background."""
    testing_round = selectors.round_get(user=request.user, pk=pk)
    lab, labs = _lab(request)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.result_upload_create(
                actor=request.user, testing_round=testing_round, laboratory=lab, filename=upload.name, data=upload.read()
            )
        except DomainError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
        else:
            if job.in_background:
                messages.info(request, _("文件较大，正在后台处理。"))
            return redirect(_lab_url("result_upload_status", testing_round, lab, labs, job.pk))
    context = {
        "round": testing_round,
        "lab": lab,
        "labs": labs,
        "form": form,
        "columns": TEMPLATE_COLUMNS,
        "inline_max_rows": services.inline_max_rows(),
        "uploads": list(lab_queue.upload_list(user=request.user, testing_round=testing_round, laboratory=lab)[:RECENT_UPLOADS]),
    }
    return render_page(request, "testing/lab/upload.html", context)


def _errors_for_display(job: ResultUpload, limit: int | None = ERRORS_SHOWN) -> list[dict[str, Any]]:
    rows = job.errors if limit is None else job.errors[:limit]
    return [{**e, "label": FIELD_LABELS.get(e.get("field", ""), e.get("field", ""))} for e in rows]


def _unmatched_for_display(job: ResultUpload, limit: int | None = ERRORS_SHOWN) -> list[dict[str, Any]]:
    rows = job.unmatched if limit is None else job.unmatched[:limit]
    return [
        {**u, "label": UnmatchedReason(u["reason"]).label if u.get("reason") in UnmatchedReason.values else u.get("reason")} for u in rows
    ]


def _received_at_upload(job: ResultUpload) -> list[dict[str, Any]]:
    """The tubes this upload recorded as received (the lab had not signed for them)."""
    return list((job.consequences or {}).get("received_at_upload") or [])


@lab_required
@require_GET
def result_upload_status(request: HttpRequest, pk: int, job: int) -> HttpResponse:
    """An upload's progress (polled while it runs), then its report."""
    testing_round = selectors.round_get(user=request.user, pk=pk)
    upload = lab_queue.upload_get(user=request.user, testing_round=testing_round, pk=job)
    if request.htmx and request.GET.get("poll") and upload.is_finished:
        # The job just ended: reload the page so the counts and the error table appear.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    context = {
        "round": testing_round,
        "lab": upload.laboratory,
        "upload": upload,
        "progress": lab_queue.upload_progress(upload),
        "errors": _errors_for_display(upload) if upload.is_finished else [],
        "unmatched": _unmatched_for_display(upload) if upload.is_finished else [],
        "received": _received_at_upload(upload)[:ERRORS_SHOWN],
        "errors_shown": ERRORS_SHOWN,
        "earlier": lab_queue.same_file_before(upload),
        "lab_url": reverse("testing:lab", args=[testing_round.pk]) + f"?{urlencode({'lab': upload.laboratory_id})}",
        "file_readable": lab_queue.upload_file_readable(user=request.user, upload=upload),
    }
    return render_page(request, "testing/lab/upload_status.html", context, partial="progress")


@lab_required
@require_GET
def result_upload_errors(request: HttpRequest, pk: int, job: int) -> HttpResponse:
    """The upload's error report as CSV (UTF-8 with BOM so Excel shows the Chinese): every error, then
    every barcode that matched no tube."""
    testing_round = selectors.round_get(user=request.user, pk=pk)
    upload = lab_queue.upload_get(user=request.user, testing_round=testing_round, pk=job)
    received = _received_at_upload(upload)
    if not upload.errors and not upload.unmatched and not received:
        raise Http404
    buf = io.StringIO()
    writer = SafeCsvWriter(buf)
    writer.writerow([_("类型"), _("行号"), _("字段"), _("条码"), _("说明")])
    for e in _errors_for_display(upload, limit=None):
        writer.writerow([_("错误"), e.get("row") or "", f"{e['label']}", "", e.get("message", "")])
    for u in _unmatched_for_display(upload, limit=None):
        writer.writerow([_("未匹配"), u.get("row") or "", FIELD_LABELS["barcode"], u.get("barcode", ""), u["label"]])
    for r in received:
        writer.writerow(
            [_("上传时接收"), r.get("row") or "", FIELD_LABELS["barcode"], r.get("barcode", ""), _("此前未扫码接收，已按上传时间登记接收")]
        )
    rows = len(upload.errors) + len(upload.unmatched) + len(received)
    services.result_upload_report_downloaded(actor=request.user, upload=upload, rows=rows)
    response = HttpResponse(buf.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"结果上传错误报告-{upload.pk}.csv")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def result_upload_file(request: HttpRequest, pk: int, job: int) -> HttpResponse:
    """The uploaded result file as it was uploaded: its uploader and the auditor only (404 for anyone
    else), audited, never cached."""
    testing_round = selectors.round_get(user=request.user, pk=pk)
    upload = lab_queue.upload_for_file(user=request.user, testing_round=testing_round, pk=job)
    try:
        stream = services.result_upload_file_open(actor=request.user, upload=upload)
    except FileNotFoundError as exc:
        raise Http404 from exc
    return download_response(stream, filename=upload.original_name, content_type="application/octet-stream")


@login_required
@require_GET
def unmatched_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Results that matched no sampled tube: barcodes the round does not know, tubes nobody was sampled into."""
    if not (user_can(request.user, TestingCap.LAB) or user_can(request.user, TestingCap.PLAN)):
        raise PermissionDenied(_("您的角色无权查看未匹配结果"))
    testing_round = selectors.round_get(user=request.user, pk=pk)
    rows = selectors.unmatched_list(user=request.user, testing_round=testing_round).select_related("laboratory")
    page = paginate(request, rows.order_by("-id"))
    context = {
        "round": testing_round,
        "page_obj": page,
        "rows": [(u, *_reported(u.payload)) for u in page.object_list],
        "is_lab": user_can(request.user, TestingCap.LAB),
    }
    return render_page(request, "testing/lab/unmatched_list.html", context, partial="rows")


def _reported(payload: dict[str, Any]) -> tuple[str, dt.datetime | None]:
    """An unmatched result's reported result (in words) and report time, from its kept payload."""
    value = payload.get("result") or ""
    label = Result(value).label if value in Result.values else value
    try:
        at = dt.datetime.fromisoformat(payload["reported_at"]) if payload.get("reported_at") else None
    except ValueError:
        at = None
    return label, at


def template_csv() -> bytes:
    """The empty result file (UTF-8 with BOM so Excel shows the Chinese header)."""
    buf = io.StringIO()
    SafeCsvWriter(buf).writerow([c[0] for c in TEMPLATE_COLUMNS])
    return buf.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """The Excel result file: the header on the first sheet, how to fill each column on a second."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = _("检测结果")
    append_row(ws, [c[0] for c in TEMPLATE_COLUMNS])
    for i, (header, _required, _help) in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="8B1A1A")
        ws.column_dimensions[cell.column_letter].width = 20 if header in ("条码", "报告时间") else 10
    for row in range(2, 2002):  # text, so Excel keeps barcodes with leading zeros
        ws.cell(row=row, column=1).number_format = "@"
    ws.freeze_panes = "A2"
    help_ws = wb.create_sheet(_("填写说明"))
    append_row(help_ws, [_("列"), _("是否必填"), _("说明")])
    for header, required, text in TEMPLATE_COLUMNS:
        append_row(help_ws, [header, str(required), str(text)])
    help_ws.column_dimensions["C"].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@login_required
@require_GET
def result_template(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        raise Http404
    response["Content-Disposition"] = content_disposition_header(True, f"核酸检测结果模板.{fmt}")
    return response


extra_urlpatterns: list = [
    path("rounds/<int:pk>/lab/results/<int:job>/errors.csv", result_upload_errors, name="lab_upload_errors"),
    path("rounds/<int:pk>/lab/results/<int:job>/file/", result_upload_file, name="lab_upload_file"),
]
