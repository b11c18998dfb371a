"""Background jobs (Huey): the daily lifting review — every area whose lifting rule is met is
proposed for lifting (the pages compute the clock live; this records the day it became due)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task


@db_periodic_task(crontab(hour="*", minute="20"))  # hourly: a screening's last results arrive at any time of the day
@lock_task("zoning-lifting-review")
def zoning_lifting_review() -> int:
    from .services import lifting_review

    return len(lifting_review(actor="system"))
