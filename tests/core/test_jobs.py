"""Running jobs beat (fangkong.core.jobs.heartbeat); the recovery tells a dead worker's job by its silence."""

from __future__ import annotations

import datetime as dt
import time

from django.core.cache import cache
from django.utils import timezone

from fangkong.core.jobs import heartbeat, heartbeat_key, heartbeat_write, last_sign_of_life


def test_the_heartbeat_beats_while_the_block_runs_and_stops_after():
    key = heartbeat_key("test:job:1:progress")
    with heartbeat(key, every=0.05):
        first = cache.get(key)
        assert first
        time.sleep(0.3)  # a long step reporting no progress
        assert cache.get(key) > first
    time.sleep(0.1)  # the thread's next look at the stop flag
    last = cache.get(key)
    time.sleep(0.2)
    assert cache.get(key) == last  # the block ended: no more beats


def test_the_later_of_heartbeat_and_progress_counts_and_an_empty_cache_knows_nothing():
    assert last_sign_of_life("test:job:2:progress") is None
    now = timezone.now()
    cache.set("test:job:2:progress", {"at": (now - dt.timedelta(minutes=5)).isoformat()})
    assert last_sign_of_life("test:job:2:progress") == now - dt.timedelta(minutes=5)
    heartbeat_write(heartbeat_key("test:job:2:progress"), now=now - dt.timedelta(seconds=10))
    assert last_sign_of_life("test:job:2:progress") == now - dt.timedelta(seconds=10)


def test_the_recoveries_run_every_minute():
    from fangkong.imports.tasks import recover_import_jobs
    from fangkong.testing.tasks import recover_result_uploads

    minute = dt.datetime(2026, 1, 1, 3, 7)
    assert all(task.task_class().validate_datetime(minute) for task in (recover_import_jobs, recover_result_uploads))
