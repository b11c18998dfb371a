"""Lab result files: CSV (UTF-8 or GBK) and .xlsx, one tube per row. Format: docs/user-guide/testing.md.

Row numbers in errors are spreadsheet rows: the header is row 1, the first result row 2.
"""

from __future__ import annotations

import csv
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
    out: list[ResultRow] = []
    errors: list[RowError] = []

    def cell(values: Sequence[object], field: str) -> object:
        i = cols.get(field)
        return values[i] if i is not None and i < len(values) else None

    for n, values in enumerate(it, start=2):
        if not any(str(v).strip() for v in values if v is not None):
            continue
        problems: list[RowError] = []

        def read(parse: Callable[..., Any], *args: object) -> Any:
            try:
                return parse(*args)
            except FieldProblem as exc:
                problems.append(RowError(n, exc.field, exc.message, FILE_RULE))  # noqa: B023 - read() is called in this iteration only
                return None

        barcode = read(read_barcode, cell(values, "barcode"), "barcode")
        result = read(parse_result, cell(values, "result"))
        ct_orf1ab = read(parse_ct, cell(values, "ct_orf1ab"), "ct_orf1ab")
        ct_n = read(parse_ct, cell(values, "ct_n"), "ct_n")
        reported_at = read(parse_datetime, cell(values, "reported_at"))
        if problems:
            errors.extend(problems)
            continue
        out.append(ResultRow(row=n, barcode=barcode, result=result, ct_orf1ab=ct_orf1ab, ct_n=ct_n, reported_at=reported_at))
    return ParsedRows(out, errors)


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
