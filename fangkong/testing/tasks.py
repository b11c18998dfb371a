"""Background jobs of 快检 (Huey): large lab result files, and recovering those a dead worker left."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fangkong.core.jobqueue import at_consumer_start, job_lock
from fangkong.core.jobs import sweep_within_the_minute


@db_task()
def run_result_upload(upload_id: int) -> None:
    from .services.result_uploads import result_upload_run

    result_upload_run(upload_id=upload_id)


@at_consumer_start  # and at once whenever a consumer starts (one restarted after a death, often)
@db_periodic_task(crontab(minute="*"))  # each minute, on one of the consumers
@job_lock("testing-recover-uploads")
def recover_result_uploads() -> dict[str, int]:
    """Uploads left running by a dead worker → failed (nothing was written); lost queued jobs → queued again."""
    from .services.result_uploads import result_uploads_recover

    sweep_within_the_minute(recover_result_uploads_again)  # and every 10 s in between: a job silent for 30 s is failed within 40
    return result_uploads_recover()


@db_task()
@job_lock("testing-recover-uploads")
def recover_result_uploads_again() -> dict[str, int]:
    from .services.result_uploads import result_uploads_recover

    return result_uploads_recover()


@db_periodic_task(crontab(hour="19", minute="20"))  # 03:20 Beijing time (Huey's crontab is UTC)
@job_lock("testing-expire-upload-files")
def expire_result_upload_files() -> dict[str, int]:
    """Lab result files past the retention period (policy data.upload_retention_days) → deleted."""
    from .services.result_uploads import result_upload_files_expire

    return result_upload_files_expire()
