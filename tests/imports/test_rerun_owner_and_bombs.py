"""Security review D on the registry import: re-running someone else's job, and an xlsx zip bomb.

Each test performs the attack the review found; each failed before the fix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from fangkong.core.errors import PermissionRefused
from fangkong.geo.idnumbers import make_resident_id
from fangkong.geo.models import Person
from fangkong.imports import services
from fangkong.imports.models import ImportJob
from fangkong.imports.readers import ImportFileError, open_table
from tests.core.test_xlsxguard import bomb, measured

from .conftest import row, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
ID_NUMBER = make_resident_id("150102", dt.date(1985, 3, 7), 123)
PHONE = "13912348765"


def dry_run_with_errors(users, client, tmp_path, capture) -> tuple[ImportJob, bytes]:
    """The community worker's validate-only run of a file with one good row and one bad one."""
    path = write_csv(tmp_path / "名单.csv", [row("王五", ID_NUMBER, phone=PHONE), row("坏行", "150102199001011234")])
    client.force_login(users["community"])
    with capture(execute=True):
        client.post(reverse("imports:job_upload"), {"file": SimpleUploadedFile(path.name, path.read_bytes()), "mode": "validate"})
    job = ImportJob.objects.get()
    assert job.can_import_valid_rows
    return job, path.read_bytes()


def files(client, job) -> list[int]:
    return [client.get(reverse(name, args=[job.pk])).status_code for name in ("imports:job_file", "imports:job_error_report")]


def test_a_city_user_cannot_re_run_someone_elses_job_to_read_its_file(city, users, client, tmp_path, django_capture_on_commit_callbacks):
    job, _data = dry_run_with_errors(users, client, tmp_path, django_capture_on_commit_callbacks)
    before = Person.objects.count()
    attacker = Client()
    attacker.force_login(users["command"])
    assert attacker.get(reverse("imports:job_detail", args=[job.pk])).status_code == 200  # sees the job and its counts
    assert files(attacker, job) == [404, 404]
    with django_capture_on_commit_callbacks(execute=True):
        response = attacker.post(reverse("imports:job_import_valid_rows", args=[job.pk]))
    assert response.status_code == 404  # as for the job's files: no more than the caller may see
    assert ImportJob.objects.count() == 1 and Person.objects.count() == before  # nothing re-run, nobody written
    with pytest.raises(PermissionRefused):
        services.import_job_rerun(actor=users["command"], job=job)
    with pytest.raises(PermissionRefused):
        services.import_job_rerun(actor=users["auditor"], job=job)  # reads the file; imports nothing


def test_the_owner_re_runs_and_the_new_jobs_files_stay_theirs(city, users, client, tmp_path, django_capture_on_commit_callbacks):
    job, data = dry_run_with_errors(users, client, tmp_path, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:job_import_valid_rows", args=[job.pk]))
    new = ImportJob.objects.exclude(pk=job.pk).get()
    assert response.status_code == 302 and new.created_by == users["community"] and new.status == "succeeded"
    got = client.get(reverse("imports:job_file", args=[new.pk]))
    assert got.status_code == 200 and b"".join(got.streaming_content) == data
    for who, expected in (("command", [404, 404]), ("district", [404, 404]), ("auditor", [200, 200])):
        other = Client()
        other.force_login(users[who])
        assert files(other, new) == expected, who


def test_a_re_run_started_by_someone_else_before_the_fix_follows_the_files_owner(
    city, users, client, tmp_path, django_capture_on_commit_callbacks
):
    """Jobs the attack created (created_by = the attacker) stay closed to the attacker."""
    job, _data = dry_run_with_errors(users, client, tmp_path, django_capture_on_commit_callbacks)
    stolen = ImportJob.objects.create(
        created_by=users["command"], file=job.file.name, error_report=job.error_report.name, original_name=job.original_name,
        mode="valid_rows", rerun_of=job, status="succeeded",
    )  # fmt: skip
    attacker = Client()
    attacker.force_login(users["command"])
    assert files(attacker, stolen) == [404, 404]
    assert files(client, stolen) == [200, 200]  # the file's owner
    assert not services.may_rerun(user=users["community"], job=stolen)


def test_a_registry_xlsx_bomb_is_refused_by_the_worker_without_inflating_it(tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(bomb(300))
    error, peak, seconds = measured(lambda: open_table(path, "名单.xlsx").close())
    assert isinstance(error, ImportFileError) and "名单.xlsx" in str(error) and "解压后过大" in str(error)
    assert peak < 50 * MB and seconds < 5  # was ~300 MB


def test_a_registry_xlsx_bomb_is_refused_at_upload(city, users, client, django_capture_on_commit_callbacks):
    client.force_login(users["community"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:job_upload"), {"file": SimpleUploadedFile("名单.xlsx", bomb(300)), "mode": "strict"})
    assert response.status_code == 200 and "解压后过大" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_registry_upload_has_a_size_limit(city, users, client, monkeypatch, tmp_path):
    monkeypatch.setattr(services, "MAX_FILE_BYTES", 100)
    path = write_csv(tmp_path / "名单.csv", [row("王五"), row("赵六")])
    client.force_login(users["community"])
    response = client.post(reverse("imports:job_upload"), {"file": SimpleUploadedFile(path.name, path.read_bytes()), "mode": "strict"})
    assert response.status_code == 200 and "文件超过" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_real_xlsx_still_imports(city, users, client, tmp_path, django_capture_on_commit_callbacks):
    path = write_xlsx(tmp_path / "名单.xlsx", [row("王五"), row("赵六")])
    client.force_login(users["community"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job_upload"), {"file": SimpleUploadedFile(path.name, path.read_bytes()), "mode": "strict"})
    job = ImportJob.objects.get()
    assert job.status == "succeeded" and job.people_created == 2 and job.rows_total == 2
