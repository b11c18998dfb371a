"""Jobs a dead worker or a lost queue left behind: failed saying nothing was written, or queued again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from fangkong.geo.models import Person
from fangkong.imports.models import ImportJob
from fangkong.imports.services import import_job_run, import_jobs_recover, progress_key, progress_write

from ..process_death import Killed, dies_at_commit
from .conftest import row, write_csv


def ago(minutes: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def test_a_job_a_dead_worker_left_running_is_marked_failed_saying_everything_was_rolled_back(city, users, client):
    user = users["community"]
    dead, busy, recent = (
        ImportJob.objects.create(created_by=user, original_name=f"{n}.csv", mode="strict", status="running")
        for n in ("dead", "busy", "recent")
    )
    ImportJob.objects.filter(pk__in=[dead.pk, busy.pk]).update(started_at=ago(60))
    ImportJob.objects.filter(pk=recent.pk).update(started_at=ago(5))
    cache.delete(progress_key(dead.pk))
    progress_write(busy.pk, rows_done=200_000, rows_total=3_500_000, errors=0)  # still reporting progress
    assert import_jobs_recover() == {"failed": 1, "requeued": 0}
    dead.refresh_from_db()
    assert dead.status == "failed" and dead.finished_at and "数据已全部回滚" in dead.message and "重新导入" in dead.message
    assert set(ImportJob.objects.filter(status="running").values_list("pk", flat=True)) == {busy.pk, recent.pk}
    assert import_jobs_recover() == {"failed": 0, "requeued": 0}  # once
    client.force_login(user)
    page = client.get(reverse("imports:job_detail", args=[dead.pk])).content.decode()
    assert "导入中断" in page and 'hx-trigger="every 1s"' not in page  # finished: the page stops polling


def test_an_uploaded_job_the_queue_lost_is_queued_again_and_runs_once(city, users, tmp_path):
    user = users["community"]
    path = write_csv(tmp_path / "名单.csv", [row("甲"), row("乙")])
    job = ImportJob(created_by=user, original_name="名单.csv", mode="strict")
    job.file.save("lost.csv", ContentFile(path.read_bytes()), save=False)
    job.save()  # no on-commit callback ran: the job sits queued, as when Redis lost it
    command_line = ImportJob.objects.create(created_by=user, source_path=str(path), original_name="名单.csv", mode="strict")
    assert import_jobs_recover() == {"failed": 0, "requeued": 0}  # just queued: left alone
    ImportJob.objects.filter(pk__in=[job.pk, command_line.pk]).update(created_at=ago(15))
    before = Person.objects.count()
    assert import_jobs_recover() == {"failed": 0, "requeued": 1}  # Huey runs jobs at once in tests
    job.refresh_from_db()
    assert job.status == "succeeded" and job.people_created == 2 and Person.objects.count() == before + 2
    again = import_job_run(job_id=job.pk)  # a second copy of the job finds it claimed
    assert again.status == "succeeded" and Person.objects.count() == before + 2
    assert ImportJob.objects.get(pk=command_line.pk).status == "queued"  # the operator's command runs that one


def test_a_killed_import_whose_heartbeat_stopped_is_failed_within_a_minute_not_left_at_43_percent(city, users, client):
    """Its worker beat until it was killed, 43 % through the file: a minute later (not 30) the job
    is failed, saying the data was rolled back; a job still beating, its progress older, is left alone."""
    from fangkong.core.jobs import heartbeat_key, heartbeat_write

    user = users["community"]
    killed, beating = (
        ImportJob.objects.create(created_by=user, original_name=f"{n}.csv", mode="strict", status="running") for n in ("killed", "beating")
    )
    ImportJob.objects.filter(pk__in=[killed.pk, beating.pk]).update(started_at=ago(4))
    for job in (killed, beating):
        progress_write(job.pk, rows_done=43_000, rows_total=100_000, errors=0)
        heartbeat_write(heartbeat_key(progress_key(job.pk)), now=ago(3))
    client.force_login(user)
    assert "43" in client.get(reverse("imports:job_detail", args=[killed.pk])).content.decode()  # 进行中 43%
    # A minute and a half later: the progress written above is stale, only a heartbeat keeps a job alive.
    later = timezone.now() + dt.timedelta(seconds=90)
    heartbeat_write(heartbeat_key(progress_key(beating.pk)), now=later - dt.timedelta(seconds=10))  # a long step, still beating
    assert import_jobs_recover(now=later) == {"failed": 1, "requeued": 0}
    killed.refresh_from_db()
    assert killed.status == "failed" and "数据已全部回滚" in killed.message and "重新导入" in killed.message
    assert ImportJob.objects.get(pk=beating.pk).status == "running"
    page = client.get(reverse("imports:job_detail", args=[killed.pk])).content.decode()
    assert "导入中断" in page and 'hx-trigger="every 1s"' not in page


def _queued_job(user, tmp_path, names: list[str], *, mode: str = "strict") -> ImportJob:
    path = write_csv(tmp_path / "名单.csv", [row(n, household=str(300 + i)) for i, n in enumerate(names)])
    job = ImportJob(created_by=user, original_name="名单.csv", mode=mode)
    job.file.save("queued.csv", ContentFile(path.read_bytes()), save=False)
    job.save()  # queued, not run: the test runs it
    return job


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_right_after_its_commit_leaves_the_job_succeeded_with_its_counts(city, users, tmp_path, client):
    """The kill lands between the rows' COMMIT and whatever the job does next: the job's outcome
    committed with its rows, so the sweep leaves it alone and nobody is told to upload again (before,
    the rows stood and the job was failed "nothing written": an upload again, every row refused as a
    duplicate)."""
    user = users["community"]
    job = _queued_job(user, tmp_path, ["甲", "乙", "丙"])
    before = Person.objects.count()
    with pytest.raises(Killed), dies_at_commit(after=True):
        import_job_run(job_id=job.pk)
    assert Person.objects.count() == before + 3
    later = timezone.now() + dt.timedelta(seconds=90)  # its heartbeat and progress are stale by then
    assert import_jobs_recover(now=later) == {"failed": 0, "requeued": 0}
    job.refresh_from_db()
    assert job.status == "succeeded" and job.finished_at and "导入完成" in job.message
    assert (job.rows_total, job.rows_valid, job.people_created, job.households_created, job.error_count) == (3, 3, 3, 3, 0)
    client.force_login(user)
    page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert "导入完成" in page and "导入中断" not in page and 'hx-trigger="every 1s"' not in page


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_before_its_commit_leaves_nothing_and_the_sweep_says_so(city, users, tmp_path):
    user = users["community"]
    job = _queued_job(user, tmp_path, ["甲", "乙"])
    before = Person.objects.count()
    with pytest.raises(Killed), dies_at_commit(after=False):
        import_job_run(job_id=job.pk)
    assert Person.objects.count() == before
    assert ImportJob.objects.get(pk=job.pk).status == "running"
    assert import_jobs_recover(now=timezone.now() + dt.timedelta(seconds=90)) == {"failed": 1, "requeued": 0}
    job.refresh_from_db()
    assert job.status == "failed" and "数据已全部回滚" in job.message and "重新导入" in job.message and job.people_created == 0


def test_a_strict_file_with_errors_still_ends_rolled_back_with_its_error_report(city, users, tmp_path):
    """Nothing written, so nothing commits with the rows: its outcome and report are saved after the rollback."""
    user = users["community"]
    path = write_csv(tmp_path / "名单.csv", [row("甲"), row("乙", id_number="123")])
    job = ImportJob(created_by=user, original_name="名单.csv", mode="strict")
    job.file.save("strict.csv", ContentFile(path.read_bytes()), save=False)
    job.save()
    before = Person.objects.count()
    job = import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "rolled_back" and job.error_count == 1 and job.error_report and job.people_created == 0
    assert Person.objects.count() == before
    assert cache.get(progress_key(job.pk))["status"] == "rolled_back"


@pytest.mark.django_db(transaction=True)
def test_a_commit_that_fails_after_the_outcome_was_recorded_leaves_the_job_failed_with_no_counts(city, users, tmp_path):
    from django.db import OperationalError

    user = users["community"]
    job = _queued_job(user, tmp_path, ["甲", "乙"])
    before = Person.objects.count()
    with dies_at_commit(after=False, error=OperationalError("server closed the connection unexpectedly")):
        job = import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert Person.objects.count() == before
    assert job.status == "failed" and "数据已全部回滚" in job.message and "与数据库的连接中断" in job.message
    assert "OperationalError" not in job.message and "server closed" not in job.message  # the log has the driver's text
    assert (job.people_created, job.households_created, job.rows_total) == (0, 0, 0) and not job.error_report
