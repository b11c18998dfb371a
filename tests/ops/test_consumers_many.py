"""Several Huey consumers on one Redis queue (issue 20, items 3 and 4; fangkong.core.jobqueue).

Each test starts real consumers (`manage.py run_huey`, two threads each) as separate processes on a
Redis database of their own (13 unless FANGKONG_DRILL_REDIS_URL says otherwise), under a queue name
and cache prefix made for the test, whose keys it deletes at the end. The consumers load only the
drill's tasks (tests/ops/huey_drill_tasks.py; `-A`: no app's tasks, so no database is touched) and
run with a task lock TTL of LOCK_TTL seconds. They show:
- a periodic task runs once per minute across two consumers, not once per consumer;
- a long task's lock is held (renewed) past its TTL, a consumer starting meanwhile leaves it alone,
  and the same task queued again meanwhile is skipped, on either consumer;
- the lock of a consumer killed with SIGKILL expires within the TTL and the other consumer runs the task.
Bounded: each wait has its deadline; the consumers are ended by their pids."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .prodenv import ROOT
from .waiting import wait_for

# Minutes of waiting for the next minute; not hour-bound; Redis only (the drill's tasks touch no database),
# so its PostgreSQL run would repeat the SQLite one.
pytestmark = [pytest.mark.slow, pytest.mark.anyhour, pytest.mark.nodb]

REDIS_URL = os.environ.get("FANGKONG_DRILL_REDIS_URL", "redis://127.0.0.1:6379/13")
LOCK_TTL = 3.0  # seconds: the drill's consumers renew their locks each second

# The consumers run on this test's clock (as tests/ops/test_consumer_kill.py's), with the drill's tasks
# registered before Huey's command starts.
_DRILL_CONSUMER = (
    "import sys, time_machine; time_machine.travel(float(sys.argv[1]), tick=True).start(); "
    "import django; django.setup(); import tests.ops.huey_drill_tasks; "
    "from django.core.management import execute_from_command_line; execute_from_command_line(['manage.py', *sys.argv[2:]])"
)


def _redis() -> Any:
    redis = pytest.importorskip("redis")
    conn = redis.Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return conn


class Drill:
    def __init__(self, tmp_path: Path) -> None:
        self.conn = _redis()
        self.name = f"drill{os.getpid()}x{uuid.uuid4().hex[:8]}"  # letters and digits: Huey keeps only those in its keys
        self.tmp_path = tmp_path
        self.log = tmp_path / "consumers.log"
        self.processes: list[subprocess.Popen] = []
        self.offset = 0.0  # seconds the consumers' clocks run ahead of (or behind) this test's
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "FANGKONG_TEST_", "DATABASE_URL"))}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.dev",
            REDIS_URL=REDIS_URL,
            FANGKONG_QUEUE_NAME=self.name,
            FANGKONG_CACHE_PREFIX=self.name,
            FANGKONG_VAR_DIR=str(tmp_path / "var"),
            FANGKONG_JOB_LOCK_TTL=str(LOCK_TTL),
            LOG_LEVEL="WARNING",
        )
        self.env = env

    # The consumers' queue, as this process sees it: the drill's tasks by their names.
    def queue(self) -> Any:
        from huey import RedisHuey
        from huey.contrib.djhuey import HUEY

        queue = RedisHuey(self.name, url=REDIS_URL)
        queue._registry = HUEY._registry
        return queue

    def start(self) -> subprocess.Popen:
        command = [sys.executable, "-c", _DRILL_CONSUMER, str(time.time() + self.offset), "run_huey", "-w", "2", "-A"]
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT)  # noqa: S603
        self.processes.append(process)
        return process

    def records(self, what: str) -> list[str]:
        return [v.decode() for v in self.conn.lrange(f"{self.name}.drill.{what}", 0, -1)]

    def started(self, process: subprocess.Popen) -> bool:
        return self.records("started").count(str(process.pid)) >= 2  # both worker threads

    def lock(self) -> tuple[str | None, int]:
        from fangkong.core.jobqueue import lock_key

        key = lock_key(self.queue(), "drill-long")
        holder = self.conn.get(key)
        return (holder.decode() if holder else None), self.conn.pttl(key)

    def end(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for key in self.conn.scan_iter(match=f"*{self.name}*", count=1000):
            self.conn.delete(key)
        self.conn.close()

    def consumers_log(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


@pytest.fixture
def drill(tmp_path: Path) -> Iterator[Drill]:
    found = Drill(tmp_path)
    try:
        yield found
    finally:
        found.end()


def _wait(what: str, check: Callable[[], Any], timeout: float, every: float = 0.1, drill: Drill | None = None) -> Any:
    return wait_for(what, check, timeout, every, details=drill.consumers_log if drill else str)


def test_a_periodic_task_runs_once_a_minute_across_two_consumers(drill):
    """Each consumer's scheduler checks the crontab when it starts and every 60 s after; both would
    queue the minute's run (Huey's own scheduler: one run per consumer per minute)."""
    # Start well inside a minute, so that both consumers' first checks fall in the same one: their
    # clocks start at second 5 of this minute (rather than waiting up to 40 s for a minute's first third).
    now = time.time()
    drill.offset = now // 60 * 60 + 5 - now
    first, second = drill.start(), drill.start()
    _wait("both consumers started", lambda: drill.started(first) and drill.started(second), timeout=60, drill=drill)

    def minutes() -> Counter:
        return Counter(int(line.split()[1]) for line in drill.records("minute"))

    # Each consumer checks again 60 s after its start: the next minute's run, then a few seconds for
    # the other consumer's check of that minute.
    _wait("runs in two minutes", lambda: len(minutes()) >= 2, timeout=100, every=0.5, drill=drill)
    time.sleep(8)
    runs = minutes()
    print(f"periodic runs by minute: {dict(runs)}; by consumer: {Counter(line.split()[0] for line in drill.records('minute'))}")
    assert set(runs.values()) == {1}, f"a minute ran more than once: {drill.records('minute')}"


def test_a_long_task_keeps_its_lock_and_the_same_task_queued_meanwhile_is_skipped(drill):
    queue = drill.queue()
    from .huey_drill_tasks import drill_long

    first = drill.start()
    _wait("the consumer started", lambda: drill.started(first), timeout=60, drill=drill)
    queue.enqueue(drill_long.s(4 * LOCK_TTL + 4))
    _wait("the long task running", lambda: drill.records("long"), timeout=30, drill=drill)
    running_since = time.monotonic()
    holder, ttl = drill.lock()
    assert holder and f":{first.pid}:" in holder, holder
    assert 0 < ttl <= LOCK_TTL * 1000

    # A consumer started while the lock is held (Huey's flush_locks released it here).
    second = drill.start()
    _wait("the second consumer started", lambda: drill.started(second), timeout=60, drill=drill)
    _wait("a lock TTL passed", lambda: time.monotonic() - running_since > LOCK_TTL + 1, timeout=LOCK_TTL + 2)
    assert drill.lock()[0] == holder, "the lock was released or expired while its task ran"

    # Queued again, twice: whichever consumer's worker takes them finds the lock held and skips them.
    queue.enqueue(drill_long.s(0))
    queue.enqueue(drill_long.s(0))
    _wait("both skipped", lambda: len(drill.records("locked")) >= 2, timeout=30, drill=drill)
    assert [line.split()[0] for line in drill.records("long")] == ["start"], "the task ran twice at once"
    assert drill.lock()[0] == holder

    _wait("the long task done", lambda: len(drill.records("long")) >= 2, timeout=60, drill=drill)
    _wait("the lock released at its end", lambda: drill.lock()[0] is None, timeout=5, drill=drill)
    queue.enqueue(drill_long.s(0))
    _wait("the task runs again", lambda: len(drill.records("long")) >= 4, timeout=30, drill=drill)
    skipped = len(drill.records("locked"))
    print(f"lock held {time.monotonic() - running_since:.1f} s by its task (TTL {LOCK_TTL} s); {skipped} runs skipped meanwhile")


def test_the_lock_of_a_killed_consumer_expires_within_its_ttl_and_the_other_consumer_runs_the_task(drill):
    queue = drill.queue()
    from .huey_drill_tasks import drill_long

    consumers = drill.start(), drill.start()
    _wait("both consumers started", lambda: all(drill.started(c) for c in consumers), timeout=60, drill=drill)
    queue.enqueue(drill_long.s(120))
    started = _wait("the long task running", lambda: drill.records("long"), timeout=30, drill=drill)
    pid = int(started[0].split()[1])
    (holding,) = (c for c in consumers if c.pid == pid)
    (other,) = (c for c in consumers if c.pid != pid)
    assert drill.lock()[0] is not None

    os.kill(holding.pid, signal.SIGKILL)
    killed = time.monotonic()
    holding.wait(timeout=10)
    _wait("the dead consumer's lock expired", lambda: drill.lock()[0] is None, timeout=LOCK_TTL + 5, every=0.05, drill=drill)
    expired = time.monotonic() - killed
    assert expired <= LOCK_TTL + 0.5

    queue.enqueue(drill_long.s(0))
    _wait("the task run by the other consumer", lambda: len(drill.records("long")) >= 3, timeout=30, drill=drill)
    assert drill.records("long")[1].split()[:2] == ["start", str(other.pid)]
    print(f"consumer holding the lock killed: lock free {expired:.2f} s after the kill (TTL {LOCK_TTL} s); the other consumer ran the task")
