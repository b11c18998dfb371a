"""Pages: the job list, the upload form, a job with its progress and errors, downloads."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.errors import DomainError
from fangkong.core.filestore import download_response
from fangkong.core.htmx import render_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import user_can
from fangkong.geo.permissions import GeoCap

from . import selectors, services
from .columns_help import COLUMN_HELP
from .forms import UploadForm
from .readers import COLUMNS, template_csv, template_xlsx


def import_required(view: Callable) -> Callable:
    """Signed in (else the login page) and a role with the import capability (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not user_can(request.user, GeoCap.IMPORT):
            raise PermissionDenied(_("您的角色无权批量导入"))
        return view(request, *args, **kwargs)

    return wrapped


@import_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.import_job_list(user=request.user))
    return render(request, "imports/job_list.html", {"page_obj": page, "jobs": page.object_list})


@import_required
@require_http_methods(["GET", "POST"])
def job_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(actor=request.user, upload=form.cleaned_data["file"], mode=form.cleaned_data["mode"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.info(request, _("文件已上传，正在后台处理。"))
            return redirect("imports:job_detail", pk=job.pk)
    columns = [(c, COLUMN_HELP[c.key]) for c in COLUMNS]
    return render(request, "imports/job_upload.html", {"form": form, "columns": columns})


@import_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get(user=request.user, pk=pk)
    progress = selectors.import_job_progress(job)
    if request.htmx and request.GET.get("poll") and job.is_finished:
        # The run just ended: reload the whole page so the counts and the error table appear.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    files_readable = selectors.import_job_files_readable(user=request.user, job=job)
    context = {
        "job": job,
        "progress": progress,
        "errors": selectors.import_job_errors(job) if job.is_finished and files_readable else [],
        "errors_shown": selectors.ERRORS_SHOWN,
        "files_readable": files_readable,
        "may_rerun": services.may_rerun(user=request.user, job=job),
    }
    return render_page(request, "imports/job_detail.html", context, partial="progress")


@import_required
@require_POST
def job_import_valid_rows(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_for_rerun(user=request.user, pk=pk)
    try:
        new = services.import_job_rerun(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("imports:job_detail", pk=job.pk)
    messages.info(request, _("正在导入有效行，错误行将被跳过。"))
    return redirect("imports:job_detail", pk=new.pk)


def _download(request: HttpRequest, pk: int, which: str, filename: str, content_type: str) -> HttpResponse:
    """The importing user's or the auditor's download of a job's file: 404 for anyone else (as for a
    missing job), audited, never cached."""
    job = selectors.import_job_for_files(user=request.user, pk=pk)
    try:
        stream = services.import_job_file_open(actor=request.user, job=job, which=which)
    except FileNotFoundError as exc:
        raise Http404 from exc
    return download_response(stream, filename=filename.format(job=job), content_type=content_type)


@login_required
@require_GET
def job_error_report(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "errors", "导入错误报告-{job.pk}.csv", "text/csv; charset=utf-8")


@login_required
@require_GET
def job_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The uploaded file itself, as it was uploaded."""
    return _download(request, pk, "upload", "{job.original_name}", "application/octet-stream")


@import_required
@require_GET
def template_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
        filename = "人员导入模板.csv"
    elif fmt == "xlsx":
        response = HttpResponse(template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        filename = "人员导入模板.xlsx"
    else:
        raise Http404
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
