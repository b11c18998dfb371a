"""Issue 13 item 5: a lab upload shows every error of the file in one report (parser and service
checks together), says which barcodes belong to another round, and receives at upload time the
tubes the lab never signed for — listed in the report and audited."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.testing import events
from fangkong.testing.models import ResultUpload, Tube, TubeResult, UnmatchedResult

from .factories import csv_bytes, make_round
from .test_views_lab import ago, beijing, fill, lab_url, post_file, tubes, xlsx_bytes  # noqa: F401 - the fixture

FILES = {"csv": csv_bytes, "xlsx": xlsx_bytes}


@pytest.fixture
def round_nine(setup, users):
    """Round 9, with a tube R9-001 sampled in it (the lab uploads its result to round 8 by mistake)."""
    nine = make_round(users["command"], number=9)
    fill(setup.__class__(**{**vars(setup), "round": nine}), users["community"], "R9-001", setup.ten[:1])
    return nine


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_one_upload_shows_every_problem_of_the_file(setup, users, client, round_nine, fmt):
    for i, barcode in enumerate(["T1", "T2", "T3", "T4", "T5"]):
        fill(setup, users["community"], barcode, setup.ten[2 * i : 2 * i + 2], hours_ago=3)
    ok, future, before_sampling = beijing(ago(1)), beijing(ago(-5)), beijing(ago(5))
    rows = [
        ("T1", "阴性", "abc", None, ok),  # row 2: a Ct that is not a number (read by the parser)
        ("T2", "也许", None, None, ok),  # row 3: a result that is no result (parser)
        ("T3", "阴性", None, None, future),  # row 4: reported in the future (service)
        ("T4", "阴性", None, None, ok),  # row 5: fine …
        ("T4", "阴性", None, None, ok),  # row 6: … and again: a duplicate (service)
        ("R9-001", "阴性", None, None, ok),  # row 7: a barcode of round 9 (service)
        ("T5", "阴性", None, None, before_sampling),  # row 8: reported before it was sampled (service)
    ]
    client.force_login(setup.lab_user)
    response = post_file(client, setup, f"结果.{fmt}", FILES[fmt](rows))
    job = ResultUpload.objects.get()
    assert job.status == "refused"
    found = {(e["row"], e["field"]) for e in job.errors}
    assert {(2, "ct_orf1ab"), (3, "result"), (4, "reported_at"), (6, "barcode"), (7, "barcode"), (8, "reported_at")} <= found
    messages = {e["row"]: e["message"] for e in job.errors}
    assert "第 9 轮" in messages[7] and "与第 5 行重复" in messages[6]
    assert "早于采样时间" in messages[8]
    assert any(e["row"] == 0 and "1 个条码属于第 9 轮" in e["message"] for e in job.errors)  # said once for the file
    # nothing written: no result, no tube received, no unmatched result kept
    assert not TubeResult.objects.exists() and not UnmatchedResult.objects.exists()
    assert not Tube.objects.filter(round=setup.round, received_at__isnull=False).exists()
    page = client.get(response["Location"]).content.decode()
    for text in ("不是数字", "也许", "报告时间", "与第 5 行重复", "属于第 9 轮", "早于采样时间"):
        assert text in page, text


@pytest.mark.usefixtures("tubes")
def test_tubes_never_received_are_received_at_upload_and_listed(setup, users, client):
    t3 = fill(setup, users["community"], "T3", [setup.other_grid[0]], hours_ago=3)
    assert t3.received_at is None and t3.closed_at is None  # an open tube
    t1 = Tube.objects.get(round=setup.round, barcode="T1")
    client.force_login(setup.lab_user)
    before = timezone.now()
    response = post_file(
        client, setup, "r.csv", csv_bytes([("T1", "阴性", None, None, beijing(ago(1))), ("T3", "阴性", None, None, beijing(ago(1)))])
    )
    job = ResultUpload.objects.get()
    assert job.status == "succeeded" and job.created_count == 2
    t3.refresh_from_db()
    assert t3.laboratory_id == setup.lab.pk and t3.received_at >= before and t3.closed_at is not None
    # Closed by the same UPDATE as its result if it was open; a tube closed before keeps its time.
    assert t1.closed_at is not None and Tube.objects.get(pk=t1.pk).closed_at == t1.closed_at
    assert job.consequences["received_at_upload"] == [{"row": 3, "barcode": "T3"}]
    assert "此前未扫码接收" in job.message
    event = AuditEvent.objects.get(event_type=events.TUBES_RECEIVED, count=1)
    assert event.after["at_upload"].startswith(f"#{job.pk}") and event.after["barcodes"] == ["T3"]
    page = client.get(response["Location"]).content.decode()
    assert 'id="upload-received"' in page and "T3" in page.split('id="upload-received"')[1]
    report = client.get(lab_url(setup, "lab_upload_errors", job.pk))
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[1][:4] == ["上传时接收", "3", "条码", "T3"]


def test_a_file_for_another_round_names_the_round(setup, users, client, round_nine):
    client.force_login(setup.lab_user)
    post_file(client, setup, "r.csv", csv_bytes([("R9-001", "阴性", None, None, beijing(ago(1)))]))
    job = ResultUpload.objects.get()
    assert job.status == "refused"
    assert [e["row"] for e in job.errors] == [0, 2]
    assert "第 9 轮" in job.errors[1]["message"] and job.errors[1]["rule"] == "testing.result_round"
    assert not UnmatchedResult.objects.exists()  # not kept as "unknown barcode": it is known, elsewhere
    # the same file in round 9 is taken
    response = client.post(
        reverse("testing:result_upload", args=[round_nine.pk]),
        {"file": _file("r.csv", csv_bytes([("R9-001", "阴性", None, None, beijing(ago(1)))]))},
    )
    assert response.status_code == 302 and ResultUpload.objects.get(round=round_nine).status == "succeeded"


def _file(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.mark.usefixtures("tubes")
def test_the_api_gives_the_same_report(setup, users, round_nine):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    fill(setup, users["community"], "T3", [setup.other_grid[0]], hours_ago=3)
    api = APIClient()
    api.force_authenticate(setup.lab_user)
    url = f"/api/testing/rounds/{setup.round.pk}/results/"

    def post(rows):
        return api.post(url, {"file": SimpleUploadedFile("r.csv", csv_bytes(rows)), "laboratory": setup.lab.pk}, format="multipart")

    refused = post([("R9-001", "阴性", None, None, beijing(ago(1))), ("T1", "阴性", "abc", None, beijing(ago(1)))])
    assert refused.status_code == 400
    errors = refused.json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(0, "barcode"), (2, "barcode"), (3, "ct_orf1ab")]
    assert "第 9 轮" in errors[1]["message"]
    taken = post([("T1", "阴性", None, None, beijing(ago(1))), ("T3", "阴性", None, None, beijing(ago(1)))])
    assert taken.status_code == 200, taken.content
    assert taken.json()["received_at_upload"] == [{"row": 3, "barcode": "T3"}]
