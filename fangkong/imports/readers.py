"""Read an uploaded table (.csv in UTF-8 / UTF-8 with BOM / GB18030-GBK, or .xlsx) as rows of strings.

Rows stream: a file of millions of rows is never held in memory. Row numbers are the ones the
user sees in Excel (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from fangkong.core.spreadsheets import SafeCsvWriter, append_row
from fangkong.core.xlsxguard import XlsxRefused, xlsx_rows

CHUNK_BYTES = 4 * 1024 * 1024


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not a row error)."""


# Where a table is read from: a path on the server (the operator's command line), or a function that
# opens the stored upload (decrypted as it is read: fangkong.core.filestore) — called once per pass.
Source = str | Path | Callable[[], IO[bytes]]


def open_binary(source: Source) -> IO[bytes]:
    return source() if callable(source) else open(source, "rb")  # noqa: SIM115 - the caller closes it


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header in the template, used in error reports
    aliases: tuple[str, ...]
    required: bool


COLUMNS: tuple[Column, ...] = (
    Column("district", "区县", ("区/县", "区县名称", "区县代码", "行政区划代码", "district"), True),
    Column("street", "街道/乡镇", ("街道", "乡镇", "街道（乡镇）", "街道(乡镇)", "街道乡镇", "street", "town"), True),
    Column("community", "社区/村", ("社区", "村", "社区（村）", "社区(村)", "社区村", "community", "village"), True),
    Column("grid", "网格", ("grid",), False),
    Column("compound", "小区", ("小区名称", "compound", "estate"), True),
    Column("building", "楼栋", ("楼号", "楼栋号", "building"), True),
    Column("unit", "单元", ("单元号", "unit"), True),
    Column("household", "户号", ("房号", "门牌号", "household", "room", "room number"), True),
    Column("name", "姓名", ("name",), True),
    Column("id_type", "证件类型", ("id type", "document type"), False),
    Column("id_number", "证件号码", ("身份证号", "身份证号码", "证件号", "id number", "document number", "id"), True),
    Column("sex", "性别", ("sex", "gender"), False),
    Column("birth_date", "出生日期", ("出生年月日", "birth date", "date of birth", "birthday"), False),
    Column("phone", "手机号", ("手机", "手机号码", "电话", "联系电话", "phone", "mobile"), False),
    Column("tags", "标签", ("人员标签", "重点人群", "tags", "tag"), False),
    Column("hukou_code", "户籍地代码", ("户籍地", "户籍", "户籍地行政区划代码", "hukou", "hukou code"), False),
    Column("family_status", "家庭救助状况", ("低保状况", "救助状况", "family status"), False),
    Column("disability_level", "失能失智程度", ("失能程度", "失能失智", "disability level"), False),
    Column("model_worker_level", "劳动模范级别", ("劳模级别", "劳动模范", "model worker level"), False),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
HEADER_OF = {c.key: c.header for c in COLUMNS}


def _norm(header: object) -> str:
    return str(header or "").strip().lstrip("\ufeff").strip().lower().replace("_", " ").replace("*", "").strip()


_ALIASES: dict[str, str] = {}
for _c in COLUMNS:
    _ALIASES[_norm(_c.header)] = _c.key
    _ALIASES[_norm(_c.key)] = _c.key
    for _a in _c.aliases:
        _ALIASES[_norm(_a)] = _c.key


def map_header(header: list[str]) -> dict[str, int]:
    """Column key → position. Raise ImportFileError naming missing or repeated columns."""
    positions: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = _ALIASES.get(_norm(cell))
        if key is None:
            continue  # extra columns are ignored
        if key in positions:
            raise ImportFileError(f"表头中“{HEADER_OF[key]}”列出现了两次（第 {positions[key] + 1} 列和第 {i + 1} 列）")
        positions[key] = i
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    if missing:
        raise ImportFileError(
            "缺少必填列：" + "、".join(missing) + "。请使用导入模板（第 1 行为表头）：" + "、".join(c.header for c in COLUMNS)
        )
    return positions


class TableReader:
    """A header and a stream of (row number, cells) from one file."""

    header: list[str]
    rows_estimate: int
    encoding: str = ""

    def rows(self) -> Iterator[tuple[int, list[str]]]:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass


def detect_encoding(path: Source) -> tuple[str, int]:
    """('utf-8-sig' or 'gb18030', number of line breaks). Strict UTF-8 over the whole file, else GB18030.

    One pass in 4 MiB pieces: the whole file is checked, so a stray GBK character near the end
    is not decoded as garbage."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    encoding = "utf-8-sig"
    lines = 0
    last = b""
    with open_binary(path) as fh:
        while piece := fh.read(CHUNK_BYTES):
            lines += piece.count(b"\n")
            last = piece
            if encoding == "utf-8-sig":
                try:
                    decoder.decode(piece)
                except UnicodeDecodeError:
                    encoding = "gb18030"
        if encoding == "utf-8-sig":
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                encoding = "gb18030"
    if last and not last.endswith(b"\n"):
        lines += 1
    return encoding, lines


class CsvReader(TableReader):
    def __init__(self, path: Source) -> None:
        self.encoding, lines = detect_encoding(path)
        self._fh = io.TextIOWrapper(open_binary(path), encoding=self.encoding, newline="")
        self._reader = csv.reader(self._fh)
        try:
            self.header = next(self._reader)
        except StopIteration as exc:
            self._fh.close()
            raise ImportFileError("文件是空的：第 1 行应为表头") from exc
        except csv.Error as exc:
            self._fh.close()
            raise ImportFileError(f"无法读取 CSV 文件：{exc}") from exc
        self.rows_estimate = max(lines - 1, 0)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        try:
            yield from enumerate(self._reader, start=2)
        except csv.Error as exc:
            raise ImportFileError(f"CSV 文件格式错误（约第 {self._reader.line_num} 行）：{exc}") from exc

    def close(self) -> None:
        self._fh.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class XlsxReader(TableReader):
    """The first worksheet, read with openpyxl in read-only (streaming) mode."""

    encoding = "xlsx"

    def __init__(self, path: Source, name: str = "") -> None:
        from openpyxl import load_workbook

        self._raw = open_binary(path)
        try:
            # A zip bomb is refused before openpyxl inflates it; the rows are counted, not taken
            # from the sheet's own <dimension> (fangkong.core.xlsxguard).
            rows = xlsx_rows(self._raw, name=name or ("" if callable(path) else Path(path).name))
            self._wb = load_workbook(self._raw, read_only=True, data_only=True)
        except XlsxRefused as exc:
            self._raw.close()
            raise ImportFileError(exc.message) from exc
        except Exception as exc:  # openpyxl raises several kinds for a broken or foreign file
            self._raw.close()
            raise ImportFileError(f"无法打开 Excel 文件（请另存为 .xlsx 格式）：{exc}") from exc
        self._ws = self._wb.worksheets[0]
        self._iter = self._ws.iter_rows(values_only=True)
        first = next(self._iter, None)
        if first is None:
            self.close()
            raise ImportFileError("工作表是空的：第 1 行应为表头")
        self.header = [_cell_text(v) for v in first]
        self.rows_estimate = max(rows - 1, 0)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        text = _cell_text
        for number, values in enumerate(self._iter, start=2):
            yield number, [v if isinstance(v, str) else text(v) for v in values]

    def close(self) -> None:
        self._wb.close()
        self._raw.close()


def open_table(path: Source, original_name: str = "") -> TableReader:
    name = (original_name or ("" if callable(path) else str(path))).lower()
    if name.endswith(".xlsx") or name.endswith(".xlsm"):
        return XlsxReader(path, original_name)
    if name.endswith(".xls"):
        raise ImportFileError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV")
    if name.endswith(".csv") or name.endswith(".txt"):
        return CsvReader(path)
    with open_binary(path) as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04":
        return XlsxReader(path, original_name)
    return CsvReader(path)


def template_csv() -> bytes:
    """The empty CSV template (UTF-8 with BOM so Excel shows the Chinese headers)."""
    buf = io.StringIO()
    SafeCsvWriter(buf).writerow([c.header for c in COLUMNS])
    return buf.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """The Excel template: the header on the first sheet, the rules for each column on a second."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from .columns_help import COLUMN_HELP

    wb = Workbook()
    ws = wb.active
    ws.title = "人员"
    append_row(ws, [c.header for c in COLUMNS])
    for i, c in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="FFFFFF" if c.required else "000000")
        cell.fill = PatternFill("solid", fgColor="8B1A1A" if c.required else "DDDDDD")
        ws.column_dimensions[cell.column_letter].width = 20 if c.key in ("id_number", "tags", "community") else 12
        # Text format so Excel keeps 18-digit ID numbers and leading zeros.
        for row in range(2, 2002):
            ws.cell(row=row, column=i).number_format = "@"
    ws.freeze_panes = "A2"
    help_ws = wb.create_sheet("填写说明")
    append_row(help_ws, ["列", "是否必填", "说明"])
    for c in COLUMNS:
        append_row(help_ws, [c.header, "必填" if c.required else "选填", str(COLUMN_HELP[c.key])])
    help_ws.column_dimensions["C"].width = 90
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
