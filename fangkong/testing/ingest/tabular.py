"""Lab result files: CSV (UTF-8 or GBK) and .xlsx, one tube per row. Format: docs/user-guide/testing.md.

Row numbers in errors are spreadsheet rows: the header is row 1, the first result row 2.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from fangkong.core.rows import RowError, RowsRefused

from .rows import FieldProblem, ResultRow, parse_ct, parse_datetime, parse_result, read_barcode

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
            errors.append(RowError(1, field, f"列“{name}”重复"))
        found[field] = i
    for field in REQUIRED:
        if field not in found:
            errors.append(RowError(1, field, f"缺少列“{HEADERS[field][0]}”（{field}）"))
    if "result" not in found and "ct_orf1ab" not in found and "ct_n" not in found:
        errors.append(RowError(1, "result", "缺少“结果”列或 Ct 值列"))
    if errors:
        raise RowsRefused(errors, rule="testing.lab_file_format")
    return found


def rows_from_table(records: Iterable[Sequence[object]]) -> list[ResultRow]:
    """Header + rows (from CSV or a sheet) → validated ResultRows; every row error at once."""
    it = iter(records)
    try:
        header = next(it)
    except StopIteration:
        raise RowsRefused([RowError(0, "file", "文件为空")], rule="testing.lab_file_format") from None
    cols = _columns(header)
    out: list[ResultRow] = []
    errors: list[RowError] = []

    def cell(values: Sequence[object], field: str) -> object:
        i = cols.get(field)
        return values[i] if i is not None and i < len(values) else None

    for n, values in enumerate(it, start=2):
        if not any(str(v).strip() for v in values if v is not None):
            continue
        try:
            barcode = read_barcode(cell(values, "barcode"), "barcode")
            row = ResultRow(
                row=n,
                barcode=barcode,
                result=parse_result(cell(values, "result")),
                ct_orf1ab=parse_ct(cell(values, "ct_orf1ab"), "ct_orf1ab"),
                ct_n=parse_ct(cell(values, "ct_n"), "ct_n"),
                reported_at=parse_datetime(cell(values, "reported_at")),
            )
        except FieldProblem as exc:
            errors.append(RowError(n, exc.field, exc.message))
            continue
        out.append(row)
    if errors:
        raise RowsRefused(errors, rule="testing.lab_file_format")
    return out


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RowsRefused([RowError(0, "file", "无法识别文件编码，请使用 UTF-8 或 GBK")], rule="testing.lab_file_format")


def parse_csv(data: bytes) -> list[ResultRow]:
    text = decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return rows_from_table(csv.reader(io.StringIO(text), dialect))


def parse_xlsx(data: bytes) -> list[ResultRow]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise RowsRefused(
            [RowError(0, "file", f"不是有效的 .xlsx 文件（{exc.__class__.__name__}）")], rule="testing.lab_file_format"
        ) from exc
    try:
        sheet = book.worksheets[0]
        return rows_from_table(sheet.iter_rows(values_only=True))
    finally:
        book.close()
