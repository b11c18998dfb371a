"""fangkong.core.jobqueue in one process: the expiring task locks and the periodic claims on each of
the queue's stores (Redis on database 13, the embedded SQLite queue, the memory of immediate mode),
and the scheduler that queues a periodic task once a minute however many consumers check it. The
consumers themselves, as processes: tests/ops/test_consumers_many.py."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid

import huey
import pytest
from huey import crontab
from huey.exceptions import TaskLockedException

from fangkong.core import jobqueue
from fangkong.core.jobqueue import OncePerPeriodScheduler, held, lock_key, lock_store, period_of

REDIS_URL = os.environ.get("FANGKONG_DRILL_REDIS_URL", "redis://127.0.0.1:6379/13")


def _redis_queue(name: str) -> huey.Huey:
    redis = pytest.importorskip("redis")
    queue = jobqueue.RedisHuey(name, url=REDIS_URL)
    try:
        queue.storage.conn.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return queue


@pytest.fixture(params=["redis", "sqlite", "memory"])
def queue(request, tmp_path):
    name = f"jobqueue{os.getpid()}x{uuid.uuid4().hex[:8]}"
    if request.param == "redis":
        found = _redis_queue(name)
        yield found
        for key in found.storage.conn.scan_iter(match=f"*{name}*", count=1000):
            found.storage.conn.delete(key)
    elif request.param == "sqlite":
        yield jobqueue.SqliteHuey(name, filename=str(tmp_path / "huey.sqlite3"))
    else:
        yield huey.MemoryHuey(name)


def test_a_lock_is_held_by_one_token_and_expires_without_renewal(queue):
    store, key = lock_store(queue), lock_key(queue, "sweep")
    assert store.acquire(key, "a", 0.4)
    assert not store.acquire(key, "b", 0.4)
    assert store.holder(key) == "a"
    assert not store.renew(key, "b", 0.4) and not store.release(key, "b")  # never another's lock
    assert store.renew(key, "a", 0.4)
    time.sleep(0.6)
    assert store.holder(key) is None  # expired: the holder died
    assert not store.renew(key, "a", 0.4)
    assert store.acquire(key, "b", 5)
    assert not store.release(key, "a") and store.holder(key) == "b"
    assert store.release(key, "b") and store.holder(key) is None


def test_a_lock_held_by_a_running_task_is_renewed_past_its_ttl_and_released_at_its_end(queue):
    store, key = lock_store(queue), lock_key(queue, "snapshot")
    with held("snapshot", queue=queue, ttl=0.6) as token:
        assert f":{os.getpid()}:" in token
        time.sleep(1.5)  # over twice the TTL: renewed every 0.2 s
        assert store.holder(key) == token
        with pytest.raises(TaskLockedException), held("snapshot", queue=queue, ttl=0.6):
            pass
    assert store.holder(key) is None


def test_a_period_is_claimed_once_and_never_again_after_a_later_one(queue):
    store, key = lock_store(queue), jobqueue.period_key(queue, "tasks.every_minute")
    assert store.claim(key, 100)
    assert not store.claim(key, 100)  # the second consumer in the same minute
    assert store.claim(key, 101)
    assert not store.claim(key, 100)  # a consumer whose clock lags behind


def test_two_consumers_schedulers_queue_a_periodic_task_once_a_minute(queue):
    if isinstance(queue, huey.MemoryHuey):
        pytest.skip("the consumers' schedulers run on the Redis or SQLite queue")

    @queue.periodic_task(crontab(minute="*"), name=f"every_minute_{uuid.uuid4().hex[:6]}")
    def every_minute() -> None:  # pragma: no cover - never run here
        pass

    @queue.periodic_task(crontab(minute="*/5"), name=f"every_five_{uuid.uuid4().hex[:6]}")
    def every_five() -> None:  # pragma: no cover - never run here
        pass

    schedulers = [OncePerPeriodScheduler(queue, interval=1, periodic=True) for _ in range(3)]
    minute = dt.datetime(2026, 12, 7, 8, 0, 10)
    for offset in (0, 20, 45):  # each consumer checks at its own second of the minute
        for scheduler in schedulers:
            scheduler.enqueue_periodic_tasks(minute + dt.timedelta(seconds=offset))
    assert queue.pending_count() == 2  # each task once, not once per consumer
    for scheduler in schedulers:
        scheduler.enqueue_periodic_tasks(minute + dt.timedelta(minutes=1))
    assert queue.pending_count() == 3  # the next minute: every_minute again, every_five not due
    queue.flush()


def test_the_minute_is_the_same_however_the_moment_is_given():
    naive_utc = dt.datetime(2026, 12, 7, 8, 0, 59)
    aware = naive_utc.replace(tzinfo=dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert period_of(naive_utc) == period_of(aware) == period_of(naive_utc.replace(second=0))
    assert period_of(naive_utc + dt.timedelta(seconds=1)) == period_of(naive_utc) + 1


def test_the_recovery_sweeps_are_queued_whenever_a_consumer_starts(tmp_path, monkeypatch):
    from fangkong.imports.tasks import recover_import_jobs
    from fangkong.testing.tasks import recover_result_uploads

    assert {recover_import_jobs, recover_result_uploads} <= set(jobqueue._at_consumer_start)

    queue = jobqueue.SqliteHuey("startup", filename=str(tmp_path / "huey.sqlite3"))
    monkeypatch.setattr(jobqueue, "_at_consumer_start", [])

    @jobqueue.at_consumer_start
    @queue.task()
    def sweep() -> None:  # pragma: no cover - never run here
        pass

    for _ in range(2):  # two consumers start: each queues it once, minute or not
        OncePerPeriodScheduler(queue, interval=1, periodic=True).initialize()
    assert [task.name for task in queue.pending()] == ["sweep", "sweep"]
