"""Pages: upload → job → progress → errors; re-run valid rows; templates; who may see what."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fangkong.geo.models import Person
from fangkong.imports.models import ImportJob
from fangkong.imports.services import progress_write

from .conftest import row, write_csv


def upload(client, path, mode, capture):
    with capture(execute=True), open(path, "rb") as fh:
        return client.post(reverse("imports:job_upload"), {"file": SimpleUploadedFile(path.name, fh.read()), "mode": mode})


def test_upload_runs_the_job_and_the_page_shows_counts_and_errors(city, users, client, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(users["community"])
    path = write_csv(tmp_path / "名单.csv", [row("甲"), row("乙", "150102199001011234"), row("丙")], encoding="gbk")
    response = upload(client, path, "validate", django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:job_detail", args=[job.pk])
    assert job.status == "succeeded" and job.original_name == "名单.csv" and job.created_by == users["community"]
    page = client.get(response["Location"]).content.decode()
    assert "名单.csv" in page and "错误明细" in page and "证件号码" in page and "校验位" in page
    assert "导入有效行" in page
    assert reverse("imports:job_error_report", args=[job.pk]) in page
    assert 'hx-trigger="every 1s"' not in page  # finished: no polling

    report = client.get(reverse("imports:job_error_report", args=[job.pk]))
    assert report.status_code == 200
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][:2] == ["3", "证件号码"]

    # "导入有效行" re-runs the same file importing only the good rows.
    before = Person.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:job_import_valid_rows", args=[job.pk]))
    rerun = ImportJob.objects.exclude(pk=job.pk).get()
    assert response["Location"] == reverse("imports:job_detail", args=[rerun.pk])
    assert rerun.mode == "valid_rows" and rerun.rerun_of == job and rerun.status == "succeeded"
    assert Person.objects.count() == before + 2


def test_progress_is_polled_while_running_and_the_page_reloads_when_done(city, users, client):
    client.force_login(users["community"])
    job = ImportJob.objects.create(created_by=users["community"], original_name="a.csv", mode="strict", status="running")
    progress_write(job.pk, rows_done=5000, rows_total=20000, errors=3)
    page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "已处理 5" in page and "25%" in page
    fragment = client.get(reverse("imports:job_detail", args=[job.pk]) + "?poll=1", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body and 'id="job-progress"' in body and "3 处错误" in body
    ImportJob.objects.filter(pk=job.pk).update(status="succeeded", rows_total=20000, rows_done=20000)
    cache.clear()
    done = client.get(reverse("imports:job_detail", args=[job.pk]) + "?poll=1", headers={"HX-Request": "true"})
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_job_list_shows_own_jobs_and_an_empty_state(city, users, client):
    client.force_login(users["community"])
    page = client.get(reverse("imports:job_list")).content.decode()
    assert "还没有导入任务" in page and "下载导入模板" in page or "下载模板" in page
    ImportJob.objects.create(created_by=users["community"], original_name="mine.csv", mode="strict")
    ImportJob.objects.create(created_by=users["street"], original_name="theirs.csv", mode="strict")
    page = client.get(reverse("imports:job_list")).content.decode()
    assert "mine.csv" in page and "theirs.csv" not in page


def test_another_users_job_answers_404_but_city_level_users_see_it(city, users, client):
    job = ImportJob.objects.create(created_by=users["community"], original_name="mine.csv", mode="strict")
    client.force_login(users["street"])
    for name in ("imports:job_detail", "imports:job_error_report"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("imports:job_import_valid_rows", args=[job.pk])).status_code == 404
    client.force_login(users["command"])
    assert client.get(reverse("imports:job_detail", args=[job.pk])).status_code == 200
    assert "mine.csv" in client.get(reverse("imports:job_list")).content.decode()


@pytest.mark.parametrize("name", ["imports:job_list", "imports:job_upload"])
def test_roles_without_the_import_capability_get_403_and_anonymous_users_the_login_page(city, users, client, name):
    client.force_login(users["grid"])
    assert client.get(reverse(name)).status_code == 403
    client.force_login(users["auditor"])
    assert client.get(reverse(name)).status_code == 403
    client.logout()
    response = client.get(reverse(name))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_templates_download_with_chinese_headers(city, users, client):
    from openpyxl import load_workbook

    client.force_login(users["community"])
    response = client.get(reverse("imports:template", args=["csv"]))
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").splitlines()[0].startswith("区县,街道/乡镇,社区/村,网格,小区,楼栋,单元,户号,姓名")
    response = client.get(reverse("imports:template", args=["xlsx"]))
    ws = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    assert next(ws.iter_rows(values_only=True))[:3] == ("区县", "街道/乡镇", "社区/村")
    assert client.get(reverse("imports:template", args=["pdf"])).status_code == 404


def test_upload_form_rejects_other_file_types(city, users, client):
    client.force_login(users["community"])
    response = client.post(reverse("imports:job_upload"), {"file": SimpleUploadedFile("x.xls", b"abc"), "mode": "strict"})
    assert response.status_code == 200 and "xlsx" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_user_without_jurisdiction_cannot_upload(city, users, client, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(users["nogrant"])
    response = upload(client, write_csv(tmp_path / "x.csv", [row("甲")]), "strict", django_capture_on_commit_callbacks)
    assert response.status_code == 200 and "管辖范围" in response.content.decode()
    assert not ImportJob.objects.exists()
