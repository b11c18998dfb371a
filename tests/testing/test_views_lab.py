"""Laboratory pages: the lab's tubes, receiving, result uploads (CSV, xlsx, FHIR) and their reports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from fangkong.results.choices import Result
from fangkong.testing.choices import TubeStatus
from fangkong.testing.models import ResultUpload, Tube, TubeResult, UnmatchedResult
from fangkong.testing.services import Binding, bulk_bind, tube_receive
from fangkong.testing.services.result_uploads import progress_write

from .factories import csv_bytes, make_lab, make_lab_user, upload

HX = {"HX-Request": "true"}


def ago(hours: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


def beijing(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def fill(setup, user, barcode: str, people, *, hours_ago: float = 3, mode: str = "pooled_10") -> Tube:
    bulk_bind(
        actor=user,
        testing_round=setup.round,
        sampling_point=setup.point,
        pooling_mode=mode,
        bindings=[Binding(barcode, person_id=p.pk) for p in people],
        at=ago(hours_ago),
        close_when_full=True,
    )
    return Tube.objects.get(round=setup.round, barcode=barcode)


@pytest.fixture
def tubes(setup, users):
    """Two pooled tubes of five, sampled three hours ago, received by the lab."""
    a = fill(setup, users["community"], "T1", setup.ten[:5])
    b = fill(setup, users["community"], "T2", setup.ten[5:])
    tube_receive(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, barcodes=["T1", "T2"], at=ago(2))
    return a, b


def lab_url(setup, name: str, *args) -> str:
    return reverse(f"testing:{name}", args=[setup.round.pk, *args])


def post_file(client, setup, name: str, data: bytes, **extra):
    return client.post(lab_url(setup, "result_upload"), {"file": SimpleUploadedFile(name, data), **extra})


def xlsx_bytes(rows: list[tuple]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["条码", "结果", "ORF1ab", "N", "报告时间"])
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def fhir_bytes(entries: list[tuple[str, str, float | None, float | None, str]]) -> bytes:
    snomed = {"positive": "260373001", "negative": "260415000", "invalid": "455371000124106"}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": []}
    for barcode, result, orf1ab, n, issued in entries:
        obs = {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "94500-6"}]},
            "specimen": {"identifier": {"value": barcode}},
            "issued": issued,
            "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": snomed[result]}]},
            "component": [
                {"code": {"coding": [{"system": "urn:fangkong:ct-target", "code": target}]}, "valueQuantity": {"value": value}}
                for target, value in (("ORF1ab", orf1ab), ("N", n))
                if value is not None
            ],
        }
        bundle["entry"].append({"resource": obs})
    return json.dumps(bundle).encode()


def test_lab_home_counts_the_labs_tubes(setup, users, client, tubes):
    late = fill(setup, users["community"], "LATE", setup.other_grid, hours_ago=30, mode="single")
    tube_receive(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, barcodes=["LATE"], at=ago(29))
    upload(setup.lab_user, setup.round, setup.lab, [("T2", "阴性", None, None, beijing(ago(1)))], timezone.now())
    client.force_login(setup.lab_user)
    response = client.get(lab_url(setup, "lab"))
    page = response.content.decode()
    assert response.status_code == 200 and setup.lab.name in page
    counts = {k: int(v) for k, v in re.findall(r'id="count-(\w+)">(\d+)<', page)}
    assert counts == {"received": 3, "awaiting": 2, "resulted": 1, "overdue": 1}
    assert late.barcode in page[page.index('id="overdue-tubes"') :]
    assert 'name="barcodes"' in page and 'enctype="multipart/form-data"' in page


def test_receive_many_barcodes_and_show_the_report(setup, users, client):
    fill(setup, users["community"], "R1", setup.ten[:3])
    fill(setup, users["community"], "R2", setup.ten[3:6])
    client.force_login(setup.lab_user)
    response = client.post(lab_url(setup, "tube_receive"), {"barcodes": "R1\r\nR2\r\n", "lab": setup.lab.pk})
    assert response.status_code == 302
    assert "已接收 2 支试管" in client.get(response["Location"]).content.decode()
    assert set(Tube.objects.filter(laboratory=setup.lab).values_list("status", flat=True)) == {TubeStatus.RECEIVED}

    # Again with htmx: the fragment says they were already received.
    body = client.post(lab_url(setup, "tube_receive"), {"barcodes": "R1\nR2", "lab": setup.lab.pk}, headers=HX).content.decode()
    assert "<html" not in body and "已接收 0 支试管" in body and "2 支此前已接收" in body and 'hx-swap-oob="true"' in body


def test_receive_refuses_unknown_barcodes_naming_the_line_and_offers_the_rest(setup, users, client):
    fill(setup, users["community"], "R1", setup.ten[:3])
    client.force_login(setup.lab_user)
    body = client.post(lab_url(setup, "tube_receive"), {"barcodes": "R1\nNOPE\nR1", "lab": setup.lab.pk}, headers=HX).content.decode()
    assert "未接收任何试管" in body and "第 2 行" in body and "NOPE" in body and "第 3 行" in body and "重复" in body
    assert 'id="receive-rest"' in body and 'name="barcodes" value="R1"' in body
    assert not Tube.objects.filter(laboratory=setup.lab).exists()
    client.post(lab_url(setup, "tube_receive"), {"barcodes": "R1", "lab": setup.lab.pk})
    assert Tube.objects.get(barcode="R1").status == TubeStatus.RECEIVED


def test_csv_upload_applies_results_and_shows_the_report(setup, users, client, tubes):
    client.force_login(setup.lab_user)
    when = beijing(ago(1))
    data = csv_bytes([("T1", "阴性", None, None, when), ("T2", "阳性", 28.5, 30.1, when), ("NOPE", "阴性", None, None, when)])
    response = post_file(client, setup, "结果.csv", data, lab=setup.lab.pk)
    job = ResultUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == lab_url(setup, "result_upload_status", job.pk)
    assert job.status == "succeeded" and not job.in_background and job.uploaded_by == setup.lab_user
    assert (job.rows_total, job.created_count, job.unmatched_count) == (3, 2, 1)
    assert Tube.objects.get(barcode="T2").result == Result.POSITIVE
    assert job.consequences["pool_positive_tubes"] == 1 and job.consequences["resampling_tasks"] == 5
    page = client.get(response["Location"]).content.decode()
    assert "结果.csv" in page and 'id="upload-counts"' in page and 'hx-trigger="every 1s"' not in page
    assert 'id="upload-unmatched"' in page and "NOPE" in page and "条码不存在" in page
    assert "混管阳性 1 管" in page
    source = TubeResult.objects.get(tube__barcode="T1").source
    assert source == f"#{job.pk} 结果.csv"
    # The lab's home lists the upload with its outcome.
    home = client.get(lab_url(setup, "lab")).content.decode()
    assert 'id="recent-uploads"' in home and "结果.csv" in home


def test_xlsx_upload(setup, users, client, tubes):
    client.force_login(setup.lab_user)
    report_time = timezone.localtime(ago(1)).replace(tzinfo=None, microsecond=0)  # an Excel datetime cell
    rows = [("T1", "阴性", None, None, report_time), ("T2", "无效", None, None, report_time)]
    response = post_file(client, setup, "结果.xlsx", xlsx_bytes(rows))
    job = ResultUpload.objects.get()
    assert response.status_code == 302 and job.status == "succeeded" and job.file_format == "xlsx" and job.created_count == 2
    assert Tube.objects.get(barcode="T2").result == Result.INVALID


def test_fhir_bundle_upload(setup, users, client, tubes):
    client.force_login(setup.lab_user)
    issued = timezone.localtime(ago(1)).isoformat(timespec="seconds")
    data = fhir_bytes([("T1", "negative", None, None, issued), ("T2", "positive", 28.5, 30.1, issued)])
    response = post_file(client, setup, "bundle.json", data)
    job = ResultUpload.objects.get()
    assert response.status_code == 302 and job.status == "succeeded" and job.file_format == "fhir" and job.created_count == 2
    result = TubeResult.objects.get(tube__barcode="T2")
    assert result.result == Result.POSITIVE and result.ct_orf1ab == 28.5
    assert "FHIR R4 Bundle" in client.get(response["Location"]).content.decode()


def test_the_same_file_twice_changes_nothing(setup, users, client, tubes):
    client.force_login(setup.lab_user)
    data = csv_bytes([("T1", "阴性", None, None, beijing(ago(1))), ("T2", "阳性", 28.5, 30.1, beijing(ago(1)))])
    post_file(client, setup, "a.csv", data)
    response = post_file(client, setup, "a-again.csv", data)
    first, second = ResultUpload.objects.order_by("pk")
    assert first.sha256 == second.sha256
    assert (second.created_count, second.superseded_count, second.unchanged_count) == (0, 0, 2)
    assert TubeResult.objects.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "同一文件已于" in page and f"#{first.pk}" in page and "未变化" in page


def test_a_bad_file_is_refused_whole_naming_row_and_field(setup, users, client, tubes):
    client.force_login(setup.lab_user)
    when = beijing(ago(1))
    data = csv_bytes([("T1", "阴性", None, None, when), ("T2", "阳性", "abc", None, when), ("T3", "也许", None, None, "昨天")])
    response = post_file(client, setup, "bad.csv", data)
    job = ResultUpload.objects.get()
    assert job.status == "refused" and job.error_count == 3 and job.created_count == 0
    # every problem of a row, not only its first: row 4 has a bad result and a bad report time
    assert [(e["row"], e["field"]) for e in job.errors] == [(3, "ct_orf1ab"), (4, "result"), (4, "reported_at")]
    assert not TubeResult.objects.exists() and Tube.objects.get(barcode="T1").result == ""
    page = client.get(response["Location"]).content.decode()
    assert "未写入任何结果" in page and 'id="upload-errors"' in page
    assert "ORF1ab Ct 值" in page and "不是数字" in page and "结果" in page
    report = client.get(reverse("testing:lab_upload_errors", args=[setup.round.pk, job.pk]))
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0] == ["类型", "行号", "字段", "条码", "说明"]
    assert rows[1][:3] == ["错误", "3", "ORF1ab Ct 值"]


def test_a_file_refused_by_the_service_writes_nothing(setup, users, client, tubes):
    """Parsed fine, refused by results_ingest (a report time before sampling, a Ct that says otherwise)."""
    client.force_login(setup.lab_user)
    data = csv_bytes([("T1", "阴性", None, None, beijing(ago(5))), ("T2", "阳性", 36, 37, beijing(ago(1)))])
    post_file(client, setup, "late.csv", data)
    job = ResultUpload.objects.get()
    assert job.status == "refused" and {(e["row"], e["field"]) for e in job.errors} == {(2, "reported_at"), (3, "result")}
    assert not TubeResult.objects.exists() and not UnmatchedResult.objects.exists()


def test_other_file_types_are_refused_at_the_form(setup, users, client):
    client.force_login(setup.lab_user)
    response = post_file(client, setup, "results.xls", b"abc")
    assert response.status_code == 200 and ".xlsx" in response.content.decode() and not ResultUpload.objects.exists()
    response = client.post(lab_url(setup, "result_upload"), {})
    assert "请选择结果文件" in response.content.decode()
    page = client.get(lab_url(setup, "result_upload")).content.decode()
    assert "94500-6" in page and "报告时间" in page


def test_a_large_file_runs_as_a_background_job(setup, users, client, tubes, django_capture_on_commit_callbacks):
    client.force_login(setup.lab_user)
    when = beijing(ago(1))
    rows = [("T1", "阴性", None, None, when), ("T2", "阴性", None, None, when)]
    rows += [(f"X{i:05d}", "阴性", None, None, when) for i in range(2_100)]
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, setup, "big.csv", csv_bytes(rows))
    job = ResultUpload.objects.get()
    assert response["Location"] == lab_url(setup, "result_upload_status", job.pk)
    assert job.in_background and job.status == "succeeded" and job.started_at and job.finished_at
    assert (job.rows_total, job.created_count, job.unmatched_count) == (2_102, 2, 2_100)
    assert UnmatchedResult.objects.filter(round=setup.round).count() == 2_100
    page = client.get(response["Location"]).content.decode()
    assert "后台处理" in page and "显示前 200 条" in page


def test_the_status_page_polls_while_the_job_runs(setup, users, client, settings, django_capture_on_commit_callbacks):
    settings.TESTING_UPLOAD_INLINE_MAX_ROWS = 1
    client.force_login(setup.lab_user)
    data = csv_bytes([("A", "阴性", None, None, beijing(ago(1))), ("B", "阴性", None, None, beijing(ago(1)))])
    post_file(client, setup, "queued.csv", data)  # on-commit callbacks not run: the job stays queued
    job = ResultUpload.objects.get()
    assert job.status == "queued" and job.in_background
    url = lab_url(setup, "result_upload_status", job.pk)
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "等待后台处理" in page
    ResultUpload.objects.filter(pk=job.pk).update(status="running")
    progress_write(job.pk, phase="writing", rows=2)
    fragment = client.get(url + "?poll=1", headers=HX)
    body = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in body and 'id="upload-progress"' in body and "正在写入 2 条结果" in body
    ResultUpload.objects.filter(pk=job.pk).update(status="succeeded")
    cache.clear()
    done = client.get(url + "?poll=1", headers=HX)
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def queued_upload(setup, client, settings, name="queued.csv"):
    settings.TESTING_UPLOAD_INLINE_MAX_ROWS = 1
    client.force_login(setup.lab_user)
    rows = [("T1", "阴性", None, None, beijing(ago(1))), ("T2", "阴性", None, None, beijing(ago(1)))]
    post_file(client, setup, name, csv_bytes(rows))  # on-commit callbacks not run: the job stays queued
    return ResultUpload.objects.get(original_name=name)


def test_an_upload_a_dead_worker_left_running_is_marked_failed_saying_nothing_was_written(setup, client, settings, tubes):
    from fangkong.testing.services.result_uploads import result_uploads_recover

    dead, busy, recent = (queued_upload(setup, client, settings, f"{n}.csv") for n in ("dead", "busy", "recent"))
    ResultUpload.objects.filter(pk__in=[dead.pk, busy.pk]).update(status="running", started_at=ago(1))
    ResultUpload.objects.filter(pk=recent.pk).update(status="running", started_at=ago(0.1))
    progress_write(busy.pk, phase="writing", rows=2)  # still reporting progress
    cache.delete(f"testing:upload:{dead.pk}:progress")
    assert result_uploads_recover() == {"failed": 1, "requeued": 0}
    dead.refresh_from_db()
    assert dead.status == "failed" and "未写入任何结果" in dead.message and "重新上传" in dead.message and dead.finished_at
    assert set(ResultUpload.objects.filter(status="running").values_list("pk", flat=True)) == {busy.pk, recent.pk}
    assert not TubeResult.objects.exists()
    page = client.get(lab_url(setup, "result_upload_status", dead.pk)).content.decode()
    assert "处理中断" in page


def test_a_queued_upload_the_queue_lost_is_queued_again_and_runs_once(setup, client, settings, tubes):
    from fangkong.testing.services.result_uploads import result_upload_run, result_uploads_recover

    job = queued_upload(setup, client, settings)
    assert result_uploads_recover() == {"failed": 0, "requeued": 0}  # just queued: left alone
    ResultUpload.objects.filter(pk=job.pk).update(created_at=ago(1))
    assert result_uploads_recover() == {"failed": 0, "requeued": 1}  # Huey runs jobs at once in tests
    job.refresh_from_db()
    assert job.status == "succeeded" and job.created_count == 2
    again = result_upload_run(upload_id=job.pk)  # a second copy of the job finds it claimed
    assert again.status == "succeeded" and TubeResult.objects.filter(tube__round=setup.round).count() == 2


def test_another_labs_user_sees_nothing_of_this_lab(setup, users, client, tubes):
    client.force_login(setup.lab_user)
    when = beijing(ago(1))
    post_file(client, setup, "mine.csv", csv_bytes([("T1", "阴性", None, None, when), ("NOPE", "阴性", None, None, when)]))
    job = ResultUpload.objects.get()
    other_lab = make_lab("迪安检验", "DA01")
    other = make_lab_user("lab2", other_lab)
    client.force_login(other)
    home = client.get(lab_url(setup, "lab")).content.decode()
    # "T1" as a word: the page's random CSRF token may hold the two letters.
    assert "迪安检验" in home and "mine.csv" not in home and not re.search(r"(?<![A-Za-z0-9])T1(?![A-Za-z0-9])", home)
    assert client.get(lab_url(setup, "lab") + f"?lab={setup.lab.pk}").status_code == 404
    assert client.get(lab_url(setup, "result_upload_status", job.pk)).status_code == 404
    assert client.get(reverse("testing:lab_upload_errors", args=[setup.round.pk, job.pk])).status_code == 404
    assert "NOPE" not in client.get(lab_url(setup, "unmatched_list")).content.decode()
    # Posting on behalf of the other lab is refused; uploading a result for its tube too.
    assert client.post(lab_url(setup, "tube_receive"), {"barcodes": "T1", "lab": setup.lab.pk}).status_code == 404
    post_file(client, setup, "theirs.csv", csv_bytes([("T2", "阴性", None, None, beijing(ago(1)))]))
    theirs = ResultUpload.objects.get(original_name="theirs.csv")
    assert theirs.status == "refused" and "其他检测机构" in theirs.errors[0]["message"]
    assert not TubeResult.objects.filter(tube__barcode="T2").exists()


def test_unmatched_list_is_paginated(setup, users, client):
    client.force_login(setup.lab_user)
    rows = [(f"U{i:03d}", "阴性", None, None, beijing(ago(1))) for i in range(30)]
    post_file(client, setup, "u.csv", csv_bytes(rows))
    page = client.get(lab_url(setup, "unmatched_list")).content.decode()
    assert "U029" in page and "U004" not in page and "1 / 2" in page and "共 30 条" in page
    assert "U004" in client.get(lab_url(setup, "unmatched_list") + "?page=2").content.decode()
    client.force_login(users["command"])  # the command centre sees every lab's
    assert "U029" in client.get(lab_url(setup, "unmatched_list")).content.decode()
    client.force_login(users["grid"])
    assert client.get(lab_url(setup, "unmatched_list")).status_code == 403


def test_result_templates_carry_the_documented_header(setup, users, client):
    from openpyxl import load_workbook

    client.force_login(setup.lab_user)
    response = client.get(reverse("testing:result_template", args=["csv"]))
    assert response.content.decode("utf-8-sig").splitlines()[0] == "条码,结果,ORF1ab,N,报告时间"
    response = client.get(reverse("testing:result_template", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    assert next(sheet.iter_rows(values_only=True)) == ("条码", "结果", "ORF1ab", "N", "报告时间")
    assert client.get(reverse("testing:result_template", args=["pdf"])).status_code == 404


def test_lab_pages_need_the_lab_role(setup, users, client):
    client.force_login(users["community"])
    for name in ("lab", "result_upload"):
        assert client.get(lab_url(setup, name)).status_code == 403
    assert client.post(lab_url(setup, "tube_receive"), {"barcodes": "X"}).status_code == 403
    from fangkong.accounts.models import Grant
    from tests.factories import make_user

    lonely = make_user("lonely", "laboratory")  # a lab role without any grant: sees nothing
    client.force_login(lonely)
    assert client.get(lab_url(setup, "lab")).status_code == 404
    Grant.objects.create(user=lonely, level="facility", facility_kind="isolation_site", place_id=1)  # a grant, but no laboratory
    client.force_login(lonely)
    assert "未关联检测机构" in client.get(lab_url(setup, "lab")).content.decode()
    assert client.post(lab_url(setup, "tube_receive"), {"barcodes": "X"}).status_code == 404


def test_an_upload_whose_worker_stopped_beating_is_failed_after_a_minute(setup, client, settings, tubes):
    from fangkong.core.jobs import heartbeat_key, heartbeat_write
    from fangkong.testing.selectors.lab_queue import progress_key
    from fangkong.testing.services.result_uploads import result_uploads_recover

    killed, beating = (queued_upload(setup, client, settings, f"{n}.csv") for n in ("killed", "beating"))
    ResultUpload.objects.filter(pk__in=[killed.pk, beating.pk]).update(
        status="running", started_at=timezone.now() - dt.timedelta(minutes=3)
    )
    later = timezone.now() + dt.timedelta(seconds=90)  # the phases written now are stale by then
    for job in (killed, beating):
        progress_write(job.pk, phase="writing", rows=2)
    heartbeat_write(heartbeat_key(progress_key(killed.pk)), now=later - dt.timedelta(seconds=75))
    heartbeat_write(heartbeat_key(progress_key(beating.pk)), now=later - dt.timedelta(seconds=10))
    assert result_uploads_recover(now=later) == {"failed": 1, "requeued": 0}
    killed.refresh_from_db()
    assert killed.status == "failed" and "未写入任何结果" in killed.message and "重新上传" in killed.message
    assert ResultUpload.objects.get(pk=beating.pk).status == "running"
    assert "处理中断" in client.get(lab_url(setup, "result_upload_status", killed.pk)).content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_upload_killed_right_after_its_commit_reads_succeeded_with_its_counts(setup, client, settings, tubes, monkeypatch):
    """The kill lands between the results' COMMIT and whatever the job does next: the upload's outcome
    committed with its results, so the sweep leaves it alone and the lab is not told to upload again."""
    from fangkong.testing.services import result_uploads
    from tests.process_death import Killed, dies_at_commit

    monkeypatch.setattr(result_uploads, "enqueue_on_commit", lambda *a: None)  # the test runs the job
    job = queued_upload(setup, client, settings)
    with pytest.raises(Killed), dies_at_commit(after=True):
        result_uploads.result_upload_run(upload_id=job.pk)
    assert TubeResult.objects.filter(tube__round=setup.round).count() == 2
    assert result_uploads.result_uploads_recover(now=timezone.now() + dt.timedelta(seconds=90)) == {"failed": 0, "requeued": 0}
    job.refresh_from_db()
    assert job.status == "succeeded" and job.finished_at and (job.rows_total, job.created_count, job.error_count) == (2, 2, 0)
    page = client.get(lab_url(setup, "result_upload_status", job.pk)).content.decode()
    assert "处理中断" not in page and "新增 2" in page


@pytest.mark.django_db(transaction=True)
def test_an_upload_killed_before_its_commit_writes_nothing_and_the_sweep_says_so(setup, client, settings, tubes, monkeypatch):
    from fangkong.testing.services import result_uploads
    from tests.process_death import Killed, dies_at_commit

    monkeypatch.setattr(result_uploads, "enqueue_on_commit", lambda *a: None)
    job = queued_upload(setup, client, settings)
    with pytest.raises(Killed), dies_at_commit(after=False):
        result_uploads.result_upload_run(upload_id=job.pk)
    assert not TubeResult.objects.filter(tube__round=setup.round).exists()
    assert result_uploads.result_uploads_recover(now=timezone.now() + dt.timedelta(seconds=90)) == {"failed": 1, "requeued": 0}
    job.refresh_from_db()
    assert job.status == "failed" and "未写入任何结果" in job.message and "重新上传" in job.message and job.created_count == 0


def test_a_refused_file_still_ends_refused_with_its_errors_though_its_transaction_rolled_back(setup, client, tubes):
    client.force_login(setup.lab_user)
    post_file(
        client, setup, "bad.csv", csv_bytes([("T1", "阴性", None, None, beijing(ago(1))), ("T2", "也许", None, None, beijing(ago(1)))])
    )
    job = ResultUpload.objects.get(original_name="bad.csv")
    assert job.status == "refused" and job.error_count == 1 and job.errors[0]["row"] and "未写入任何结果" in job.message
    assert job.created_count == 0 and not TubeResult.objects.filter(tube__round=setup.round).exists()


@pytest.mark.django_db(transaction=True)
def test_an_upload_whose_commit_fails_after_its_outcome_was_recorded_is_failed_with_no_counts(setup, client, settings, tubes, monkeypatch):
    from django.db import OperationalError

    from fangkong.testing.services import result_uploads
    from tests.process_death import dies_at_commit

    monkeypatch.setattr(result_uploads, "enqueue_on_commit", lambda *a: None)
    job = queued_upload(setup, client, settings)
    with dies_at_commit(after=False, error=OperationalError("server closed the connection unexpectedly")):
        result_uploads.result_upload_run(upload_id=job.pk)
    job.refresh_from_db()
    assert not TubeResult.objects.filter(tube__round=setup.round).exists()
    assert job.status == "failed" and "未写入任何结果" in job.message and (job.created_count, job.unmatched, job.decided_by) == (0, [], "")


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (OperationalError("server closed the connection unexpectedly (10.0.3.7:5432) 110101199003071234"), "与数据库的连接中断"),
        (ValueError("tube T1 for person 110101199003071234 at 10.0.3.7"), "内部错误"),
    ],
)
def test_a_failed_upload_says_why_in_the_users_words_not_the_exceptions(setup, client, settings, tubes, monkeypatch, error, cause):
    """The PostgreSQL-kill drill found the driver's English on the lab's page when the database came
    back before the job recorded its failure. The page says what happened and what to do; the
    exception's text (which can name a number, a row, the server) stays in the log."""
    from fangkong.testing.services import result_uploads

    monkeypatch.setattr(result_uploads, "enqueue_on_commit", lambda *a: None)
    job = queued_upload(setup, client, settings)

    def fails(**kwargs):
        raise error

    monkeypatch.setattr(result_uploads, "results_ingest", fails)
    result_uploads.result_upload_run(upload_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and cause in job.message and "请重新上传" in job.message
    page = client.get(lab_url(setup, "result_upload_status", job.pk)).content.decode()
    assert cause in page and "110101199003071234" not in page and "10.0.3.7" not in page and "Error" not in job.message
