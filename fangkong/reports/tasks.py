"""Background jobs (Huey): the board's snapshot each minute (and at once when a board found it stale),
with the closed days of the trends; one build at a time."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fangkong.core.jobqueue import job_lock


def _build() -> float:
    from .snapshot.services import snapshot_build, trends_close

    snap = snapshot_build()
    trends_close()
    return snap.built_seconds


@db_periodic_task(crontab(minute="*"))
@job_lock("reports-board-snapshot")  # a slow build is not overlapped by the next minute's
def board_snapshot_every_minute() -> float:
    return _build()


@db_task()
@job_lock("reports-board-snapshot")
def board_snapshot_now() -> float:
    """Asked by a board that found no usable snapshot (fangkong.reports.board_views)."""
    return _build()
