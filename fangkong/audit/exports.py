"""export_xlsx(), export_csv() and print_list(): a list page's rows as an Excel file, a CSV file or a
sheet to print, audited — what every list's export and printed view calls.

The writing is fangkong.core.exports (write-only, chunked, on disk, every cell through the formula
rule); this adds the data.export event: which list, its filters (a personal search term only as
"given"), how many rows — never the rows themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.dbrouting import replica_reads
from fangkong.core.exports import CSV_CONTENT_TYPE, Column, ascii_filename, print_table, spooled_csv, spooled_xlsx, xlsx_file_response
from fangkong.core.timefmt import local_minutes

from .catalogue import EventType
from .services import audit_record


def export_xlsx(
    request: HttpRequest,
    *,
    list_name: str,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Any],
    filters: Mapping[str, Any],
    filename: str,
) -> FileResponse:
    """`list_name`: the list's stable name for the log ("cases.case_list"); `title`: its translated
    name (sheet and about-sheet); `filters`: as fangkong.core.exports.describe_filters gives them;
    `filename`: an ASCII stem ("cases"), the Beijing minute is added."""
    now = timezone.now()
    about = [
        (_("列表"), title),
        (_("导出时间"), local_minutes(now)),
        (_("导出人"), request.user.get_username()),
        (_("筛选条件"), "; ".join(f"{k}={v}" for k, v in filters.items()) or _("无")),
        (_("证件号码"), _("已脱敏")),
    ]
    with replica_reads(request):  # the rows, from a read replica within the staleness bound (decision 0009)
        fh, count = spooled_xlsx(title=title, columns=columns, rows=rows, about=about, about_title=_("说明"))
    _audited(request, list_name=list_name, title=title, fmt="xlsx", filters=filters, count=count)
    return xlsx_file_response(fh, filename=ascii_filename(filename, at=now))


def export_csv(
    request: HttpRequest,
    *,
    list_name: str,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Any],
    filters: Mapping[str, Any],
    filename: str,
) -> FileResponse:
    """As `export_xlsx`, as CSV (UTF-8 with a BOM; the same columns, the same data.export event with
    format "csv")."""
    with replica_reads(request):
        fh, count = spooled_csv(columns=columns, rows=rows)
    _audited(request, list_name=list_name, title=title, fmt="csv", filters=filters, count=count)
    return xlsx_file_response(fh, filename=ascii_filename(filename, suffix="csv"), content_type=CSV_CONTENT_TYPE)


def _audited(request: HttpRequest, *, list_name: str, title: str, fmt: str, filters: Mapping[str, Any], count: int) -> None:
    """The data.export event of every export and printed list: which list, format, filters, how many rows."""
    audit_record(
        actor=request.user,
        event_type=EventType.EXPORT,
        object_type=list_name,
        object_repr=title,
        count=count,
        after={"list": list_name, "format": fmt, "filters": dict(filters), "rows": count},
    )


def print_list(
    request: HttpRequest,
    *,
    list_name: str,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Any],
    filters: Mapping[str, Any],
    subtitle: str = "",
    back: str = "",
) -> HttpResponse:
    """The list as a sheet to print (`?print=1`): no navigation, a header with the list's name and
    the Beijing time printed, every filtered row up to PRINT_CAP. Audited like an export (format
    "print"): a list on paper leaves the platform too."""
    with replica_reads(request):
        table = print_table(columns=columns, rows=rows)
    _audited(request, list_name=list_name, title=title, fmt="print", filters=filters, count=len(table.rows))
    context = {"title": title, "subtitle": subtitle, "table": table, "printed_at": timezone.now(), "back": back or request.path}
    return render(request, "components/print_list.html", context)
