"""Background jobs (a lab's result file, a registry import) that a dead worker may leave behind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet


def stalled(running: QuerySet, *, progress_key: Callable[[int], str], now: dt.datetime, after: dt.timedelta) -> Iterator[Any]:
    """The jobs of `running` started more than `after` ago that have reported no progress since:
    their worker was killed or the machine restarted. A job reports progress in the cache under
    `progress_key(pk)` as a dict with "at" (ISO time); one still reporting is left alone."""
    for job in running.filter(started_at__lt=now - after):
        progress = cache.get(progress_key(job.pk)) or {}
        if progress.get("at") and dt.datetime.fromisoformat(progress["at"]) > now - after:
            continue
        yield job
