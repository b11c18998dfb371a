"""Background jobs (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fangkong.core.jobqueue import at_consumer_start, job_lock
from fangkong.core.jobs import sweep_within_the_minute


@db_task()
def run_import_job(job_id: int) -> None:
    from .services import import_job_run

    import_job_run(job_id=job_id)


@at_consumer_start  # and at once whenever a consumer starts (one restarted after a death, often)
@db_periodic_task(crontab(minute="*"))  # each minute, on one of the consumers
@job_lock("imports-recover-jobs")
def recover_import_jobs() -> dict[str, int]:
    """Jobs left running by a dead worker → failed (everything rolled back); lost queued jobs → queued again."""
    from .services import import_jobs_recover

    sweep_within_the_minute(recover_import_jobs_again)  # and every 10 s in between: a job silent for 30 s is failed within 40
    return import_jobs_recover()


@db_task()
@job_lock("imports-recover-jobs")
def recover_import_jobs_again() -> dict[str, int]:
    from .services import import_jobs_recover

    return import_jobs_recover()


@db_periodic_task(crontab(hour="19", minute="10"))  # 03:10 Beijing time (Huey's crontab is UTC)
@job_lock("imports-expire-files")
def expire_import_files() -> dict[str, int]:
    """Uploaded files and error reports past the retention period (policy data.upload_retention_days) → deleted."""
    from .services import import_files_expire

    return import_files_expire()
