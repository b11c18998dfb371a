"""Fault drill: PostgreSQL killed (SIGKILL, the postmaster and every process of its cluster) in the
middle of the application's write, then started again (issue 20, item 3).

    .venv/bin/python ops/pg_kill_drill.py [--people 5000] [--import-rows 100000] [--dispatches 300]
        [--upload-rows 60000] [--port 5434] [--keep]

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
   killed with SIGKILL (as a crash of the machine would: the postmaster stopped first, so that it forks
   no backend while its children are listed);
5. starts the cluster again (crash recovery) and checks: the import's command failed; every table
   holds what it held after phase A (nothing committed lost, nothing of the import written) except the
   import's job row, committed before its transaction; the import job row says running (the recovery
   sweep of the job worker fails it, tests/ops/test_consumer_kill.py); the same gunicorn worker, not
   restarted, answers /metrics 200 at its first request (CONN_HEALTH_CHECKS replaces the dead connection);
   then the import is run again to the end, as the operator would, and counted;
6. phase C, the same with `manage.py make_round` on the N + --import-rows residents (a synthetic
   testing round: bulk bindings of every resident into tubes and the labs' results, one transaction):
   killed 1 s into it, started again, nothing of it written, the worker answers; run again to the end;
7. phase D, dispatch (快转 派车): --dispatches cases awaiting transfer (the round's positives taken from
   the queue, then hospital reports: ops/pg_kill_setup.py, through the services), the demo city's six
   facilities, a dispatcher with an API token; a client dispatches them one by one through gunicorn
   (POST /api/cases/transfers/<id>/dispatch/, one transaction each: the transfer and its audit event);
   1 s after the first answer the cluster is killed. Started again: every dispatch answered 200 is
   there, at most the one in flight more, each dispatched transfer with exactly its one audit event and
   nothing else changed; the same worker answers; then the rest are dispatched to the end;
8. phase E, a lab result upload through its real path: the Huey consumer (`manage.py run_huey`,
   production settings, Redis) is started — its first recovery sweep fails phase B's import job, left
   running, with its message — and a laboratory user POSTs a file of --upload-rows results
   (POST /api/testing/rounds/<id>/results/: the file kept encrypted, the job row committed, 202, the
   consumer runs it in one transaction); killed once that transaction has been open for 1 s. Started
   again: nothing of the upload written, the job row says running; the consumer's recovery sweep fails
   it with its message within a minute of the kill (its heartbeat stopped); the lab uploads the same
   file again and it is written whole.

Prints each step's time and each check; exit status 0 when every check passed.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import csv
import datetime as dt
import http.client
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ops.restore_drill import PG_USER, ROOT, Cluster, _free_port, _pg_version, _run, _step, _table_counts, report  # noqa: E402

TOKEN = secrets.token_urlsafe(32)
BEIJING = ZoneInfo("Asia/Shanghai")
INGESTED = "SELECT count(*) FROM audit_auditevent WHERE event_type = 'testing.results_ingested'"
UPLOAD_TABLES = ("testing_tuberesult", "testing_unmatchedresult", "testing_tube", "testing_confirmedpositive")


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
        FANGKONG_QUEUE_NAME=f"pgkill-{os.getpid()}",  # the drill's own queue in that Redis database
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


def _postmaster(cluster: Cluster) -> int:
    """The cluster's postmaster, from the pid file in the drill's data directory: this cluster only."""
    return int((cluster.data / "postmaster.pid").read_text().split()[0])


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout  # noqa: S603, S607
    return [int(p) for p in out.split()]


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


def _kill_cluster(cluster: Cluster) -> tuple[list[int], float]:
    """SIGKILL every process of the cluster at once, as a crash of the machine would: the postmaster is
    stopped first (SIGSTOP: it forks no new backend while its children are listed), then the children
    and the postmaster are killed. (the pids killed, when)."""
    postmaster = _postmaster(cluster)
    os.kill(postmaster, signal.SIGSTOP)
    pids = [postmaster, *_children(postmaster)]
    for pid in reversed(pids):  # the children, then the postmaster
        with contextlib.suppress(ProcessLookupError):  # a backend that was ending (the probe's own, just closed)
            os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    time.sleep(0.2)
    print(f"  killed {len(pids)} processes of the cluster (postmaster {pids[0]}); left: {_survivors(cluster) or 'none'}", flush=True)
    return pids, killed


def _survivors(cluster: Cluster) -> list[int]:
    """Processes still named after the drill's cluster (the postmaster's command line, the backends' titles)."""
    left = []
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if proc.name.isdigit() and cluster.name.encode() in (proc / "cmdline").read_bytes():
                left.append(int(proc.name))
    return left


def _kill_when(cluster: Cluster, probe: Callable[[], tuple[bool, bool]], what: str, timeout: float = 300) -> tuple[list[int], float]:
    """Kill the cluster once `probe()`, which answers (the work still going, its transaction open for 1 s
    and writing), says writing; RuntimeError when the work ended first or did not write within `timeout`."""
    deadline = time.monotonic() + timeout
    going, writing = probe()
    while going and not writing and time.monotonic() < deadline:
        time.sleep(0.2)
        going, writing = probe()
    if not (going and writing):
        raise RuntimeError(f"{what} ended, or did not write, before the kill: make it bigger")
    return _kill_cluster(cluster)


def _kill_during(cluster: Cluster, db: str, command: list[str], env: dict[str, str], what: str) -> tuple[int, list[int], float]:
    """Run the app's `command`; once its transaction has been open for 1 s, SIGKILL every process of the
    cluster. (the command's exit status, the pids killed, when)."""
    writer = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # noqa: S603
    try:
        pids, killed = _kill_when(cluster, lambda: (writer.poll() is None, _writing_for(cluster, db, 1.0)), what)
    except RuntimeError as exc:
        writer.kill()
        raise RuntimeError(f"{exc}: {writer.communicate()[0][-2000:]}") from None
    writer.communicate(timeout=120)
    return writer.returncode, pids, killed


def _worker_pids(server: subprocess.Popen) -> list[int]:
    """gunicorn's workers: the master's children."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(server.pid)], capture_output=True, text=True).stdout  # noqa: S603, S607
    return sorted(int(p) for p in out.split())


def _restart_and_ask(cluster: Cluster, pids: list[int], web: int, killed: float, server: subprocess.Popen) -> tuple[bool, str]:
    """Start the cluster again; the app's first answers (the same gunicorn worker): (first was 200 from
    the worker that answered before the kill, detail)."""
    workers = _worker_pids(server)
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
    same = _worker_pids(server) == workers
    detail = (
        f"answers after the restart: {statuses}; 200 {((first_ok or up) - up):.2f} s after the cluster was up,"
        f" {((first_ok or killed) - killed):.1f} s after the kill (cluster up {up - killed:.1f} s after it);"
        f" worker pid {workers} {'the same' if same else 'CHANGED: ' + str(_worker_pids(server))}"
    )
    return statuses[:1] == [200] and same, detail


def _setup(env: dict[str, str], *args: str) -> dict:
    """ops/pg_kill_setup.py's fixtures, in the drill's database (its last line: JSON)."""
    out = _run([sys.executable, str(ROOT / "ops" / "pg_kill_setup.py"), *args], env=env, timeout=900)
    return json.loads(out.strip().splitlines()[-1])


def _post(port: int, path: str, token: str, body: bytes, content_type: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Host": "127.0.0.1", "Authorization": f"Token {token}", "Content-Type": content_type, "Accept": "application/json"}
        conn.request("POST", path, body=body, headers=headers)
        answer = conn.getresponse()
        text = answer.read()
    finally:
        conn.close()
    try:
        return answer.status, json.loads(text)
    except ValueError:
        return answer.status, {"body": text[:300].decode(errors="replace")}


class _Desk(threading.Thread):
    """A dispatcher's client: dispatches the transfers one after another through the API, until one is
    answered with a server error or no answer (the database went away) or all are done."""

    def __init__(self, port: int, token: str, transfers: list[int]) -> None:
        super().__init__(daemon=True)
        self.port, self.token, self.transfers = port, token, transfers
        self.acked: list[int] = []
        self.refused: dict[int, str] = {}
        self.stopped: tuple[int, str] | None = None  # (the transfer in flight, its answer)
        self.first = threading.Event()

    def run(self) -> None:
        for pk in self.transfers:
            body = json.dumps({"vehicle": f"蒙A·演{pk:05d}", "crew": "医生 演练、护士 演练"}).encode()
            try:
                status, answer = _post(self.port, f"/api/cases/transfers/{pk}/dispatch/", self.token, body, "application/json")
            except OSError as exc:
                self.stopped = (pk, exc.__class__.__name__)
                return
            if status == 200:
                self.acked.append(pk)
                self.first.set()
            elif status < 500:
                self.refused[pk] = str(answer)[:200]
            else:
                self.stopped = (pk, str(status))
                return


def _dispatch_state(cluster: Cluster, db: str, transfers: list[int]) -> tuple[set[int], Counter]:
    """The transfers dispatched in the database, and the dispatch audit events by transfer."""
    with cluster.connect(db) as conn:
        dispatched = {
            r[0] for r in conn.execute("SELECT id FROM cases_transfer WHERE id = ANY(%s) AND status = 'dispatched'", [transfers]).fetchall()
        }
        events = Counter(
            int(r[0])
            for r in conn.execute("SELECT object_id FROM audit_auditevent WHERE event_type = 'cases.transfer_dispatched'").fetchall()
        )
    return dispatched, events


def _results_file(rows: int) -> bytes:
    """A laboratory's result file (the template's columns): negatives reported an hour ago, for barcodes
    the platform has no tube of (kept as unmatched for the lab to resolve, as in the consumer drill)."""
    when = (dt.datetime.now(BEIJING) - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    lines = ["条码,结果,ORF1ab,N,报告时间", *(f"PGK{i:08d},阴性,,,{when}" for i in range(rows))]
    return ("\n".join(lines) + "\n").encode()


def _multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
    )
    return b"".join([*parts, data, f"\r\n--{boundary}--\r\n".encode()]), f"multipart/form-data; boundary={boundary}"


def _upload_row(cluster: Cluster, db: str, upload: int) -> tuple[str, str, int]:
    with cluster.connect(db) as conn:
        return conn.execute("SELECT status, message, unmatched_count FROM testing_resultupload WHERE id = %s", [upload]).fetchone()


def _upload_writing(cluster: Cluster, db: str, upload: int) -> tuple[bool, bool]:
    """(the upload not finished, its job's transaction open for 1 s and writing the results): a transaction
    begun after the job's claim that holds a lock on the results' tables — not a minute task of the
    consumer's that happens to run meanwhile (the board snapshot's can take a second too)."""
    with cluster.connect(db) as conn:
        row = conn.execute(
            "SELECT u.status, EXISTS (SELECT 1 FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid"
            " WHERE a.datname = current_database() AND a.backend_type = 'client backend' AND a.state <> 'idle'"
            " AND a.xact_start >= u.started_at AND a.xact_start < now() - interval '1 second'"
            " AND l.relation IN ('testing_unmatchedresult'::regclass, 'testing_tuberesult'::regclass))"
            " FROM testing_resultupload u WHERE u.id = %s",
            [upload],
        ).fetchone()
    return row[0] in ("queued", "running"), bool(row[1])


def _wait_for(check: Callable[[], object], timeout: float, every: float = 0.5) -> object:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(every)


def _dispatch_phase(
    cluster: Cluster,
    db: str,
    env: dict[str, str],
    web: int,
    server: subprocess.Popen,
    dispatches: int,
    steps: list[tuple[str, float]],
    checks: list[tuple[str, bool, str]],
) -> list[int]:
    """Phase D: dispatch (派车) one by one through the API, the cluster killed 1 s into it. The pids killed."""
    with _step(steps, f"phase D setup: {dispatches} cases awaiting transfer, six facilities, a dispatcher's API token"):
        fixture = _setup(env, "dispatch", str(dispatches))
        transfers: list[int] = fixture["transfers"]
        with cluster.connect(db) as conn:
            before = _table_counts(conn)
    print(f"  {len(transfers)} awaiting transfers ({fixture['from_queue']} from the round's positives)", flush=True)
    desk = _Desk(web, fixture["token"], transfers)
    with _step(steps, f"phase D: dispatch of {len(transfers)} awaiting transfers one by one through the API, killed 1 s into it"):
        desk.start()
        if not desk.first.wait(timeout=120):
            raise RuntimeError(f"no dispatch answered 200: {desk.stopped} {list(desk.refused.items())[:3]}")
        time.sleep(1.0)
        pids, killed = _kill_cluster(cluster)
        desk.join(timeout=120)
    in_flight = desk.stopped[0] if desk.stopped else None
    checks.append(
        (
            "the dispatcher's client was stopped by the database going away, not by a refusal",
            desk.stopped is not None and not desk.refused,
            f"{len(desk.acked)} dispatches answered 200 in the second before the kill; transfer {in_flight} in flight,"
            f" answered {desk.stopped[1] if desk.stopped else '-'}; refused: {desk.refused or 'none'}",
        )
    )
    with _step(steps, "cluster started again (crash recovery)"):
        answered, detail = _restart_and_ask(cluster, pids, web, killed, server)
    checks.append(("the same gunicorn worker answers without a restart, after the dispatch kill", answered, detail))
    dispatched, events = _dispatch_state(cluster, db, transfers)
    with cluster.connect(db) as conn:
        after = _table_counts(conn)
    changed = {t: (before.get(t), n) for t, n in after.items() if before.get(t) != n}
    acked = set(desk.acked)
    checks.append(
        (
            "nothing committed lost: every dispatch answered 200 is there (at most the one in flight more)",
            acked <= dispatched and dispatched - acked <= {in_flight},
            f"answered 200: {len(acked)}; dispatched in the database: {len(dispatched)}"
            f" (the one in flight: {'committed' if in_flight in dispatched else 'not written'})",
        )
    )
    checks.append(
        (
            "nothing half-written: each dispatched transfer with its one audit event, nothing else changed",
            events == Counter(dispatched)
            and set(changed) <= {"audit_auditevent"}
            and after["audit_auditevent"] - before["audit_auditevent"] == len(dispatched),
            f"dispatch events {sum(events.values())} for {len(dispatched)} dispatched; changed: {changed or 'none'}",
        )
    )
    rest = [pk for pk in transfers if pk not in dispatched]
    with _step(steps, f"the rest ({len(rest)}) dispatched to the end"):
        again = _Desk(web, fixture["token"], rest)
        again.run()
        dispatched, events = _dispatch_state(cluster, db, transfers)
    checks.append(
        (
            "every awaiting transfer dispatched, each once",
            again.stopped is None and not again.refused and dispatched == set(transfers) and events == Counter(transfers),
            f"{len(again.acked)} more answered 200; {len(dispatched)} of {len(transfers)} dispatched, {sum(events.values())} events;"
            f" stopped: {again.stopped or 'no'}; refused: {again.refused or 'none'}",
        )
    )
    return pids


def _upload_phase(
    cluster: Cluster,
    db: str,
    env: dict[str, str],
    web: int,
    server: subprocess.Popen,
    work: Path,
    rows: int,
    job_b: int,
    steps: list[tuple[str, float]],
    checks: list[tuple[str, bool, str]],
) -> list[int]:
    """Phase E: a lab result upload through the API and the Huey consumer, the cluster killed 1 s into the
    job's transaction. The pids killed."""
    consumer = None
    try:
        with _step(steps, "phase E setup: a laboratory user's API token; the Huey consumer (run_huey, Redis) started"):
            fixture = _setup(env, "lab")
            log = (work / "consumer.log").open("ab")
            consumer = subprocess.Popen(_manage("run_huey", "-w", "2"), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
            log.close()

            def import_failed() -> tuple[str, str] | None:
                with cluster.connect(db) as conn:
                    row = conn.execute("SELECT status, message FROM imports_importjob WHERE id = %s", [job_b]).fetchone()
                return row if row[0] != "running" else None

            started = time.monotonic()
            swept = _wait_for(import_failed, timeout=60)
        checks.append(
            (
                "the import job killed in phase B is failed, with its message, by the consumer's first sweep",
                bool(swept) and swept[0] == "failed" and "导入中断" in swept[1] and "未写入任何人员" in swept[1],
                f"{time.monotonic() - started:.1f} s after the consumer started: {swept[0] if swept else 'still running'};"
                f" {swept[1] if swept else ''}",
            )
        )
        data = _results_file(rows)
        body, content_type = _multipart({"laboratory": str(fixture["laboratory"])}, "results.csv", data)
        path = f"/api/testing/rounds/{fixture['round']}/results/"
        with cluster.connect(db) as conn:
            before = _table_counts(conn)
            ingested = conn.execute(INGESTED).fetchone()[0]
        with _step(steps, f"phase E: a lab's file of {rows} results POSTed (202), its job killed 1 s into its transaction"):
            status, answer = _post(web, path, fixture["token"], body, content_type)
            if status != 202:
                raise RuntimeError(f"the upload was answered {status}: {answer}")
            upload = answer["upload"]
            pids, killed = _kill_when(cluster, lambda: _upload_writing(cluster, db, upload), "the upload's job", timeout=180)
        with _step(steps, "cluster started again (crash recovery)"):
            answered, detail = _restart_and_ask(cluster, pids, web, killed, server)
        checks.append(("the same gunicorn worker answers without a restart, after the upload kill", answered, detail))
        with cluster.connect(db) as conn:
            after = _table_counts(conn)
            ingested_after = conn.execute("SELECT count(*) FROM audit_auditevent WHERE event_type = 'testing.results_ingested'").fetchone()[
                0
            ]
        state = _upload_row(cluster, db, upload)
        changed = {t: (before.get(t), n) for t, n in after.items() if before.get(t) != n}
        fewer = {t for t, (was, now) in changed.items() if now < (was or 0)}
        checks.append(
            (
                "nothing committed lost, nothing of the upload written (its job row, committed with the 202, kept)",
                all(t in after and after[t] == before[t] for t in UPLOAD_TABLES)
                and ingested_after == ingested
                and not fewer
                and after["testing_resultupload"] == before["testing_resultupload"] + 1
                and (state[0] == "running" or (state[0] == "failed" and "未写入任何结果" in state[1])),
                f"results {after['testing_tuberesult']}, unmatched {after['testing_unmatchedresult']} as before;"
                f" job {state[0]}; changed: {changed or 'none'}"
                " (the job row; the rest: the consumer's periodic tasks)",
            )
        )
        by_sweep = state[0] == "running"  # else the job recorded its own failure (its error came once the database was back)
        with _step(steps, "the upload's job failed" + (" by the consumer's recovery sweep" if by_sweep else " (by the job itself)")):
            failed = _wait_for(lambda: _upload_row(cluster, db, upload)[0] != "running", timeout=max(5.0, killed + 120 - time.monotonic()))
            seconds = time.monotonic() - killed
            state = _upload_row(cluster, db, upload)
        checks.append(
            (
                "the upload's job fails with its message within a minute of the kill",
                bool(failed)
                and state[0] == "failed"
                and seconds <= 60
                and all(w in state[1] for w in (("处理中断", "未写入任何结果", "重新上传") if by_sweep else ("未写入任何结果",))),
                f"{state[0]} {seconds:.1f} s after the kill: {state[1]}",
            )
        )
        with _step(steps, "the lab uploads the same file again, to the end"):
            status, answer = _post(web, path, fixture["token"], body, content_type)
            again = answer.get("upload")
            done = _wait_for(lambda: again and _upload_row(cluster, db, again)[0] not in ("queued", "running"), timeout=300)
            state = _upload_row(cluster, db, again) if again else ("-", str(answer), 0)
            with cluster.connect(db) as conn:
                unmatched = conn.execute("SELECT count(*) FROM testing_unmatchedresult").fetchone()[0]
        checks.append(
            (
                "the file uploaded again is written whole",
                status == 202
                and bool(done)
                and state[0] == "succeeded"
                and state[2] == rows
                and unmatched == before["testing_unmatchedresult"] + rows,
                f"{status}; job {state[0]}: {state[1]} unmatched results {unmatched} = {before['testing_unmatchedresult']} + {rows}",
            )
        )
        return pids
    finally:
        if consumer is not None:
            consumer.terminate()
            try:
                consumer.wait(timeout=30)
            except subprocess.TimeoutExpired:
                consumer.kill()
                consumer.wait()


def drill(*, people: int, import_rows: int, dispatches: int, upload_rows: int, port: int, keep: bool) -> bool:
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
            workers = _worker_pids(server)
        checks.append(("the app answers /metrics before the kill", before == 200, str(before)))
        importing = _manage("import_people", str(big), "--mode", "strict")
        with _step(steps, f"phase B: import_people of {import_rows} rows, killed 1 s into its transaction"):
            status, pids, killed = _kill_during(cluster, db, importing, env, "the import")
        checks.append(("the import's command failed (the database went away)", status != 0, f"exit {status}"))
        with _step(steps, "cluster started again (crash recovery)"):
            answered, detail = _restart_and_ask(cluster, pids, web, killed, server)
        checks.append(("the same gunicorn worker answers without a restart", answered, detail))
        with cluster.connect(db) as conn:
            after_kill = _table_counts(conn)
            job_b, *job = conn.execute("SELECT id, status, rows_done FROM imports_importjob ORDER BY id DESC LIMIT 1").fetchone()
        changed = {t: (after_a.get(t), n) for t, n in after_kill.items() if after_a.get(t) != n}
        checks.append(
            (
                f"nothing committed lost, nothing of the import written ({len(after_a)} tables)",
                set(changed) <= {"imports_importjob"} and after_kill.get("geo_person") == after_a.get("geo_person"),
                f"people {after_kill.get('geo_person')} (after phase A: {after_a.get('geo_person')}); changed: {changed or 'none'}",
            )
        )
        checks.append(("the import's job row, committed before its transaction, says running", job[0] == "running", str(tuple(job))))
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
        rounding = _manage("make_round", "--number", "8", "--no-progress")
        with cluster.connect(db) as conn:
            before_round = _table_counts(conn)
        with _step(steps, "phase C: make_round (bulk bindings and lab results, one transaction), killed 1 s into it"):
            status, pids, killed = _kill_during(cluster, db, rounding, env, "the round")
        checks.append(("the round's command failed (the database went away)", status != 0, f"exit {status}"))
        with _step(steps, "cluster started again (crash recovery)"):
            answered, detail = _restart_and_ask(cluster, pids, web, killed, server)
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
        pids = _dispatch_phase(cluster, db, env, web, server, dispatches, steps, checks) or pids
        pids = _upload_phase(cluster, db, env, web, server, work, upload_rows, job_b, steps, checks) or pids
        status, now = _get(web, "/metrics"), _worker_pids(server)
        checks.append(
            (
                "the app still answers, from the gunicorn worker it started with (never replaced)",
                status == 200 and now == workers,
                f"/metrics {status}; worker pid {now} (at the start: {workers})",
            )
        )
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
            if pids:  # left behind when the drill stopped between a kill and the restart
                _stale_socket_removed(cluster.port, pids[0])
                Path(f"/var/run/postgresql/{version}-{cluster.name}.pid").unlink(missing_ok=True)
            shutil.rmtree(work, ignore_errors=True)
    return report("postgres kill drill", steps, checks, kept=work if keep else None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--dispatches", type=int, default=300, help="cases awaiting transfer for the dispatch phase")
    parser.add_argument("--upload-rows", type=int, default=60_000, help="results in the lab's file")
    parser.add_argument("--port", type=int, default=5434)
    parser.add_argument("--keep", action="store_true", help="leave the cluster and the directory for a look")
    args = parser.parse_args()
    ok = drill(
        people=args.people,
        import_rows=args.import_rows,
        dispatches=args.dispatches,
        upload_rows=args.upload_rows,
        port=args.port,
        keep=args.keep,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
