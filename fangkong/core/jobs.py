"""Background jobs: queued by name, and found again when a dead worker left them behind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from importlib import import_module
from typing import Any

from django.core.cache import cache
from django.db import transaction
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


def enqueue(task: str, *args: Any) -> Any:
    """Queue the background task "<app>.<name>" (a Huey task in fangkong.<app>.tasks), looked up by
    name: a service queues its job without importing the tasks module that calls the service back."""
    app, name = task.split(".", 1)
    return getattr(import_module(f"fangkong.{app}.tasks"), name)(*args)


def enqueue_on_commit(task: str, *args: Any) -> None:
    """Queue the task once the current transaction commits (its rows are then visible to the worker)."""
    transaction.on_commit(lambda: enqueue(task, *args))
