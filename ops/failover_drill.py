"""The failover drill: the primary killed (kill -9) while the application writes, the replica promoted
(pg_ctlcluster … promote), the application writing to the new primary with no committed write lost.

    .venv/bin/python ops/failover_drill.py [--primary-port 5433] [--replica-port 5435] [--seconds 4] [--async] [--keep]

As root (or the clusters' owner) on a Debian PostgreSQL; it never touches any other cluster:

1. a streaming pair on loopback (ops/streaming.py: primary, pg_basebackup replica), synchronous
   (synchronous_standby_names = '*': a commit returns once the replica has it) unless --async;
2. a writer through the application's own database settings: DATABASE_URL with both hosts and
   target_session_attrs=read-write (config.dburl → Django's connection), one INSERT per committed
   write, numbered; a write whose connection broke is retried with the same number (ON CONFLICT DO
   NOTHING: a commit in doubt is written once);
3. after --seconds, kill -9 the primary's postmaster and its processes, then promote the replica;
4. the writer carries on by itself — libpq skips the dead host and the one still in recovery — for
   --seconds more;
5. checks: every write the application saw committed is on the new primary; writes after the
   failover went to the new primary; prints the gap without writes and the times;
6. drops both clusters (--keep leaves them for a look).

Exit status 0 when every check passed. --async shows what asynchronous replication risks: writes
acknowledged by the old primary that never reached the replica are lost (counted, not a failure).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from restore_drill import _run  # noqa: E402
from streaming import streaming_pair, wait_replayed, wait_until  # noqa: E402

DB = "fangkong_failover"
TABLE = "failover_drill_rows"


class Writer(threading.Thread):
    """Writes numbered rows through Django's connection until stopped; remembers what was acknowledged."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.acked: list[tuple[int, int, float]] = []  # (n, server port, monotonic time of the ack)
        self.errors: list[tuple[float, str]] = []

    def run(self) -> None:
        from django.db import connection
        from django.db.utils import Error

        n = 1
        while not self.stop.is_set():
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f"INSERT INTO {TABLE} (n) VALUES (%s) ON CONFLICT (n) DO NOTHING", [n])  # noqa: S608
                    cursor.execute("SELECT inet_server_port()")
                    port = cursor.fetchone()[0]
                self.acked.append((n, port, time.monotonic()))
                n += 1
                time.sleep(0.005)
            except Error as exc:  # the primary went away: reconnect (the next use opens a new connection)
                self.errors.append((time.monotonic(), exc.__class__.__name__))
                connection.close()
                time.sleep(0.2)
        connection.close()


def _kill_cluster(data: Path) -> int:
    """kill -9 the cluster's postmaster and its children (the machine's sudden death); the postmaster's pid."""
    pid = int((data / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()  # noqa: S607
    for p in [pid, *map(int, children)]:
        with suppress(ProcessLookupError):
            os.kill(p, signal.SIGKILL)
    return pid


def drill(*, primary_port: int, replica_port: int, seconds: float, synchronous: bool, keep: bool) -> bool:
    checks: list[tuple[str, bool, str]] = []
    times: dict[str, float] = {}
    started = time.monotonic()
    with streaming_pair(primary_port=primary_port, replica_port=replica_port, synchronous=synchronous, keep=keep) as (primary, replica):
        times["pair up (initdb, pg_basebackup, streaming)"] = time.monotonic() - started
        with primary.connect() as conn:
            conn.execute(f"CREATE DATABASE {DB}")
        with primary.connect(DB) as conn:
            conn.execute(f"CREATE TABLE {TABLE} (n bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())")
        wait_replayed(primary, replica)
        url = (
            f"postgres://postgres@127.0.0.1:{primary.port},127.0.0.1:{replica.port}/{DB}?target_session_attrs=read-write&connect_timeout=2"
        )
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
        os.environ["FANGKONG_PG_RANDOM_PAGE_COST"] = ""
        import django

        django.setup()
        from django.conf import settings

        print(f"· application's DATABASE_URL: {url}")
        print(f"  → HOST {settings.DATABASES['default']['HOST']} PORT {settings.DATABASES['default']['PORT']}", flush=True)
        writer = Writer()
        writer.start()
        time.sleep(seconds)
        before = len(writer.acked)
        last_before = writer.acked[-1]
        killed_at = time.monotonic()
        pid = _kill_cluster(primary.data)
        print(f"· kill -9 primary (postmaster {pid}, 127.0.0.1:{primary.port}) after {before} acknowledged writes", flush=True)
        _run(["pg_ctlcluster", replica.version, replica.name, "promote"], timeout=60)

        def promoted() -> bool:
            with replica.connect() as conn:
                return not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]

        wait_until("replica promoted", promoted, timeout=60)
        times["kill → replica promoted"] = time.monotonic() - killed_at
        print(f"· promoted 127.0.0.1:{replica.port} in {times['kill → replica promoted']:.2f} s", flush=True)
        wait_until("a write on the new primary", lambda: writer.acked and writer.acked[-1][1] == replica.port, timeout=60)
        first_after = next(a for a in writer.acked if a[1] == replica.port)
        times["kill → first write on the new primary"] = first_after[2] - killed_at
        time.sleep(seconds)
        writer.stop.set()
        writer.join(timeout=30)
        acked = {n for n, _p, _t in writer.acked}
        with replica.connect(DB) as conn:
            stored = {r[0] for r in conn.execute(f"SELECT n FROM {TABLE}").fetchall()}  # noqa: S608
        lost = sorted(acked - stored)
        on_new = sum(1 for _n, p, _t in writer.acked if p == replica.port)
        checks.append(
            (
                "every acknowledged write is on the new primary",
                not lost or not synchronous,
                f"{len(acked)} acknowledged, {len(stored)} stored, {len(lost)} lost" + (f" (first {lost[:5]})" if lost else ""),
            )
        )
        checks.append(
            (
                "the application writes to the new primary without a change of settings",
                on_new > 0,
                f"{on_new} writes on 127.0.0.1:{replica.port}",
            )
        )
        checks.append(
            (
                "no write acknowledged by the old primary after it was killed",
                all(p == replica.port for _n, p, t in writer.acked if t > killed_at + 0.5),
                "",
            )
        )
        gap = first_after[2] - last_before[2]
        errors_during = len(writer.errors)
    times["total"] = time.monotonic() - started
    ok = all(passed for _, passed, _ in checks)
    mode = "synchronous" if synchronous else "asynchronous"
    print(f"\nfailover drill ({mode} replication) — times")
    for what, secs in times.items():
        print(f"  {secs:7.2f} s  {what}")
    print(
        f"  {gap:7.2f} s  without an acknowledged write (last on the old primary → first on the new);"
        f" {errors_during} failed attempts retried"
    )
    print("failover drill — checks")
    for what, passed, detail in checks:
        print(f"  {'PASS' if passed else 'FAIL'}  {what}" + (f": {detail}" if detail else ""))
    print(f"RESULT: {'PASS' if ok else 'FAIL'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--primary-port", type=int, default=5433)
    parser.add_argument("--replica-port", type=int, default=5435)
    parser.add_argument("--seconds", type=float, default=4, help="writing before the kill, and after the failover")
    parser.add_argument("--async", dest="asynchronous", action="store_true", help="asynchronous replication (counts what is lost)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    ok = drill(
        primary_port=args.primary_port,
        replica_port=args.replica_port,
        seconds=args.seconds,
        synchronous=not args.asynchronous,
        keep=args.keep,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
