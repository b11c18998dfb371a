"""Background job (Huey): the flag rules over the city every five minutes — incremental after each
rule's first full run (rules.py, services.evaluation) — and a full run each night at 03:40 Beijing."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fangkong.core.jobqueue import job_lock


@db_periodic_task(crontab(minute="*/5"))
@job_lock("flags-evaluate")
def flags_evaluate_task() -> int:
    from .services import flags_evaluate

    return sum(run.raised + run.cleared for run in flags_evaluate())


@db_periodic_task(crontab(hour="19", minute="40"))  # 03:40 Beijing (the worker's crontab is UTC)
@job_lock("flags-evaluate")
def flags_evaluate_full_task() -> int:
    from .services import flags_evaluate

    return sum(run.raised + run.cleared for run in flags_evaluate(full=True))
