"""Background jobs (Huey): the lifting review — every area whose lifting rule is met is proposed for
lifting, and each area's figures are kept (LiftFigures) for the board, the lists and the flags (the
area page computes its clock live)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fangkong.core.jobqueue import job_lock


@db_periodic_task(crontab(minute="*/10"))  # every 10 minutes: results arrive at any time, and the board reads what it stores
@job_lock("zoning-lifting-review")
def zoning_lifting_review() -> int:
    from .services import lifting_review

    return len(lifting_review(actor="system"))
