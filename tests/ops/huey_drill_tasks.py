"""The tasks of the several-consumers drill (tests/ops/test_consumers_many.py): loaded by the drill's
consumers (which autoload no app's tasks: `run_huey -A`) and by the test process, which queues them
by their names. Each writes what it did to lists in the consumers' Redis database, under the queue's
name (one per test)."""

from __future__ import annotations

import datetime as dt
import os
import time

from huey import crontab
from huey.contrib.djhuey import HUEY, periodic_task, task
from huey.signals import SIGNAL_LOCKED

from fangkong.core.jobqueue import job_lock, period_of


def record(what: str, value: str) -> None:
    HUEY.storage.conn.rpush(f"{HUEY.name}.drill.{what}", value)


@HUEY.on_startup()
def drill_started() -> None:
    record("started", str(os.getpid()))


@HUEY.signal(SIGNAL_LOCKED)
def drill_locked(signal: str, task_: object, *args: object) -> None:
    record("locked", str(os.getpid()))


@periodic_task(crontab(minute="*"))
def drill_every_minute() -> None:
    now = dt.datetime.now(dt.UTC)
    # The minute the run belongs to, to the nearest minute: the consumer that claimed the minute and the
    # one that runs the task keep clocks a fraction of a second apart (each started on the test's clock
    # when launched), so a run queued at 15:08:00.1 may run at 15:07:59.9 on the other (the drill starts
    # the consumers' clocks at second 5 of a minute, and each checks its crontab at the same second every
    # minute).
    record("minute", f"{os.getpid()} {period_of(now + dt.timedelta(seconds=30))} {now.isoformat()}")


@task()
@job_lock("drill-long")
def drill_long(seconds: float) -> None:
    record("long", f"start {os.getpid()} {time.time()}")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.1)
    record("long", f"done {os.getpid()} {time.time()}")
