"""Fault drill: the job queue (Redis) is down when a file is uploaded (issue 20, item 3).

The upload is committed before its job is queued; with Redis unreachable the queueing fails. The user
must get their job page, not a 500, the file and its job row must be kept, and once the queue is back
the recovery task queues the job again and it runs (once)."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from redis.exceptions import ConnectionError as RedisConnectionError

from fangkong.geo.models import Person
from fangkong.imports.models import ImportJob
from fangkong.imports.services import import_jobs_recover

from .conftest import row, write_csv


def test_an_upload_while_redis_is_down_is_kept_and_runs_when_the_queue_is_back(
    city, users, client, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(users["community"])
    path = write_csv(tmp_path / "名单.csv", [row("甲"), row("乙")])

    def redis_down(*args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(HUEY, "enqueue", redis_down)
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as fh:
        response = client.post(reverse("imports:job_upload"), {"file": SimpleUploadedFile(path.name, fh.read()), "mode": "strict"})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:job_detail", args=[job.pk])
    assert job.status == "queued" and job.file and job.file.storage.exists(job.file.name)  # kept
    assert client.get(response["Location"]).status_code == 200

    monkeypatch.undo()  # Redis is back
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=11))
    before = Person.objects.count()
    assert import_jobs_recover() == {"failed": 0, "requeued": 1}
    job.refresh_from_db()
    assert job.status == "succeeded" and Person.objects.count() == before + 2
