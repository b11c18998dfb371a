"""Security review D on lab uploads: an xlsx zip bomb in the web request, and a sheet whose own
<dimension> says 1 row to be applied in the request however many it holds. Each test performs the
attack; each failed before the fix."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from fangkong.core.errors import DomainError
from fangkong.testing.models import ResultUpload
from fangkong.testing.services.result_uploads import estimate_rows, result_upload_create
from tests.core.test_xlsxguard import bomb, measured

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def lab_xlsx(rows: int, *, dimension: str | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["条码", "结果", "ORF1ab", "N", "报告时间"])
    for i in range(rows):
        ws.append([f"X{i:05d}", "阴性", None, None, "2022-02-25 16:00"])
    buf = io.BytesIO()
    wb.save(buf)
    if dimension is None:
        return buf.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="%s"' % dimension.encode(), data)
            z.writestr(info.filename, data)
    return out.getvalue()


def test_a_lab_xlsx_bomb_is_refused_in_the_request_without_inflating_it(setup):
    data = bomb(300)
    assert len(data) < 400 * 1024

    def send():
        result_upload_create(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, filename="结果.xlsx", data=data)

    error, peak, seconds = measured(send)
    assert isinstance(error, DomainError) and error.field == "file"
    assert "结果.xlsx" in error.message and "解压后过大" in error.message
    assert peak < 50 * MB and seconds < 5  # was ~300 MB in the web request
    assert not ResultUpload.objects.exists()


def test_a_sheet_claiming_one_row_goes_to_the_background_by_the_rows_it_holds(setup, settings):
    settings.TESTING_UPLOAD_INLINE_MAX_ROWS = 5
    data = lab_xlsx(20, dimension="A1:E1")
    assert estimate_rows("xlsx", data) == 20  # was 0: the file's own word
    job = result_upload_create(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, filename="r.xlsx", data=data)
    assert job.in_background


def test_a_real_lab_xlsx_is_still_applied_in_the_request(setup):
    data = lab_xlsx(3)
    assert estimate_rows("xlsx", data) == 3
    job = result_upload_create(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, filename="r.xlsx", data=data)
    assert not job.in_background and job.status == "succeeded" and job.rows_total == 3
