"""Background jobs (Huey): the testing queue becomes cases every minute."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fangkong.core.jobqueue import job_lock


@db_periodic_task(crontab(minute="*"))
@job_lock("cases-open-from-queue")
def open_cases_from_queue() -> int:
    """Every confirmed positive awaiting case handling → a case on the transfer board (actor: system)."""
    from .services import cases_open_from_queue

    return cases_open_from_queue(actor=None).opened
