"""Lab uploads in every format: CSV (UTF-8, GBK), xlsx, FHIR R4 Bundle validated with fhir.resources."""

from __future__ import annotations

import copy
import io
import json

import pytest
from openpyxl import Workbook

from fangkong.testing.ingest import parse_bundle, parse_csv, parse_upload, parse_xlsx
from fangkong.testing.models import TubeResult
from fangkong.testing.services import Binding, RowsRefused, bulk_bind, results_ingest

from .factories import at, csv_bytes

ROWS = [("P1", "阴性", None, None, "2022-02-25 15:00"), ("P2", "阳性", 28.1, 29.4, "2022-02-25 15:05")]


def observation(barcode, snomed, ct=None, issued="2022-02-25T15:00:00+08:00", code="94500-6"):
    resource = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": "SARS-CoV-2 RNA"}]},
        "specimen": {"identifier": {"system": "urn:fangkong:tube-barcode", "value": barcode}},
        "issued": issued,
        "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": snomed}]},
    }
    if ct:
        resource["component"] = [
            {"code": {"coding": [{"system": "urn:fangkong:ct-target", "code": target}]}, "valueQuantity": {"value": value}}
            for target, value in ct.items()
        ]
    return {"fullUrl": f"urn:uuid:{barcode}", "resource": resource}


BUNDLE = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [observation("P1", "260415000"), observation("P2", "260373001", {"ORF1ab": 28.1, "N": 29.4})],
}


def test_csv_utf8_and_gbk_give_the_same_rows():
    utf8 = parse_csv(csv_bytes(ROWS))
    gbk = parse_csv(csv_bytes(ROWS, "gbk"))
    assert [(r.row, r.barcode, r.result, r.ct_orf1ab) for r in utf8] == [(2, "P1", "negative", None), (3, "P2", "positive", 28.1)]
    assert [(r.barcode, r.result, r.ct_n, r.reported_at) for r in gbk] == [(r.barcode, r.result, r.ct_n, r.reported_at) for r in utf8]
    assert utf8[0].reported_at.isoformat() == "2022-02-25T15:00:00+08:00"


def test_csv_with_english_headers_and_bom():
    data = "\ufeffbarcode,result,ct_orf1ab,ct_n,reported_at\nP1,negative,,,2022-02-25T07:00:00Z\n".encode()
    [row] = parse_csv(data)
    assert row.barcode == "P1" and row.reported_at.hour == 7


def test_xlsx():
    book = Workbook()
    sheet = book.active
    sheet.append(["试管条码", "检测结果", "ORF1ab基因Ct值", "N基因Ct值", "报告时间"])
    sheet.append(["P1", "阴性", None, None, "2022-02-25 15:00"])
    sheet.append(["P2", "阳性", 28.1, 29.4, "2022-02-25 15:05"])
    buf = io.BytesIO()
    book.save(buf)
    rows = parse_upload("结果.xlsx", buf.getvalue())
    assert [(r.barcode, r.result, r.ct_n) for r in rows] == [("P1", "negative", None), ("P2", "positive", 29.4)]


def test_broken_files_are_refused_with_row_and_field():
    with pytest.raises(RowsRefused) as exc:
        parse_csv("条码,结果\nP1,阴性\n".encode())
    assert exc.value.errors[0].field == "reported_at" and exc.value.errors[0].row == 1
    with pytest.raises(RowsRefused) as exc:
        parse_csv(
            csv_bytes(
                [
                    ("P1", "阳性", 55, None, "2022-02-25 15:00"),
                    ("P2", "大概", None, None, "2022-02-25 15:00"),
                    ("P3", "阴性", "", "", "昨天"),
                ]
            )
        )
    assert [(e.row, e.field) for e in exc.value.errors] == [(2, "ct_orf1ab"), (3, "result"), (4, "reported_at")]
    with pytest.raises(RowsRefused, match="xlsx"):
        parse_xlsx(b"not a zip")
    with pytest.raises(RowsRefused, match="编码"):
        parse_csv(b"\xff\xfe\x00\x00\x81")
    with pytest.raises(RowsRefused):
        parse_upload("results.pdf", b"%PDF")


def test_a_labs_file_errors_are_in_the_users_language_only():
    """A lab working in English reads every refusal of its file in English: no Chinese in the messages
    (the cell's own text quoted back is the lab's)."""
    import re

    from django.utils import translation

    cjk = re.compile(r"[\u4e00-\u9fff]")
    with translation.override("en"), pytest.raises(RowsRefused) as exc:
        parse_csv(csv_bytes([("P1", "maybe", "x", None, "yesterday"), ("P2", "negative", None, None, "")]))
    messages = [e.message for e in exc.value.errors]
    assert [(e.row, e.field) for e in exc.value.errors] == [(2, "result"), (2, "ct_orf1ab"), (2, "reported_at"), (3, "reported_at")]
    assert not [m for m in messages if cjk.search(m)], messages
    bad = copy.deepcopy(BUNDLE)
    bad["entry"][0] = observation("P1", "260415000", code="1234-5")
    del bad["entry"][1]["resource"]["specimen"]
    with translation.override("en"), pytest.raises(RowsRefused) as exc:
        parse_bundle(bad)
    assert not [e.message for e in exc.value.errors if cjk.search(e.message)]


def test_repeated_cells_report_every_row_and_plain_times_read_as_beijing():
    """Each distinct result word and Ct cell is parsed once per file: a bad one is still reported on
    every row that has it; a sheet's True is not the Ct 1; "YYYY-MM-DD HH:MM:SS" is Beijing time."""
    with pytest.raises(RowsRefused) as exc:
        parse_csv(csv_bytes([("P1", "大概", 99, None, "2022-02-25 15:00:00"), ("P2", "大概", 99, None, "2022-02-25 15:00:01")]))
    assert [(e.row, e.field) for e in exc.value.errors] == [(2, "result"), (2, "ct_orf1ab"), (3, "result"), (3, "ct_orf1ab")]
    assert exc.value.errors[1].message == exc.value.errors[3].message
    book = Workbook()
    sheet = book.active
    sheet.append(["条码", "ORF1ab", "报告时间"])
    sheet.append(["P1", 1, "2022-02-25 15:00:00"])
    sheet.append(["P2", True, "2022-02-25 15:00:00"])
    buf = io.BytesIO()
    book.save(buf)
    with pytest.raises(RowsRefused) as exc:
        parse_upload("结果.xlsx", buf.getvalue())
    assert [(e.row, e.field) for e in exc.value.errors] == [(3, "ct_orf1ab")]
    [row] = parse_csv(csv_bytes([("P1", "阴性", None, None, "2022-02-25 15:00:07")]))
    assert row.reported_at.isoformat() == "2022-02-25T15:00:07+08:00"
    assert parse_csv(csv_bytes([("P1", "阴性", None, None, "2022/02/25 15:00:07")]))[0].reported_at == row.reported_at


def test_fhir_bundle():
    rows = parse_bundle(json.dumps(BUNDLE))
    assert [(r.row, r.barcode, r.result, r.ct_orf1ab, r.ct_n) for r in rows] == [
        (1, "P1", "negative", None, None),
        (2, "P2", "positive", 28.1, 29.4),
    ]


def test_invalid_fhir_is_rejected_by_the_validator():
    bad = copy.deepcopy(BUNDLE)
    bad["entry"][1]["resource"]["issued"] = "yesterday"
    del bad["entry"][0]["resource"]["code"]
    with pytest.raises(RowsRefused) as exc:
        parse_bundle(bad)
    assert {(e.row, e.field) for e in exc.value.errors} == {(1, "entry.0.resource.code"), (2, "entry.1.resource.issued")}
    assert "FHIR" in exc.value.message


def test_fhir_observation_must_be_sars_cov_2_rna_with_a_barcode():
    bad = copy.deepcopy(BUNDLE)
    bad["entry"][0] = observation("P1", "260415000", code="1234-5")
    del bad["entry"][1]["resource"]["specimen"]
    with pytest.raises(RowsRefused) as exc:
        parse_bundle(bad)
    assert [(e.row, e.field) for e in exc.value.errors] == [(1, "code"), (2, "specimen.identifier.value")]
    with pytest.raises(RowsRefused):
        parse_bundle(b"{not json")
    with pytest.raises(RowsRefused):
        parse_bundle({"resourceType": "Patient"})


def test_fhir_upload_applies_like_a_file(setup, users):
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode="single",
        bindings=[Binding("P1", person_id=setup.ten[0].pk), Binding("P2", person_id=setup.ten[1].pk)], at=at(1),
    )  # fmt: skip
    report = results_ingest(
        actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, rows=parse_bundle(BUNDLE), source="bundle-1", at=at(9)
    )
    assert (report.created, report.positives_confirmed) == (2, 1)
    assert TubeResult.objects.get(tube__barcode="P2").source == "bundle-1"
