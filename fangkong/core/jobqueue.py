"""The job queue shared by several Huey consumers — processes on one machine or on several, taking
tasks from one Redis queue (docs/operator-guide.md §4 and §13, docs/decisions/0018).

Two rules hold across all of them:

- **A locked task runs in one place at a time** (`job_lock(name)`, in place of Huey's `lock_task`). The
  lock is a key that expires `FANGKONG_JOB_LOCK_TTL` seconds (default 30) after its last renewal; a
  thread beside the task renews it every third of that while the task runs, however long it runs.
  A consumer that dies (SIGKILL, the machine lost) stops renewing, so its locks are free again
  within the TTL — and no consumer ever clears another's lock (Huey's `flush_locks` at start did:
  with two consumers a starting one released the locks the other held, and a sweep or a snapshot
  build ran twice at once). A run that finds the lock held is skipped, as with Huey's lock
  (TaskLockedException: logged, not retried).
- **A periodic task runs once per period across all consumers**: each consumer's scheduler checks
  its crontab each minute, and before queueing a task it claims (task, minute); the claim only
  succeeds for a minute later than the last claimed, so of N consumers one queues each minute's run
  (`OncePerPeriodScheduler`; the settings' `huey_class` is this module's `RedisHuey` / `SqliteHuey`).
  Tasks marked `at_consumer_start` (the recovery sweeps) are also queued once by each consumer that
  starts.

The keys live in the queue's own store: Redis (SET NX PX, renewals and releases checked against the
holder's token in one script), the embedded SQLite queue (the same rules in one exclusive
transaction, expiry by the clock), or the memory of `immediate` mode (the tests)."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, Protocol, TypeVar

import huey
from django.conf import settings
from huey.consumer import Consumer, Scheduler
from huey.exceptions import TaskLockedException
from huey.storage import RedisStorage, SqliteStorage

from .jobs import repeating

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_LOCK_TTL = 30.0  # seconds
PERIOD_CLAIM_KEEP = 24 * 3600  # seconds a period's claim is kept in Redis (only the last one matters)


def lock_ttl() -> float:
    return float(getattr(settings, "FANGKONG_JOB_LOCK_TTL", DEFAULT_LOCK_TTL))


class LockStore(Protocol):
    def acquire(self, key: str, token: str, ttl: float) -> bool: ...
    def renew(self, key: str, token: str, ttl: float) -> bool: ...
    def release(self, key: str, token: str) -> bool: ...
    def holder(self, key: str) -> str | None: ...
    def claim(self, key: str, period: int) -> bool: ...


class RedisLocks:
    _RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
    _RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
    _CLAIM = (
        "local last = tonumber(redis.call('GET', KEYS[1]) or '-1') "
        "if last >= tonumber(ARGV[1]) then return 0 end "
        "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) return 1"
    )

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def acquire(self, key: str, token: str, ttl: float) -> bool:
        return bool(self.conn.set(key, token, nx=True, px=max(1, round(ttl * 1000))))

    def renew(self, key: str, token: str, ttl: float) -> bool:
        return bool(self.conn.eval(self._RENEW, 1, key, token, max(1, round(ttl * 1000))))

    def release(self, key: str, token: str) -> bool:
        return bool(self.conn.eval(self._RELEASE, 1, key, token))

    def holder(self, key: str) -> str | None:
        value = self.conn.get(key)
        return value.decode() if isinstance(value, bytes) else value

    def claim(self, key: str, period: int) -> bool:
        return bool(self.conn.eval(self._CLAIM, 1, key, period, PERIOD_CLAIM_KEEP))


class SqliteLocks:
    """The embedded queue's kv table: a lock's value is "<token> <expires at, epoch seconds>", a
    claim's the last claimed period; each change in one exclusive transaction (Huey's `db(commit=True)`)."""

    def __init__(self, storage: SqliteStorage) -> None:
        self.storage = storage

    def _get(self, curs: Any, key: str) -> str | None:
        curs.execute("SELECT value FROM kv WHERE queue = ? AND key = ?", (self.storage.name, key))
        row = curs.fetchone()
        if row is None:
            return None
        return row[0].decode() if isinstance(row[0], bytes) else str(row[0])

    def _put(self, curs: Any, key: str, value: str) -> None:
        curs.execute("INSERT OR REPLACE INTO kv (queue, key, value) VALUES (?, ?, ?)", (self.storage.name, key, value))

    @staticmethod
    def _live(value: str | None) -> tuple[str, float] | None:
        if not value:
            return None
        token, _, expires = value.rpartition(" ")
        return (token, float(expires)) if float(expires) > time.time() else None

    def acquire(self, key: str, token: str, ttl: float) -> bool:
        with self.storage.db(commit=True) as curs:
            if self._live(self._get(curs, key)):
                return False
            self._put(curs, key, f"{token} {time.time() + ttl}")
            return True

    def renew(self, key: str, token: str, ttl: float) -> bool:
        with self.storage.db(commit=True) as curs:
            live = self._live(self._get(curs, key))
            if not live or live[0] != token:
                return False
            self._put(curs, key, f"{token} {time.time() + ttl}")
            return True

    def release(self, key: str, token: str) -> bool:
        with self.storage.db(commit=True) as curs:
            live = self._live(self._get(curs, key))
            if not live or live[0] != token:
                return False
            curs.execute("DELETE FROM kv WHERE queue = ? AND key = ?", (self.storage.name, key))
            return True

    def holder(self, key: str) -> str | None:
        with self.storage.db() as curs:
            live = self._live(self._get(curs, key))
        return live[0] if live else None

    def claim(self, key: str, period: int) -> bool:
        with self.storage.db(commit=True) as curs:
            last = self._get(curs, key)
            if last is not None and int(last) >= period:
                return False
            self._put(curs, key, str(period))
            return True


class MemoryLocks:
    """Huey's `immediate` mode (the tests): one process, so a dictionary."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._locks: dict[str, tuple[str, float]] = {}
        self._claims: dict[str, int] = {}

    def _live(self, key: str) -> tuple[str, float] | None:
        found = self._locks.get(key)
        return found if found and found[1] > time.monotonic() else None

    def acquire(self, key: str, token: str, ttl: float) -> bool:
        with self._mutex:
            if self._live(key):
                return False
            self._locks[key] = (token, time.monotonic() + ttl)
            return True

    def renew(self, key: str, token: str, ttl: float) -> bool:
        with self._mutex:
            live = self._live(key)
            if not live or live[0] != token:
                return False
            self._locks[key] = (token, time.monotonic() + ttl)
            return True

    def release(self, key: str, token: str) -> bool:
        with self._mutex:
            live = self._live(key)
            if not live or live[0] != token:
                return False
            del self._locks[key]
            return True

    def holder(self, key: str) -> str | None:
        with self._mutex:
            live = self._live(key)
        return live[0] if live else None

    def claim(self, key: str, period: int) -> bool:
        with self._mutex:
            if self._claims.get(key, -1) >= period:
                return False
            self._claims[key] = period
            return True


_memory_stores: dict[int, MemoryLocks] = {}


def lock_store(queue: huey.Huey) -> LockStore:
    """The store the queue `queue` keeps its tasks in, as a LockStore."""
    storage = queue.storage
    if isinstance(storage, RedisStorage):
        return RedisLocks(storage.conn)
    if isinstance(storage, SqliteStorage):
        return SqliteLocks(storage)
    return _memory_stores.setdefault(id(storage), MemoryLocks())


def lock_key(queue: huey.Huey, name: str) -> str:
    return f"huey.lock.{queue.name}.{name}"


def period_key(queue: huey.Huey, task_name: str) -> str:
    return f"huey.period.{queue.name}.{task_name}"


def _queue() -> huey.Huey:
    from huey.contrib.djhuey import HUEY

    return HUEY


@contextmanager
def held(name: str, *, queue: huey.Huey | None = None, ttl: float | None = None) -> Iterator[str]:
    """Hold the lock `name` for the block, renewed every ttl/3 seconds by a thread of this process;
    TaskLockedException when someone else holds it. Yields the holder's token ("host:pid:random")."""
    queue = _queue() if queue is None else queue  # not `or`: a Huey with an empty queue is falsy (len)
    ttl = ttl or lock_ttl()
    store, key = lock_store(queue), lock_key(queue, name)
    token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    if not store.acquire(key, token, ttl):
        raise TaskLockedException(f"unable to acquire lock {name} (held by {store.holder(key)})")

    def renew() -> bool:
        try:
            if not store.renew(key, token, ttl):
                log.error("job lock %s was lost while its task ran (expired: the process was stalled for %s s)", name, ttl)
                return False
        except Exception:  # the store is down for a moment: the next renewal tries again
            log.warning("job lock %s not renewed", name, exc_info=True)
        return True

    try:
        with repeating(renew, every=ttl / 3, name=f"job lock {name}"):
            yield token
    finally:
        try:
            store.release(key, token)
        except Exception:  # the store is down: the lock expires by itself within the TTL
            log.warning("job lock %s not released (it expires within %s s)", name, ttl, exc_info=True)


def job_lock(name: str) -> Callable[[F], F]:
    """Decorate a task (under Huey's task decorator) so that one run of it, across all consumers, holds
    the lock `name` at a time; a run that finds it held is skipped (TaskLockedException)."""

    def decorate(fn: F) -> F:
        @wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            with held(name):
                return fn(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return decorate


def period_of(moment: dt.datetime) -> int:
    """The minute `moment` falls in, counted from the epoch (Huey's scheduler hands it naive UTC)."""
    if moment.tzinfo is not None:
        return int(moment.timestamp()) // 60
    return calendar.timegm(moment.timetuple()) // 60


def period_claim(queue: huey.Huey, task_name: str, period: int) -> bool:
    """True for the first claim of (task, period) across all consumers, and never for a period at or
    before one already claimed (a consumer whose clock lags never runs a period again)."""
    return lock_store(queue).claim(period_key(queue, task_name), period)


_at_consumer_start: list[Any] = []


def at_consumer_start(task: F) -> F:
    """Queue the task (a Huey task taking no argument) once whenever a consumer starts, besides its
    crontab: the recovery sweeps, as a consumer starting is often one restarted after a death, and
    the minute's run may already have been claimed by the dead one."""
    _at_consumer_start.append(task)
    return task


class OncePerPeriodScheduler(Scheduler):
    """Huey's scheduler, but a periodic task is queued only by the consumer that claims its minute;
    and the `at_consumer_start` tasks are queued when it starts."""

    def initialize(self) -> None:
        super().initialize()
        for task in _at_consumer_start:
            if task.huey is self.huey:
                try:
                    self.huey.enqueue(task.s())
                except Exception:  # the store is down: the crontab runs it when it is back
                    log.warning("%s not queued at the consumer's start", task.name, exc_info=True)

    def enqueue_periodic_tasks(self, now: dt.datetime | None) -> None:
        now = now or self.huey._get_timestamp()
        period = period_of(now)
        for task in self.huey.read_periodic(now):
            name = self.huey._registry.task_to_string(type(task))
            try:
                claimed = period_claim(self.huey, name, period)
            except Exception:  # the store is down: nothing can be queued either; the next minute tries again
                log.warning("periodic task %s: period not claimed", name, exc_info=True)
                continue
            if claimed:
                self._logger.info("Enqueueing periodic task %s.", task)
                self.huey.enqueue(task)
            else:
                self._logger.debug("Periodic task %s: this minute is another consumer's.", task)


class OncePerPeriodConsumer(Consumer):
    scheduler_class = OncePerPeriodScheduler


class RedisHuey(huey.RedisHuey):
    def create_consumer(self, **options: Any) -> Consumer:
        return OncePerPeriodConsumer(self, **options)


class SqliteHuey(huey.SqliteHuey):
    def create_consumer(self, **options: Any) -> Consumer:
        return OncePerPeriodConsumer(self, **options)
