"""The one export writer (fangkong.core.exports) and its audited wrapper (fangkong.audit.exports)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import tracemalloc

import pytest
from django.test import RequestFactory
from django.utils import timezone
from openpyxl import load_workbook

from fangkong.audit.catalogue import EventType
from fangkong.audit.exports import export_xlsx
from fangkong.audit.models import AuditEvent
from fangkong.core.exports import Column, ascii_filename, describe_filters, write_csv, write_xlsx
from fangkong.core.roles import Role

from ..factories import make_user

COLUMNS = [Column("姓名", lambda r: r[0]), Column("证件号码", lambda r: r[1]), Column("时间", lambda r: r[2])]


def _read(data: bytes) -> list[tuple]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(row) for row in wb.worksheets[0].iter_rows(values_only=True)]


def test_formula_like_cells_are_neutralised_and_numbers_kept():
    rows = [
        ('=HYPERLINK("http://x","y")', "+86 1", None),
        ("@SUM(A1)", "-cmd", None),
        ("＝1+1", "-3", None),
        ("王秀英", 42, None),
    ]
    fh = io.BytesIO()
    count = write_xlsx(fh, title="t", columns=COLUMNS, rows=rows)
    assert count == 4
    got = _read(fh.getvalue())
    assert got[0] == ("姓名", "证件号码", "时间")
    assert got[1][:2] == ('\'=HYPERLINK("http://x","y")', "'+86 1")
    assert got[2][:2] == ("'@SUM(A1)", "'-cmd")
    assert got[3][:2] == ("'＝1+1", "-3")
    assert got[4][:2] == ("王秀英", 42)
    wb = load_workbook(io.BytesIO(fh.getvalue()))
    assert all(cell.data_type != "f" for row in wb.worksheets[0].iter_rows() for cell in row)


def test_csv_cells_are_neutralised_too_and_times_are_beijing():
    moment = dt.datetime(2022, 11, 22, 6, 5, tzinfo=dt.UTC)  # 14:05 in Beijing
    fh = io.BytesIO()
    assert write_csv(fh, columns=COLUMNS, rows=[('=HYPERLINK("http://x","y")', "-3", moment), ("@SUM(A1)", 42, None)]) == 2
    assert fh.getvalue().startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    got = list(csv.reader(io.StringIO(fh.getvalue().decode("utf-8-sig"))))
    assert got == [["姓名", "证件号码", "时间"], ['\'=HYPERLINK("http://x","y")', "-3", "2022-11-22 14:05"], ["'@SUM(A1)", "42", ""]]


def test_times_are_written_in_beijing_time():
    moment = dt.datetime(2022, 11, 22, 6, 5, tzinfo=dt.UTC)  # 14:05 in Beijing
    fh = io.BytesIO()
    write_xlsx(fh, title="t", columns=COLUMNS, rows=[("a", "b", moment)])
    assert _read(fh.getvalue())[1][2] == dt.datetime(2022, 11, 22, 14, 5)


def test_filename_is_ascii_and_filters_never_carry_a_search_term():
    name = ascii_filename("cases 病例/../x", at=timezone.now())
    assert name.isascii() and name.endswith(".xlsx") and "/" not in name and name.startswith("cases-")
    described = describe_filters({"q": "王秀英", "status": "admitted", "page": "3", "format": "xlsx", "district": ""})
    assert described == {"q": "***", "status": "admitted"}


@pytest.mark.django_db
def test_export_is_audited_with_list_filters_and_count_not_the_rows():
    user = make_user("exporter", Role.DISTRICT_OFFICE, [("city", None)])
    request = RequestFactory().get("/x/?format=xlsx")
    request.user = user
    rows = [("王秀英", "150102********1234", None)] * 3
    response = export_xlsx(
        request, list_name="test.list", title="测试列表", columns=COLUMNS, rows=rows, filters={"status": "open"}, filename="test"
    )
    data = b"".join(response.streaming_content)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert disposition.isascii() and "attachment" in disposition and "test-" in disposition
    assert len(_read(data)) == 4
    event = AuditEvent.objects.get(event_type=EventType.EXPORT)
    assert event.actor == user and event.count == 3
    assert event.after == {"list": "test.list", "format": "xlsx", "filters": {"status": "open"}, "rows": 3}
    assert "王秀英" not in str(event.after) and "王秀英" not in event.object_repr


def test_twenty_thousand_rows_are_written_without_holding_them():
    """Rows come from a generator and go to a file on disk: the writer's peak stays far below what
    the 20,000 rows take held at once (their strings alone ~7 MB; the writer peaks under 0.5 MB). Twenty
    thousand, not more: tracemalloc traces every allocation, and 100,000 rows cost a minute of CPU."""

    def rows():
        for i in range(20_000):
            yield (f"居民{i:06d}", f"150102********{i % 10000:04d}", f"内蒙古自治区呼和浩特市新城区某小区{i}号楼{i % 30}单元{i % 700}室")

    with tempfile.TemporaryFile() as sink:
        tracemalloc.start()
        try:
            count = write_xlsx(sink, title="big", columns=COLUMNS, rows=rows())
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert count == 20_000
        assert sink.tell() > 200_000  # the rows went to the file
    assert peak < 2 * 1024 * 1024, peak
