"""Background jobs: queued by name, kept alive by a heartbeat while they run, and found again when a
dead worker left them behind."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

log = logging.getLogger(__name__)

# A running job's heartbeat: written every HEARTBEAT_EVERY seconds by a thread beside the job (a
# single long statement, an index rebuild, reports no progress for minutes but still beats). No
# heartbeat (nor progress) for STALE_AFTER (six missed beats): the worker was killed or the machine
# restarted. The recovery sweeps run every SWEEP_EVERY seconds (`sweep_within_the_minute`), so a
# killed worker's job is failed 25–40 s after the kill (docs/operator-guide.md, fault drills).
HEARTBEAT_EVERY = 5.0
STALE_AFTER = dt.timedelta(seconds=30)
SWEEP_EVERY = 10
HEARTBEAT_TTL = 24 * 3600


def heartbeat_key(progress_key: str) -> str:
    return f"{progress_key}:heartbeat"


def heartbeat_write(key: str, *, now: dt.datetime | None = None) -> None:
    cache.set(key, (now or timezone.now()).isoformat(), HEARTBEAT_TTL)


@contextmanager
def heartbeat(key: str, *, every: float = HEARTBEAT_EVERY) -> Iterator[None]:
    """Beat under `key` (the cache) now and every `every` seconds until the block ends, from a thread
    of this process: the beats stop when the process dies, whatever the job was doing."""
    heartbeat_write(key)

    def beat() -> None:
        try:
            heartbeat_write(key)
        except Exception:  # the cache is down for a moment: the next beat tries again
            log.warning("job heartbeat %s not written", key, exc_info=True)

    with repeating(beat, every=every, name=f"heartbeat {key}"):
        yield


@contextmanager
def repeating(action: Callable[[], bool | None], *, every: float, name: str) -> Iterator[None]:
    """Call `action` every `every` seconds from a thread of this process while the block runs, until
    it returns False. Short sleeps, not Event.wait(timeout): a timed wait on a condition hangs under
    libfaketime (the moved-clock test runs), and a call a little late is harmless. The thread ends
    at its next look once the block is over (not waited for: the caller's answer is not delayed)."""
    stop = threading.Event()

    def loop() -> None:
        step = min(every, 0.5)
        while True:
            for _ in range(max(1, round(every / step))):
                time.sleep(step)
                if stop.is_set():
                    return
            if action() is False:
                return

    threading.Thread(target=loop, name=name, daemon=True).start()
    try:
        yield
    finally:
        stop.set()


def last_sign_of_life(progress_key: str) -> dt.datetime | None:
    """The later of the job's last heartbeat and its last progress report; None when the cache holds neither."""
    progress = cache.get(progress_key) or {}
    times = [t for t in (progress.get("at"), cache.get(heartbeat_key(progress_key))) if t]
    return max(dt.datetime.fromisoformat(t) for t in times) if times else None


def stalled(
    running: QuerySet,
    *,
    progress_key: Callable[[int], str],
    now: dt.datetime,
    after: dt.timedelta = STALE_AFTER,
    unknown_after: dt.timedelta = dt.timedelta(minutes=30),
) -> Iterator[Any]:
    """The jobs of `running` whose last heartbeat or progress report (in the cache, under
    `progress_key(pk)` and its heartbeat key) is older than `after`: their worker was killed or the
    machine restarted. A job of which the cache knows nothing (it was emptied: Redis restarted) is
    given `unknown_after` from its start, as its worker, if alive, beats again within seconds."""
    for job in running.filter(started_at__lt=now - after):
        last = last_sign_of_life(progress_key(job.pk))
        if last is None:
            if job.started_at < now - unknown_after:
                yield job
        elif last < now - after:
            yield job


def sweep_within_the_minute(task: Any) -> None:
    """Schedule `task` (a Huey task taking no argument) to run again SWEEP_EVERY, 2×SWEEP_EVERY … seconds
    from now, within the minute: called by a recovery task that Huey's crontab runs once a minute (and
    at once when a consumer starts), so a dead worker's job is found in seconds, not at the next minute."""
    for n in range(1, 60 // SWEEP_EVERY):
        task.schedule(delay=n * SWEEP_EVERY)


def enqueue(task: str, *args: Any) -> Any:
    """Queue the background task "<app>.<name>" (a Huey task in fangkong.<app>.tasks), looked up by
    name: a service queues its job without importing the tasks module that calls the service back."""
    app, name = task.split(".", 1)
    return getattr(import_module(f"fangkong.{app}.tasks"), name)(*args)


def _queue_down(exc: BaseException) -> bool:
    """Whether the error says the queue's store (Redis) could not be reached."""
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # no Redis client installed: the SQLite queue of the embedded default
        return isinstance(exc, ConnectionError)
    return isinstance(exc, ConnectionError | RedisConnectionError | RedisTimeoutError)


def enqueue_on_commit(task: str, *args: Any) -> None:
    """Queue the task once the current transaction commits (its rows are then visible to the worker).

    With the queue down (Redis stopped or unreachable) the committed job is kept, not answered with a
    500: its row stays queued and the app's recovery task queues it again once the queue is back
    (imports: import_jobs_recover, results: recover_result_uploads)."""

    def queue() -> None:
        try:
            enqueue(task, *args)
        except Exception as exc:
            if not _queue_down(exc):
                raise
            log.warning("job queue unreachable (%s): %s%r kept queued, to be queued again by recovery", exc.__class__.__name__, task, args)

    transaction.on_commit(queue)
