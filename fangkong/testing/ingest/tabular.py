"""Lab result files: CSV (UTF-8 or GBK) and .xlsx, one tube per row. Format: docs/user-guide/testing.md.

Row numbers in errors are spreadsheet rows: the header is row 1, the first result row 2.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.rows import RowError, RowsRefused

from .rows import FieldProblem, ParsedRows, ResultRow, parse_ct, parse_datetime, parse_result, read_barcode

FILE_RULE = "testing.lab_file_format"

# Accepted headers (compared lower-case, without spaces) for each field.
HEADERS: dict[str, tuple[str, ...]] = {
    "barcode": ("条码", "试管条码", "样本条码", "barcode", "tube_barcode"),
    "result": ("结果", "检测结果", "result"),
    "ct_orf1ab": ("orf1ab", "orf1abct", "orf1ab基因ct值", "ct_orf1ab", "orf1ab_ct"),
    "ct_n": ("n", "nct", "n基因ct值", "ct_n", "n_ct"),
    "reported_at": ("报告时间", "检测时间", "reported_at", "report_time"),
}
REQUIRED = ("barcode", "reported_at")


def _key(text: object) -> str:
    return str(text or "").strip().lower().replace(" ", "").replace("\ufeff", "")


def _columns(header: Sequence[object]) -> dict[str, int]:
    lookup = {alias: field for field, aliases in HEADERS.items() for alias in aliases}
    found: dict[str, int] = {}
    errors: list[RowError] = []
    for i, name in enumerate(header):
        field = lookup.get(_key(name))
        if field is None:
            continue
        if field in found:
            errors.append(RowError(1, field, _("列“%(name)s”重复") % {"name": name}))
        found[field] = i
    for field in REQUIRED:
        if field not in found:
            errors.append(RowError(1, field, _("缺少列“%(name)s”（%(field)s）") % {"name": HEADERS[field][0], "field": field}))
    if "result" not in found and "ct_orf1ab" not in found and "ct_n" not in found:
        errors.append(RowError(1, "result", _("缺少“结果”列或 Ct 值列")))
    if errors:
        raise RowsRefused(errors, rule=FILE_RULE)
    return found


def read_table(records: Iterable[Sequence[object]]) -> ParsedRows:
    """Header + rows (from CSV or a sheet) → the rows that parse, and every problem of every row
    (each field of a row on its own: a bad barcode and a bad Ct in one row are two errors).
    A header without the required columns refuses the file at once: no row can be read."""
    it = iter(records)
    try:
        header = next(it)
    except StopIteration:
        raise RowsRefused([RowError(0, "file", _("文件为空"))], rule=FILE_RULE) from None
    cols = _columns(header)
    width = max(cols.values()) + 1
    absent = width  # a field without a column reads the padding: None
    at = [cols.get(field, absent) for field in ("barcode", "result", "ct_orf1ab", "ct_n", "reported_at")]
    # A file's result words and Ct values repeat (every plain negative is the same): each distinct
    # cell is parsed once per file (keyed by its type too: True is not 1).
    result_of = _Once(parse_result)
    orf1ab_of = _Once(functools.partial(parse_ct, field="ct_orf1ab"))
    n_of = _Once(functools.partial(parse_ct, field="ct_n"))
    out: list[ResultRow] = []
    errors: list[RowError] = []
    for n, values in enumerate(it, start=2):
        first = values[at[0]] if at[0] < len(values) else None
        if not (first.__class__ is str and first.strip()) and not any(str(v).strip() for v in values if v is not None):
            continue  # a blank row
        values = [*values[:width], *([None] * (width + 1 - min(len(values), width)))]  # ends with None: the absent column
        problems: list[FieldProblem] = []
        try:
            barcode = read_barcode(first, "barcode")
        except FieldProblem as exc:
            barcode = None
            problems.append(exc)
        result = result_of(values[at[1]], problems)
        ct_orf1ab = orf1ab_of(values[at[2]], problems)
        ct_n = n_of(values[at[3]], problems)
        try:
            reported_at = parse_datetime(values[at[4]])
        except FieldProblem as exc:
            problems.append(exc)
        if problems:
            errors.extend(RowError(n, exc.field, exc.message, FILE_RULE) for exc in problems)
            continue
        out.append(ResultRow(row=n, barcode=barcode, result=result, ct_orf1ab=ct_orf1ab, ct_n=ct_n, reported_at=reported_at))
    return ParsedRows(out, errors)


class _Once:
    """`parse(cell)` remembered per distinct cell (and its type) of one file; a problem is added to
    the row's `problems` each time its cell appears."""

    def __init__(self, parse: Callable[[object], Any]) -> None:
        self.parse = parse
        self.known: dict[tuple[type, object], tuple[Any, FieldProblem | None]] = {}

    def __call__(self, value: object, problems: list[FieldProblem]) -> Any:
        key = (value.__class__, value)
        known = self.known.get(key)
        if known is None:
            try:
                known = self.known[key] = self.parse(value), None
            except FieldProblem as exc:
                known = self.known[key] = None, exc
        if known[1] is not None:
            problems.append(known[1])
        return known[0]


def rows_from_table(records: Iterable[Sequence[object]]) -> list[ResultRow]:
    """Header + rows → validated ResultRows, or every row error at once."""
    return read_table(records).rows_or_refuse(rule=FILE_RULE)


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RowsRefused([RowError(0, "file", _("无法识别文件编码，请使用 UTF-8 或 GBK"))], rule=FILE_RULE)


def read_csv(data: bytes) -> ParsedRows:
    text = decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return read_table(csv.reader(io.StringIO(text), dialect))


def read_xlsx(data: bytes) -> ParsedRows:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise RowsRefused(
            [RowError(0, "file", _("不是有效的 .xlsx 文件（%(e)s）") % {"e": exc.__class__.__name__})], rule=FILE_RULE
        ) from exc
    try:
        sheet = book.worksheets[0]
        return read_table(sheet.iter_rows(values_only=True))
    finally:
        book.close()


def parse_csv(data: bytes) -> list[ResultRow]:
    return read_csv(data).rows_or_refuse(rule=FILE_RULE)


def parse_xlsx(data: bytes) -> list[ResultRow]:
    return read_xlsx(data).rows_or_refuse(rule=FILE_RULE)
