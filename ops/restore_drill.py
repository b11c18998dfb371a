"""The restore drill: base backup + WAL archive → a point-in-time restore into a fresh cluster, counted.

    .venv/bin/python ops/restore_drill.py [--rows 1000] [--source-port 5433] [--target-port 5434] [--keep]

On a Debian PostgreSQL (pg_createcluster), as root or as the clusters' owner (postgres). It never
touches any other cluster:

1. creates a source cluster (127.0.0.1, --source-port) archiving its WAL with ops/wal-archive.sh;
2. creates the database, runs the application's migrations into it (not with --no-migrate), writes
   --rows rows (phase A);
3. takes a base backup with ops/base-backup.sh;
4. writes phase B, notes the server's time T, waits, writes phase C (after T), switches the WAL
   segment and waits until it is archived;
5. restores the base backup into a fresh cluster (--target-port) with ops/restore-pitr.sh, recovery
   target T, and starts it;
6. checks: phase A and B all there, phase C absent, every application table holds as many rows as on
   the source, the restored server is writable; prints the result and the time of each step;
7. drops both clusters and the drill's directory (--keep leaves them for a look).

Exit status 0 when every check passed. The application's settings come from DJANGO_SETTINGS_MODULE
(default config.settings.dev); only DATABASE_URL is pointed at the drill's source cluster.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
OPS = ROOT / "ops"
PG_USER = "postgres"
DRILL_TABLE = "restore_drill_rows"


def _pg_version() -> str:
    versions = sorted((p.name for p in Path("/etc/postgresql").iterdir() if p.name.isdigit()), key=int)
    if not versions:
        raise SystemExit("no PostgreSQL under /etc/postgresql (Debian's postgresql-common is needed)")
    return versions[-1]


def _as_owner(command: list[str]) -> list[str]:
    """The command run as the clusters' owner (root switches user; postgres runs it as is)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", PG_USER, "--", *command]
    if pwd.getpwuid(os.geteuid()).pw_name != PG_USER:
        raise SystemExit("run the drill as root or as the postgres user")
    return command


def _run(command: list[str], *, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    clusters = _run(["pg_lsclusters", "--no-header"])
    return not any(line.split()[2] == str(port) for line in clusters.splitlines() if line.strip())


def _free_port(preferred: int) -> int:
    for port in [preferred, *range(preferred + 10, preferred + 60)]:
        if _port_free(port):
            return port
    raise SystemExit(f"no free port near {preferred}")


class Cluster:
    """One throw-away Debian cluster on 127.0.0.1:port with trust for loopback (the drill's only)."""

    def __init__(self, version: str, name: str, port: int, data: Path) -> None:
        self.version, self.name, self.port, self.data = version, name, port, data
        self.created = False

    def create(self, settings: dict[str, str]) -> None:
        _run(["pg_createcluster", self.version, self.name, "--port", str(self.port), "--datadir", str(self.data)])
        self.created = True
        conf = Path(f"/etc/postgresql/{self.version}/{self.name}")
        lines = ["listen_addresses = '127.0.0.1'", "ssl = off", *(f"{k} = {v}" for k, v in settings.items())]
        (conf / "conf.d").mkdir(exist_ok=True)
        (conf / "conf.d" / "drill.conf").write_text("\n".join(lines) + "\n")
        (conf / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n")

    def start(self) -> None:
        _run(["pg_ctlcluster", self.version, self.name, "start"], timeout=120)

    def drop(self) -> None:
        if self.created:
            subprocess.run(["pg_dropcluster", "--stop", self.version, self.name], capture_output=True, timeout=120)  # noqa: S603
            # pg_dropcluster leaves the configuration directory when it holds a file of ours (conf.d/drill.conf).
            shutil.rmtree(f"/etc/postgresql/{self.version}/{self.name}", ignore_errors=True)
            self.created = False

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user=PG_USER, dbname=dbname, autocommit=True)

    def url(self, dbname: str) -> str:
        return f"postgres://{PG_USER}@127.0.0.1:{self.port}/{dbname}"


@contextmanager
def _step(log: list[tuple[str, float]], what: str) -> Iterator[None]:
    print(f"· {what} …", flush=True)
    started = time.perf_counter()
    yield
    log.append((what, time.perf_counter() - started))


def _write(conn: psycopg.Connection, phase: str, rows: int) -> None:
    with conn.cursor() as cur:
        cur.execute(f"INSERT INTO {DRILL_TABLE} (phase, n) SELECT %s, g FROM generate_series(1, %s) g", [phase, rows])  # noqa: S608


def _table_counts(conn: psycopg.Connection) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        tables = [r[0] for r in cur.fetchall()]
        counts = {}
        for table in tables:
            cur.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608
            counts[table] = cur.fetchone()[0]
    return counts


def _wait_archived(conn: psycopg.Connection, segment: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with conn.cursor() as cur:
            cur.execute("SELECT last_archived_wal, failed_count, last_failed_wal FROM pg_stat_archiver")
            last, failed, last_failed = cur.fetchone()
        if last is not None and last >= segment:
            return
        time.sleep(0.2)
    raise RuntimeError(f"segment {segment} not archived after {timeout:.0f} s (failures: {failed}, last {last_failed})")


def _wait_promoted(conn_factory, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with conn_factory() as conn, conn.cursor() as cur:
                cur.execute("SELECT pg_is_in_recovery()")
                if not cur.fetchone()[0]:
                    return
        except psycopg.OperationalError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the restored cluster did not finish recovery in {timeout:.0f} s")


def drill(*, rows: int, source_port: int, target_port: int, keep: bool, migrate: bool = True) -> bool:
    version = _pg_version()
    tag = f"{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="fangkong-drill-", dir="/var/lib/postgresql" if os.geteuid() == 0 else None))
    owner = pwd.getpwnam(PG_USER)
    os.chown(work, owner.pw_uid, owner.pw_gid)
    archive, backups = work / "archive", work / "backups"
    for d in (archive, backups):
        d.mkdir()
        os.chown(d, owner.pw_uid, owner.pw_gid)
    scripts = work / "ops"  # the clusters' owner must read the scripts: copies inside the drill's directory
    shutil.copytree(OPS, scripts, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    source = Cluster(version, f"drill_source_{tag}", _free_port(source_port), work / "source")
    target = Cluster(version, f"drill_target_{tag}", _free_port(target_port), work / "target")
    steps: list[tuple[str, float]] = []
    checks: list[tuple[str, bool, str]] = []
    db = "fangkong_drill"
    try:
        with _step(steps, f"source cluster {version}/{source.name} on 127.0.0.1:{source.port}, archiving WAL"):
            archive_command = f"'{scripts}/wal-archive.sh %p %f {archive}'"
            source.create({"wal_level": "replica", "archive_mode": "on", "archive_command": archive_command, "max_wal_senders": "4"})
            source.start()
            with source.connect() as conn:
                conn.execute(f"CREATE DATABASE {db}")
        if migrate:
            with _step(steps, "migrate the application into it"):
                env = {**os.environ, "DATABASE_URL": source.url(db)}
                env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
                _run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"], env=env, timeout=900)
        with source.connect(db) as conn:
            with _step(steps, f"phase A: {rows} rows"):
                conn.execute(f"CREATE TABLE {DRILL_TABLE} (id bigserial PRIMARY KEY, phase text NOT NULL, n int NOT NULL)")
                _write(conn, "A", rows)
            with _step(steps, "base backup (ops/base-backup.sh)"):
                pg_env = {
                    **os.environ,
                    "PGHOST": "127.0.0.1",
                    "PGPORT": str(source.port),
                    "PGUSER": PG_USER,
                    "ARCHIVE_DIR": str(archive),
                    "PG_BINDIR": f"/usr/lib/postgresql/{version}/bin",
                }
                print("  " + _run(_as_owner([str(scripts / "base-backup.sh"), str(backups)]), env=pg_env).strip(), flush=True)
            with _step(steps, f"phase B: {rows} rows, then the target time T"):
                _write(conn, "B", rows)
                target_time = conn.execute(
                    "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US+00')"
                ).fetchone()[0]
            time.sleep(1.2)
            with _step(steps, f"phase C (after T): {rows // 2} rows, segment switched and archived"):
                _write(conn, "C", rows // 2)
                source_counts = _table_counts(conn)
                segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
                _wait_archived(conn, segment)
        backup = sorted(backups.glob("base-*Z"))[-1]
        with _step(steps, f"restore to T = {target_time} (ops/restore-pitr.sh) into {target.name} on 127.0.0.1:{target.port}"):
            target.create({})
            shutil.rmtree(target.data)
            _run(_as_owner([str(scripts / "restore-pitr.sh"), str(backup), str(archive), str(target.data), target_time]))
            target.start()
            _wait_promoted(lambda: target.connect(db))
        with target.connect(db) as conn:
            restored = _table_counts(conn)
            phases = dict(conn.execute(f"SELECT phase, count(*) FROM {DRILL_TABLE} GROUP BY phase").fetchall())  # noqa: S608
            conn.execute(f"INSERT INTO {DRILL_TABLE} (phase, n) VALUES ('after', 1)")  # noqa: S608
            writable = True
        checks.append(("phase A (before the base backup) restored", phases.get("A") == rows, f"{phases.get('A', 0)} of {rows}"))
        checks.append(("phase B (after the backup, before T) restored", phases.get("B") == rows, f"{phases.get('B', 0)} of {rows}"))
        checks.append(("phase C (after T) absent", "C" not in phases, f"{phases.get('C', 0)} rows"))
        app_tables = [t for t in source_counts if t != DRILL_TABLE]
        differing = [t for t in app_tables if restored.get(t) != source_counts[t]]
        total = sum(source_counts[t] for t in app_tables)
        checks.append(
            (
                f"every application table's count equals the source's ({len(app_tables)} tables)",
                not differing,
                ", ".join(f"{t}: {restored.get(t)} ≠ {source_counts[t]}" for t in differing) or f"{total} rows",
            )
        )
        checks.append(("restored server promoted and writable", writable, "INSERT committed"))
    except BaseException:
        for what, seconds in steps:
            print(f"  {seconds:7.1f} s  {what}", file=sys.stderr)
        raise
    finally:
        if not keep:
            target.drop()
            source.drop()
            shutil.rmtree(work, ignore_errors=True)
    return report("restore drill", steps, checks, kept=work if keep else None)


def report(name: str, steps: list[tuple[str, float]], checks: list[tuple[str, bool, str]], *, kept: Path | None = None) -> bool:
    """Print a drill's steps (with their seconds) and checks (PASS/FAIL and what was seen); True if every
    check passed. Shared by the drills in ops/."""
    ok = all(passed for _, passed, _ in checks)
    print(f"\n{name} — steps")
    for what, seconds in steps:
        print(f"  {seconds:7.1f} s  {what}")
    print(f"{name} — checks")
    for what, passed, detail in checks:
        print(f"  {'PASS' if passed else 'FAIL'}  {what}: {detail}")
    print(f"RESULT: {'PASS' if ok else 'FAIL'} ({sum(s for _, s in steps):.1f} s)" + (f"; kept {kept}" if kept else ""))
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--source-port", type=int, default=5433)
    parser.add_argument("--target-port", type=int, default=5434)
    parser.add_argument("--keep", action="store_true", help="leave the clusters and the directory for a look")
    parser.add_argument("--no-migrate", action="store_true", help="skip the application's migrations (the test's quick run)")
    args = parser.parse_args()
    ok = drill(rows=args.rows, source_port=args.source_port, target_port=args.target_port, keep=args.keep, migrate=not args.no_migrate)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
