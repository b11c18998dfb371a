"""Lists exported to Excel (.xlsx), as CSV and printed: the one writer every list's export goes through.

A list page that exports answers `?format=xlsx` (and, where it is worked on paper, `?print=1`) on its
own URL, with its own query string: the same view, the same decorators (capability, need-to-know),
the same scoped selector and the same filter code as the page, so an export never reaches further
than the page. The view describes its columns (`Column`: a gettext header and a function of one row
that returns what the page shows — masked ID numbers, never a full one) and passes the filtered rows.

`write_xlsx` writes with openpyxl's write-only mode into a temporary file on disk, row by row, from
`QuerySet.iterator(chunk_size=…)`: a 100,000-row list never sits in memory. Every cell goes through
`fangkong.core.spreadsheets.safe_row` (formula neutralisation lives there alone). The response
streams that file; its name is ASCII and carries no personal data.

`write_csv` writes the same columns as CSV (UTF-8 with a BOM, so Excel shows the Chinese; every cell
through the same formula rule), for a table worked on in other tools (?format=csv).

The audit event (data.export: which list, its filters, how many rows — never the rows) is written by
`fangkong.audit.exports.export_xlsx`, which is what views call; core cannot import audit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .spreadsheets import safe_row

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
FORMAT_PARAM = "format"  # ?format=xlsx: the list as an Excel file; ?format=csv where a table offers CSV
PRINT_PARAM = "print"  # ?print=1: the list as a sheet to print (every filtered row, up to PRINT_CAP)
CHUNK_SIZE = 2000  # rows read from the database at a time
PRINT_CAP = 2000  # rows on a printed list; more is not a list anyone takes out on paper
# Query parameters that are not filters: left out of the audit record and of the links built from them.
NOT_FILTERS = frozenset({"page", FORMAT_PARAM, PRINT_PARAM, "csrfmiddlewaretoken", "s"})  # s: a stored search's token
SHEET_TITLE_UNSAFE = re.compile(r"[\[\]\*\?/\\:]")


@dataclass(frozen=True)
class Column:
    """One column of an exported list: its header (already translated) and the cell of a row."""

    header: str
    value: Callable[[Any], Any]
    width: int = 14


def wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get(FORMAT_PARAM) == "xlsx"


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get(FORMAT_PARAM) == "csv"


def wants_print(request: HttpRequest) -> bool:
    return request.GET.get(PRINT_PARAM) == "1"


def describe_filters(data: Mapping[str, Any] | QueryDict, *, personal: Iterable[str] = ("q",)) -> dict[str, Any]:
    """The filters of a request as the audit log records them: the non-empty criteria by name, a
    personal one (a name or number searched for) only as given, never its value."""
    personal = frozenset(personal)
    described: dict[str, Any] = {}
    items = data.lists() if isinstance(data, QueryDict) else ((k, v if isinstance(v, list | tuple) else [v]) for k, v in data.items())
    for key, values in items:
        values = [v for v in values if v not in (None, "", False)]
        if key in NOT_FILTERS or not values:
            continue
        if key in personal:
            described[key] = "***"
        else:
            described[key] = [str(v) for v in values] if len(values) > 1 else str(values[0])
    return described


def cell_value(value: Any) -> Any:
    """What openpyxl can store: Beijing time without a zone (Excel has none), text for a lazy
    translation or a choice; then the formula rule (`safe_row`) is applied to the whole row."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Promise):
        return str(value)
    if value is None or isinstance(value, (str, int, float, dt.date, dt.time)):
        return value
    return str(value)


def iterate(rows: Iterable[Any], chunk_size: int = CHUNK_SIZE) -> Iterator[Any]:
    """A queryset read in chunks (nothing cached on the queryset), any other iterable as it is."""
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=chunk_size)
    return iter(rows)


def sheet_title(title: str) -> str:
    return SHEET_TITLE_UNSAFE.sub(" ", title)[:31] or "Sheet1"


def write_xlsx(
    fh: IO[bytes],
    *,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Any],
    about: Sequence[tuple[str, Any]] = (),
    about_title: str = "",
) -> int:
    """Write the rows as the workbook's first sheet (a bold header row, frozen), and `about` (label,
    value pairs: the list's name, when, its filters) as a second sheet; return how many rows."""
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(sheet_title(title))
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for value in safe_row(cell_value(c.header) for c in columns):
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in iterate(rows):
        sheet.append(safe_row(cell_value(c.value(row)) for c in columns))
        count += 1
    if about:
        info = wb.create_sheet(sheet_title(about_title or "about"))
        info.column_dimensions["A"].width = 16
        info.column_dimensions["B"].width = 60
        for label, value in about:
            info.append(safe_row([cell_value(label), cell_value(value)]))
    wb.save(fh)
    return count


def spooled_xlsx(**kwargs: Any) -> tuple[IO[bytes], int]:
    """`write_xlsx` into a temporary file (removed when closed), rewound; and the row count."""
    fh = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response, which closes it
    try:
        count = write_xlsx(fh, **kwargs)
    except BaseException:
        fh.close()
        raise
    fh.seek(0)
    return fh, count


def write_csv(fh: IO[bytes], *, columns: Sequence[Column], rows: Iterable[Any]) -> int:
    """The rows as CSV under a header row (UTF-8 with a BOM), the cells as `print_text` shows them
    (Beijing time), every cell through the formula rule; return how many rows."""
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(safe_row(str(c.header) for c in columns))
    count = 0
    for row in iterate(rows):
        writer.writerow(safe_row(print_text(c.value(row)) for c in columns))
        count += 1
    text.detach()  # leave `fh` open for the response
    return count


def spooled_csv(*, columns: Sequence[Column], rows: Iterable[Any]) -> tuple[IO[bytes], int]:
    """`write_csv` into a temporary file (removed when closed), rewound; and the row count."""
    fh = tempfile.TemporaryFile(suffix=".csv")  # noqa: SIM115 - handed to the response, which closes it
    try:
        count = write_csv(fh, columns=columns, rows=rows)
    except BaseException:
        fh.close()
        raise
    fh.seek(0)
    return fh, count


def ascii_filename(stem: str, *, at: dt.datetime | None = None, suffix: str = "xlsx") -> str:
    """`cases-20221122-1405.xlsx`: ASCII only (every browser and mail client keeps it), the list's
    name and the Beijing minute — nothing personal."""
    stamp = timezone.localtime(at or timezone.now()).strftime("%Y%m%d-%H%M")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "export"
    return f"{safe}-{stamp}.{suffix}"


def xlsx_file_response(fh: IO[bytes], *, filename: str, content_type: str = XLSX_CONTENT_TYPE) -> FileResponse:
    """Stream the written file (FileResponse reads it in blocks and closes it at the end)."""
    response = FileResponse(fh, as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


@dataclass
class PrintTable:
    """A list as printed: the headers, the first PRINT_CAP rows as text, and how many there are."""

    headers: list[str]
    rows: list[list[str]]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def print_text(value: Any) -> str:
    """A cell as printed: Beijing time to the minute, dates as dates, nothing as blank."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def print_table(*, columns: Sequence[Column], rows: Iterable[Any], cap: int = PRINT_CAP) -> PrintTable:
    """The same columns as the export, for the printed list (at most `cap` rows read)."""
    if isinstance(rows, QuerySet):
        total = rows.count()
        picked: Iterable[Any] = rows[:cap]
    else:
        rows = list(rows)
        total, picked = len(rows), rows[:cap]
    return PrintTable([str(c.header) for c in columns], [[print_text(c.value(r)) for c in columns] for r in picked], total)
