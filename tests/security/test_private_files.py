"""Item 9: uploaded files (full ID numbers and phones) and their reports.

Before: an uploaded import file stayed in var/media in plaintext (mode 644) for ever, and in the demo
(DEBUG) `GET /media/imports/uploads/….csv` answered 200 to anyone, signed in or not. Now: no URL
serves media in any mode; files are encrypted with the data key (no ID number or phone in their
bytes), 0600 in 0700 directories; only their owner and the auditor download them, through a
scoped, audited view that says Cache-Control: no-store; a periodic task deletes them after the
retention period (policy data.upload_retention_days) and the job says so."""

from __future__ import annotations

import datetime as dt
import importlib
import stat
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import clear_url_caches, reverse
from django.utils import timezone

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.roles import Role
from fangkong.geo.idnumbers import make_resident_id
from fangkong.imports.models import ImportJob
from fangkong.testing.models import ResultUpload
from tests.factories import make_user
from tests.imports.conftest import row, write_csv
from tests.testing.factories import csv_bytes, make_lab, make_lab_user

pytestmark = pytest.mark.django_db

ID_NUMBER = make_resident_id("150102", dt.date(1985, 3, 7), 123)
PHONE = "13912348765"


@pytest.fixture
def job(city, users, client, tmp_path, django_capture_on_commit_callbacks):
    """The community worker uploads a file with a full ID number and a phone (and one bad row)."""
    path = write_csv(tmp_path / "名单.csv", [row("王五", ID_NUMBER, phone=PHONE), row("坏行", "150102199001011234")])
    client.force_login(users["community"])
    with django_capture_on_commit_callbacks(execute=True):
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        response = client.post(reverse("imports:job_upload"), {"file": upload, "mode": "validate"})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "succeeded" and job.error_count == 1 and job.error_report
    client.logout()
    job.plaintext = path.read_bytes()
    return job


def stored(name: str, root: Path) -> Path:
    path = root / name
    assert path.is_file(), path
    return path


# ---- not served ----


@pytest.mark.parametrize("debug", [False, True])
def test_media_urls_answer_404_signed_in_or_not_in_debug_or_not(job, users, client, debug):
    with override_settings(DEBUG=debug):
        clear_url_caches()
        importlib.reload(importlib.import_module("config.urls"))
        try:
            for url in (f"/media/{job.file.name}", f"/media/{job.error_report.name}", "/media/imports/uploads/"):
                assert client.get(url).status_code == 404
            client.force_login(users["community"])
            assert client.get(f"/media/{job.file.name}").status_code == 404
        finally:
            clear_url_caches()
            importlib.reload(importlib.import_module("config.urls"))
    with pytest.raises(ValueError):
        job.file.url  # noqa: B018 - a private file has no URL at all


# ---- not plaintext on disk ----


def test_files_on_disk_hold_no_id_number_or_phone_and_are_0600(job, _private_files):
    for name in (job.file.name, job.error_report.name):
        path = stored(name, _private_files)
        data = path.read_bytes()
        assert ID_NUMBER.encode() not in data and PHONE.encode() not in data and "王五".encode() not in data
        assert b"150102" not in data  # not even the masked form of the error report
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    # and nothing under MEDIA_ROOT
    from django.conf import settings

    assert not any(Path(settings.MEDIA_ROOT).rglob(Path(job.file.name).name))


# ---- who downloads ----


def test_the_owner_downloads_the_file_audited_and_never_cached(job, users, client):
    client.force_login(users["community"])
    response = client.get(reverse("imports:job_file", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == job.plaintext
    assert response["Cache-Control"] == "no-store" and "attachment" in response["Content-Disposition"]
    report = client.get(reverse("imports:job_error_report", args=[job.pk]))
    assert report.status_code == 200 and report["Cache-Control"] == "no-store"
    events = AuditEvent.objects.filter(event_type=EventType.FILE_DOWNLOADED, object_id=str(job.pk))
    assert sorted(e.after["file"] for e in events) == ["errors", "upload"]
    assert all(e.actor == users["community"] for e in events)


def test_another_user_of_the_same_role_elsewhere_cannot_download(job, users, client, city):
    stranger = make_user("community2", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    district = make_user("district2", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    for user in (stranger, district, users["command"], users["street"]):  # the city level sees the job, not the file
        client.force_login(user)
        assert client.get(reverse("imports:job_file", args=[job.pk])).status_code == 404
        assert client.get(reverse("imports:job_error_report", args=[job.pk])).status_code == 404
    client.force_login(users["command"])
    page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert "仅导入人和审计员" in page and reverse("imports:job_file", args=[job.pk]) not in page and "坏行" not in page
    client.logout()
    assert client.get(reverse("imports:job_file", args=[job.pk])).status_code == 302  # to the login page
    assert not AuditEvent.objects.filter(event_type=EventType.FILE_DOWNLOADED).exists()


def test_the_auditor_downloads_and_is_audited(job, users, client):
    client.force_login(users["auditor"])
    response = client.get(reverse("imports:job_file", args=[job.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == job.plaintext
    event = AuditEvent.objects.get(event_type=EventType.FILE_DOWNLOADED)
    assert event.actor == users["auditor"] and event.after["owner"] == users["community"].pk


def test_a_lab_result_file_is_private_to_its_uploader_and_the_auditor(client, setup, users, _private_files):
    client.force_login(setup.lab_user)
    data = csv_bytes([("GHOST1", "阴性", None, None, "2022-02-25 15:00")])
    client.post(reverse("testing:result_upload", args=[setup.round.pk]), {"file": SimpleUploadedFile("结果.csv", data)})
    upload = ResultUpload.objects.get()
    path = stored(upload.file.name, _private_files)
    assert b"GHOST1" not in path.read_bytes() and stat.S_IMODE(path.stat().st_mode) == 0o600
    url = reverse("testing:lab_upload_file", args=[setup.round.pk, upload.pk])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == data and response["Cache-Control"] == "no-store"
    other_lab_user = make_lab_user("lab2", make_lab("迪安检验", "DA01"))
    for user in (other_lab_user, users["command"], users["community"]):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(users["auditor"])
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(event_type=EventType.FILE_DOWNLOADED, object_id=str(upload.pk)).count() == 2
    assert client.get(f"/media/{upload.file.name}").status_code == 404


# ---- deleted after the retention period ----


def test_the_retention_task_deletes_old_files_and_keeps_the_job(job, users, client, setup, _private_files):
    from fangkong.imports.tasks import expire_import_files
    from fangkong.testing.tasks import expire_result_upload_files

    upload_path = stored(job.file.name, _private_files)
    report_path = stored(job.error_report.name, _private_files)
    lab_upload = ResultUpload.objects.create(
        round=setup.round, laboratory=setup.lab, uploaded_by=setup.lab_user, original_name="r.csv", sha256="0" * 64,
        file_format="csv", status="succeeded",
    )  # fmt: skip
    lab_upload.file.save("r.csv", SimpleUploadedFile("r.csv", b"x"), save=True)
    lab_path = stored(lab_upload.file.name, _private_files)
    orphan = _private_files / "imports" / "errors" / "left-by-a-killed-job.csv"
    orphan.write_bytes(b"FKEF")

    with time_machine.travel(timezone.now() + dt.timedelta(days=29)):
        assert expire_import_files.call_local() == {"jobs": 0, "files": 0, "orphans": 0}
    assert upload_path.exists() and report_path.exists()

    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        assert expire_import_files.call_local() == {"jobs": 1, "files": 2, "orphans": 1}
        assert expire_result_upload_files.call_local()["files"] == 1
    assert not upload_path.exists() and not report_path.exists() and not orphan.exists() and not lab_path.exists()
    job.refresh_from_db()
    assert job.files_deleted_at and not job.file and not job.error_report
    assert (job.rows_total, job.error_count, job.status) == (2, 1, "succeeded")  # the row and its counts stay
    event = AuditEvent.objects.get(event_type=EventType.FILES_EXPIRED, object_type="imports.importjob")
    assert event.after["files"] == 2 and "data.upload_retention_days" in event.after["rule"]

    client.force_login(users["community"])
    page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert "文件已按保留期限删除" in page and not job.can_import_valid_rows
    assert client.get(reverse("imports:job_file", args=[job.pk])).status_code == 404
    assert client.get(reverse("imports:job_error_report", args=[job.pk])).status_code == 404


def test_a_rerun_keeps_the_shared_file_until_it_expires_too(job, users, client, _private_files, django_capture_on_commit_callbacks):
    from fangkong.imports.services import import_files_expire

    client.force_login(users["community"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job_import_valid_rows", args=[job.pk]))
    rerun = ImportJob.objects.exclude(pk=job.pk).get()
    assert rerun.file.name == job.file.name
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=20))  # the first run, 20 days earlier
    assert import_files_expire(now=timezone.now() + dt.timedelta(days=11))["jobs"] == 1
    assert stored(job.file.name, _private_files)  # the re-run (20 days younger) still uses it
    assert import_files_expire(now=timezone.now() + dt.timedelta(days=31))["files"] >= 1
    assert not (_private_files / job.file.name).exists()
