"""The job worker's heartbeat (Huey): written when the consumer starts, then by a periodic task each
minute that schedules three more 15 s apart, so /readyz and /metrics see a worker that takes tasks
from the queue, not only a process that exists."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, task

from .health import HEARTBEAT_EVERY, worker_heartbeat_write


@HUEY.on_startup()
def heartbeat_on_startup() -> None:
    worker_heartbeat_write()


@task()
def worker_heartbeat() -> None:
    worker_heartbeat_write()


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat_minute() -> None:
    worker_heartbeat_write()
    for n in range(1, 60 // HEARTBEAT_EVERY):
        worker_heartbeat.schedule(delay=n * HEARTBEAT_EVERY)
