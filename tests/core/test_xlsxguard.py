"""core.xlsxguard: an .xlsx zip bomb is refused from the zip's directory, before anything inflates;
rows are counted in the sheet, not taken from its own <dimension> (security review D, item 2)."""

from __future__ import annotations

import io
import os
import time
import tracemalloc
import zipfile

import pytest

from fangkong.core import xlsxguard
from fangkong.core.xlsxguard import XlsxRefused, check_xlsx, xlsx_rows
from fangkong.imports.readers import template_xlsx

MB = 1024 * 1024
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def rels(*links: tuple[str, str]) -> str:
    items = "".join(f'<Relationship Id="rId{i}" Type="{REL}/{kind}" Target="{target}"/>' for i, (kind, target) in enumerate(links, 1))
    return f'<?xml version="1.0"?><Relationships xmlns="{PKG}/relationships">{items}</Relationships>'


def package(sheet: bytes, strings: bytes | None = None, *, strings_at: str = "xl/sharedStrings.xml") -> bytes:
    """A minimal workbook of one sheet (as Excel lays it out), its shared strings where asked."""
    overrides = {"xl/workbook.xml": "sheet.main+xml", "xl/worksheets/sheet1.xml": "worksheet+xml", strings_at: "sharedStrings+xml"}
    types = "".join(f'<Override PartName="/{name}" ContentType="{CT}.{kind}"/>' for name, kind in overrides.items())
    parts = {
        "[Content_Types].xml": f'<?xml version="1.0"?><Types xmlns="{PKG}/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{types}</Types>',
        "_rels/.rels": rels(("officeDocument", "xl/workbook.xml")),
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {NS} xmlns:r="{REL}">'
        '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": rels(("worksheet", "worksheets/sheet1.xml"), ("sharedStrings", strings_at.removeprefix("xl/"))),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in parts.items():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        if strings is not None:
            z.writestr(strings_at, strings)
    return buf.getvalue()


ONE_CELL = (
    f'<?xml version="1.0"?><worksheet {NS}><dimension ref="A1:A1"/>'
    '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
).encode()


def bomb(strings: int) -> bytes:
    """Security review D's file: `strings` shared strings of 1 MB of "A" each (300 → a 312 KB file)."""
    buf = io.BytesIO(package(ONE_CELL))
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z, z.open("xl/sharedStrings.xml", "w") as fh:
        fh.write(f'<?xml version="1.0"?><sst {NS}>'.encode())
        for i in range(strings):
            fh.write(b"<si><t>" + (b"%06d" % i) + b"A" * (MB - 6) + b"</t></si>")
        fh.write(b"</sst>")
    return buf.getvalue()


def random_strings(size: int) -> bytes:
    """Shared strings that compress like real ones (≈ 2:1): no ratio to catch, only the size."""
    items = b"".join(b"<si><t>%s</t></si>" % os.urandom(16).hex().encode() for _ in range(size // 49 + 1))
    return f"<sst {NS}>".encode() + items + b"</sst>"


def measured(call) -> tuple[BaseException | None, int, float]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        call()
        error = None
    except Exception as exc:  # noqa: BLE001 - returned to the test
        error = exc
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return error, peak, seconds


def test_the_reviews_bomb_is_refused_naming_the_file_without_inflating_it():
    data = bomb(300)
    assert len(data) < 400 * 1024
    error, peak, seconds = measured(lambda: check_xlsx(io.BytesIO(data), name="结果.xlsx"))
    assert isinstance(error, XlsxRefused) and error.field == "file"
    assert "结果.xlsx" in error.message and "解压后过大" in error.message
    assert peak < 5 * MB and seconds < 2  # was ~300 MB


def test_a_bomb_that_compresses_like_a_real_file_is_refused_by_its_size(monkeypatch):
    monkeypatch.setattr(xlsxguard, "XLSX_MAX_HELD", 2 * MB)
    data = package(ONE_CELL, random_strings(3 * MB))
    with pytest.raises(XlsxRefused, match="解压后过大"):
        check_xlsx(io.BytesIO(data), name="a.xlsx")


def test_shared_strings_moved_among_the_worksheets_still_count_as_read_whole(monkeypatch):
    """openpyxl finds the shared strings by their content type, wherever they lie: a part named
    xl/worksheets/… is not taken for a (streamed) worksheet unless it is one, and only one."""
    monkeypatch.setattr(xlsxguard, "XLSX_MAX_HELD", 2 * MB)
    data = package(ONE_CELL, random_strings(3 * MB), strings_at="xl/worksheets/sheet2.xml")
    with pytest.raises(XlsxRefused, match="解压后过大"):
        check_xlsx(io.BytesIO(data), name="a.xlsx")


def test_a_large_worksheet_is_streamed_so_only_the_total_bounds_it(monkeypatch):
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{os.urandom(8).hex()}</t></is></c></row>' for r in range(1, 60_001))
    sheet = f'<?xml version="1.0"?><worksheet {NS}><sheetData>{rows}</sheetData></worksheet>'.encode()
    data = package(sheet)
    monkeypatch.setattr(xlsxguard, "XLSX_MAX_HELD", 1 * MB)  # well under the sheet: it is not held
    assert xlsx_rows(io.BytesIO(data)) == 60_000
    monkeypatch.setattr(xlsxguard, "XLSX_MAX_TOTAL", 2 * MB)
    with pytest.raises(XlsxRefused, match="解压后过大"):
        check_xlsx(io.BytesIO(data), name="a.xlsx")


def test_rows_are_counted_in_the_sheet_not_taken_from_its_dimension():
    rows = "".join(f'<x:row r="{r}"><x:c r="A{r}"><x:v>{r}</x:v></x:c></x:row>' for r in range(1, 5_001))
    ns = NS.replace("xmlns=", "xmlns:x=")
    sheet = f'<?xml version="1.0"?><x:worksheet {ns}><x:dimension ref="A1:A1"/><x:sheetData>{rows}</x:sheetData></x:worksheet>'
    assert xlsx_rows(io.BytesIO(package(sheet.encode()))) == 5_000  # the file says 1


def test_real_workbooks_pass_and_are_left_where_they_were(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    for i in range(10):
        wb.active.append([f"条码{i}", "阴性", 35.5])
    wb.create_sheet("说明").append(["第二个工作表不计"])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    assert xlsx_rows(path) == 10
    template = io.BytesIO(template_xlsx())
    template.seek(7)
    check_xlsx(template)
    assert xlsx_rows(template) == 2_001 and template.tell() == 7


def test_a_file_that_is_not_a_zip_is_left_to_its_reader():
    data = io.BytesIO("barcode,result\nA,阴性\n".encode())
    check_xlsx(data)
    assert xlsx_rows(data) == 0 and data.tell() == 0
