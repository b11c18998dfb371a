"""Background jobs (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task


@db_task()
def run_import_job(job_id: int) -> None:
    from .services import import_job_run

    import_job_run(job_id=job_id)


@db_periodic_task(crontab(minute="*/5"))
@lock_task("imports-recover-jobs")
def recover_import_jobs() -> dict[str, int]:
    """Jobs left running by a dead worker → failed (everything rolled back); lost queued jobs → queued again."""
    from .services import import_jobs_recover

    return import_jobs_recover()
