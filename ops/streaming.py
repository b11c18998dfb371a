"""A throw-away PostgreSQL streaming pair on loopback: a primary and a replica made from it with
pg_basebackup, for the read-replica test (tests/ops/test_read_replica.py) and the failover drill
(ops/failover_drill.py). The clusters are ops/restore_drill.py's (`Cluster`, Debian's
pg_createcluster, trust on 127.0.0.1 only); this adds the replica and the waits.

    with streaming_pair(primary_port=5433, replica_port=5435, synchronous=True) as (primary, replica):
        ...

Both clusters and their directory are dropped on leaving (keep=True leaves them for a look).
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from restore_drill import PG_USER, Cluster, _as_owner, _free_port, _pg_version, _run

# The same on both (a hot standby needs at least the primary's max_connections, max_wal_senders …).
PAIR_SETTINGS = {
    "wal_level": "replica",
    "max_wal_senders": "4",
    "max_connections": "40",
    "shared_buffers": "32MB",
    "hot_standby": "on",
    "hot_standby_feedback": "on",
    "wal_keep_size": "64MB",
    "wal_receiver_status_interval": "1s",
}


def wait_until(what: str, check, timeout: float = 30, every: float = 0.1):  # type: ignore[no-untyped-def]
    """check() until it answers something true (connection errors count as no); that answer."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
            if found:
                return found
        except psycopg.OperationalError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not after {timeout:.0f} s")
        time.sleep(every)


def replayed_up_to(replica: Cluster, lsn: str) -> bool:
    with replica.connect() as conn:
        return bool(conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]).fetchone()[0])


def wait_replayed(primary: Cluster, replica: Cluster, timeout: float = 30) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    with primary.connect() as conn:
        lsn = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
    wait_until(f"replica on {replica.port} replays {lsn}", lambda: replayed_up_to(replica, lsn), timeout)


@contextmanager
def streaming_pair(
    *, primary_port: int = 5433, replica_port: int = 5435, synchronous: bool = False, keep: bool = False
) -> Iterator[tuple[Cluster, Cluster]]:
    """`synchronous`: a commit on the primary returns only once the replica has flushed its WAL
    (synchronous_standby_names = '*'): a promote loses no committed transaction."""
    version = _pg_version()
    tag = f"{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="fangkong-pair-", dir="/var/lib/postgresql" if os.geteuid() == 0 else None))
    owner = pwd.getpwnam(PG_USER)
    os.chown(work, owner.pw_uid, owner.pw_gid)
    primary = Cluster(version, f"pair_primary_{tag}", _free_port(primary_port), work / "primary")
    replica = Cluster(version, f"pair_replica_{tag}", _free_port(replica_port), work / "replica")
    try:
        primary_settings = dict(PAIR_SETTINGS)
        if synchronous:
            primary_settings["synchronous_standby_names"] = "'*'"
        primary.create(primary_settings)
        primary.start()
        wait_until("primary answers", lambda: primary.connect().close() or True)
        replica.create(PAIR_SETTINGS)
        shutil.rmtree(replica.data)
        _run(
            _as_owner(
                [
                    f"/usr/lib/postgresql/{version}/bin/pg_basebackup",
                    "-h", "127.0.0.1", "-p", str(primary.port), "-U", PG_USER,
                    "-D", str(replica.data), "-X", "stream", "-R", "-c", "fast",
                    "-d", f"host=127.0.0.1 port={primary.port} user={PG_USER} application_name=fangkong_replica",
                ]
            ),
            timeout=120,
        )  # fmt: skip
        replica.start()
        wait_until("replica streams", lambda: _streaming(primary), timeout=30)
        yield primary, replica
    finally:
        if not keep:
            replica.drop()
            primary.drop()
            shutil.rmtree(work, ignore_errors=True)


def _streaming(primary: Cluster) -> bool:
    with primary.connect() as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").fetchone()[0] > 0
