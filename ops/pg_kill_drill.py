"""Fault drill: PostgreSQL killed (SIGKILL, the postmaster and every process of its cluster) in the
middle of the application's write, then started again (issue 20, item 3).

    .venv/bin/python ops/pg_kill_drill.py [--people 5000] [--import-rows 100000] [--port 5434] [--keep]

On a Debian PostgreSQL, as root (or as postgres). It never touches another cluster: it makes a
throw-away cluster on 127.0.0.1:--port (or the next free port) with ops/restore_drill.py's helpers,
and drops it at the end (--keep leaves it for a look).

1. creates the cluster, the database, runs the application's migrations into it;
2. phase A, committed: `manage.py make_city --people N` (a synthetic registry, written with COPY);
   counts every application table;
3. starts gunicorn with the production settings against it (one worker, connections kept for 600 s)
   and asks for /metrics, which reads the database: the worker now holds a connection;
4. phase B, the write that is killed: `manage.py import_people` of --import-rows new people (one
   transaction); once its transaction has been open for 1 s, every process of the cluster is
   killed with SIGKILL (as a crash of the machine would);
5. starts the cluster again (crash recovery) and checks: the import's command failed; every table
   holds what it held after phase A (nothing committed lost, nothing of the import written) except the
   import's job row, committed before its transaction; the import job row says running (the recovery
   sweep of the job worker fails it, tests/ops/test_consumer_kill.py); the same gunicorn worker, not
   restarted, answers /metrics 200 at its first request (CONN_HEALTH_CHECKS replaces the dead connection);
6. phase C, the same with `manage.py make_round` (a synthetic testing round: bulk bindings of every
   resident into tubes and the labs' results, one transaction): killed 1 s into it, started again,
   nothing of it written, the worker answers; then the round and the import are run again to the end,
   as the operator would, and counted.

Prints each step's time and each check; exit status 0 when every check passed.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import http.client
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ops.restore_drill import PG_USER, ROOT, Cluster, _free_port, _pg_version, _run, _step, _table_counts, report  # noqa: E402

TOKEN = secrets.token_urlsafe(32)


def _env(work: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "FANGKONG_TEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        FANGKONG_DATA_KEY=base64.b64encode(os.urandom(32)).decode(),
        FANGKONG_PASS_SIGNING_KEY=base64.b64encode(os.urandom(32)).decode(),
        DATABASE_URL=url,
        # A Redis database of the drill's own (the cache and the queue's keys), emptied at the end.
        REDIS_URL=os.environ.get("DRILL_REDIS_URL", "redis://127.0.0.1:6379/14"),
        FANGKONG_VAR_DIR=str(work / "var"),
        FANGKONG_SSL_REDIRECT="0",
        FANGKONG_METRICS_TOKEN=TOKEN,
        DB_CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
    )
    return env


def _manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


def _write_import(path: Path, rows: int) -> None:
    """A registry file of `rows` new people in households of four (the import template's columns)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from fangkong.geo.idnumbers import make_resident_id
    from fangkong.imports.readers import COLUMNS

    place = {
        "district": "新城区",
        "street": "中山东路街道",
        "community": "迎宾南路社区",
        "grid": "第一网格",
        "compound": "演练小区",
        "building": "1号楼",
        "unit": "1单元",
    }
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.header for c in COLUMNS])
        for i in range(rows):
            birth = dt.date(1960, 1, 1) + dt.timedelta(days=i % 9000)
            number = make_resident_id("110101", birth, 2 * (i // 9000) + 1)  # not a code make_city hands out
            values = {**place, "household": str(1000 + i // 4), "name": f"演练{i}", "id_number": number}
            writer.writerow([values.get(c.key, "") for c in COLUMNS])


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1", "Authorization": f"Bearer {TOKEN}"})
        return conn.getresponse().status
    finally:
        conn.close()


def _spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cluster_pids(cluster: Cluster) -> list[int]:
    """The postmaster (its pid file in the drill's data directory) and its children: this cluster only."""
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(postmaster)], capture_output=True, text=True).stdout  # noqa: S603, S607
    return [postmaster, *(int(p) for p in children.split())]


def _stale_socket_removed(port: int, postmaster: int) -> None:
    """The killed postmaster's Unix-socket lock (a machine's restart would have emptied /run): removed only
    when it names that dead postmaster, so the cluster can start again on its port."""
    lock = Path(f"/var/run/postgresql/.s.PGSQL.{port}.lock")
    if lock.exists() and lock.read_text().split()[:1] == [str(postmaster)]:
        lock.unlink()
        Path(f"/var/run/postgresql/.s.PGSQL.{port}").unlink(missing_ok=True)


def _writing_for(cluster: Cluster, db: str, seconds: float) -> bool:
    with cluster.connect(db) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend' AND state <> 'idle' AND xact_start < now() - make_interval(secs => %s)",
            [seconds],
        ).fetchone()
    return row[0] > 0


def _kill_during(cluster: Cluster, db: str, command: list[str], env: dict[str, str], what: str) -> tuple[int, list[int], float]:
    """Run the app's `command`; once its transaction has been open for 1 s, SIGKILL every process of the
    cluster. (the command's exit status, the pids killed, when)."""
    writer = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # noqa: S603
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and writer.poll() is None and not _writing_for(cluster, db, 1.0):
        time.sleep(0.2)
    if writer.poll() is not None:
        raise RuntimeError(f"{what} ended before the kill: {writer.stdout.read()[-2000:]}")
    pids = _cluster_pids(cluster)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    writer.communicate(timeout=120)
    print(f"  killed {len(pids)} processes of the cluster (postmaster {pids[0]})", flush=True)
    return writer.returncode, pids, killed


def _restart_and_ask(cluster: Cluster, pids: list[int], web: int, killed: float) -> tuple[bool, str]:
    """Start the cluster again; the app's first answers (the same gunicorn worker): (first was 200, detail)."""
    _stale_socket_removed(cluster.port, pids[0])
    cluster.start()
    up = time.monotonic()
    statuses = []
    first_ok = None
    while time.monotonic() - up < 60:
        status = _get(web, "/metrics")
        statuses.append(status)
        if status == 200:
            first_ok = time.monotonic()
            break
        time.sleep(0.2)
    detail = (
        f"answers after the restart: {statuses}; 200 {((first_ok or up) - up):.2f} s after the cluster was up,"
        f" {((first_ok or killed) - killed):.1f} s after the kill (cluster up {up - killed:.1f} s after it)"
    )
    return statuses[:1] == [200], detail


def drill(*, people: int, import_rows: int, port: int, keep: bool) -> bool:
    version = _pg_version()
    work = Path(tempfile.mkdtemp(prefix="fangkong-pgkill-", dir="/var/lib/postgresql" if os.geteuid() == 0 else None))
    owner = pwd.getpwnam(PG_USER)
    os.chown(work, owner.pw_uid, owner.pw_gid)
    (work / "var").mkdir()
    cluster = Cluster(version, f"drill_pgkill_{os.getpid()}", _free_port(port), work / "data")
    db = "fangkong_drill"
    env = _env(work, cluster.url(db))
    steps: list[tuple[str, float]] = []
    checks: list[tuple[str, bool, str]] = []
    server: subprocess.Popen | None = None
    pids: list[int] = []
    try:
        with _step(steps, f"cluster {version}/{cluster.name} on 127.0.0.1:{cluster.port}, database, migrations"):
            cluster.create({"fsync": "on", "synchronous_commit": "on"})
            cluster.start()
            with cluster.connect() as conn:
                conn.execute(f"CREATE DATABASE {db}")
            _run(_manage("migrate", "--noinput", "-v0"), env=env, timeout=900)
        with _step(steps, f"phase A, committed: make_city --people {people}"):
            _run(_manage("make_city", "--people", str(people), "--no-progress"), env=env, timeout=900)
            with cluster.connect(db) as conn:
                after_a = _table_counts(conn)
        big = work / "import.csv"
        _write_import(big, import_rows)
        web = _spare_port()
        with _step(steps, "gunicorn (production settings, one worker) answers /metrics"):
            command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", "gunicorn.conf.py"]
            command += ["--bind", f"127.0.0.1:{web}", "--workers", "1", "--timeout", "120"]
            server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if _get(web, "/metrics") == 200:
                        break
                except OSError:
                    time.sleep(0.5)
            before = _get(web, "/metrics")
        checks.append(("the app answers /metrics before the kill", before == 200, str(before)))
        importing = _manage("import_people", str(big), "--mode", "strict")
        with _step(steps, f"phase B: import_people of {import_rows} rows, killed 1 s into its transaction"):
            status, pids, killed = _kill_during(cluster, db, importing, env, "the import")
        checks.append(("the import's command failed (the database went away)", status != 0, f"exit {status}"))
        with _step(steps, "cluster started again (crash recovery)"):
            answered, detail = _restart_and_ask(cluster, pids, web, killed)
        checks.append(("the same gunicorn worker answers without a restart", answered, detail))
        with cluster.connect(db) as conn:
            after_kill = _table_counts(conn)
            job = conn.execute("SELECT status, rows_done FROM imports_importjob ORDER BY id DESC LIMIT 1").fetchone()
        changed = {t: (after_a.get(t), n) for t, n in after_kill.items() if after_a.get(t) != n}
        checks.append(
            (
                f"nothing committed lost, nothing of the import written ({len(after_a)} tables)",
                set(changed) <= {"imports_importjob"} and after_kill.get("geo_person") == after_a.get("geo_person"),
                f"people {after_kill.get('geo_person')} (after phase A: {after_a.get('geo_person')}); changed: {changed or 'none'}",
            )
        )
        checks.append(("the import's job row, committed before its transaction, says running", bool(job) and job[0] == "running", str(job)))
        rounding = _manage("make_round", "--number", "8", "--no-progress")
        with cluster.connect(db) as conn:
            before_round = _table_counts(conn)
        with _step(steps, "phase C: make_round (bulk bindings and lab results, one transaction), killed 1 s into it"):
            status, pids, killed = _kill_during(cluster, db, rounding, env, "the round")
        checks.append(("the round's command failed (the database went away)", status != 0, f"exit {status}"))
        with _step(steps, "cluster started again (crash recovery)"):
            answered, detail = _restart_and_ask(cluster, pids, web, killed)
        checks.append(("the same gunicorn worker answers without a restart, again", answered, detail))
        with cluster.connect(db) as conn:
            after_round_kill = _table_counts(conn)
        changed = {t: (before_round.get(t), n) for t, n in after_round_kill.items() if before_round.get(t) != n}
        checks.append(("nothing committed lost, nothing of the round written", not changed, f"changed: {changed or 'none'}"))
        with _step(steps, "the same round again, to the end"):
            again = subprocess.run(rounding, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)  # noqa: S603
            with cluster.connect(db) as conn:
                tubes, results = conn.execute(
                    "SELECT (SELECT count(*) FROM testing_tube), (SELECT count(*) FROM testing_tuberesult)"
                ).fetchone()
        checks.append(
            (
                "the round run again is written whole",
                again.returncode == 0 and tubes > 0 and results > 0,
                f"exit {again.returncode}; {tubes} tubes, {results} results",
            )
        )
        with _step(steps, "the same import again, to the end"):
            again = subprocess.run(importing, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)  # noqa: S603
            with cluster.connect(db) as conn:
                people_now = conn.execute("SELECT count(*) FROM geo_person").fetchone()[0]
        checks.append(
            (
                "the import run again writes every row",
                again.returncode == 0 and people_now == after_a["geo_person"] + import_rows,
                f"exit {again.returncode}; people {people_now} = {after_a['geo_person']} + {people_now - after_a['geo_person']}",
            )
        )
        checks.append(("the app still answers", _get(web, "/metrics") == 200, "/metrics 200"))
    except BaseException:
        for what, seconds in steps:
            print(f"  {seconds:7.1f} s  {what}", file=sys.stderr)
        raise
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        clear = _manage("shell", "-c", "from django.core.cache import cache; cache.clear()")  # the drill's Redis database
        subprocess.run(clear, env=env, capture_output=True, timeout=120)  # noqa: S603
        if not keep:
            cluster.drop()
            if pids:
                _stale_socket_removed(cluster.port, pids[0])
            shutil.rmtree(work, ignore_errors=True)
    return report("postgres kill drill", steps, checks, kept=work if keep else None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=5434)
    parser.add_argument("--keep", action="store_true", help="leave the cluster and the directory for a look")
    args = parser.parse_args()
    return 0 if drill(people=args.people, import_rows=args.import_rows, port=args.port, keep=args.keep) else 1


if __name__ == "__main__":
    sys.exit(main())
