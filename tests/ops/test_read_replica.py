"""Reads from a real streaming replica (decision 0009): a primary on 127.0.0.1:5433 and a replica made
from it with pg_basebackup on 5435 (ops/streaming.py; the next free ports if those are taken), the
application's schema copied from this run's test database, the application in its own process with
DATABASE_URL on the primary and DATABASE_REPLICA_URL on the replica (tests/ops/replica_client.py).

- the 三快一严 board reads from the replica;
- with replay paused: a community worker opens a daily report (a write) and its export answers from
  the primary — the worker's own write — while another browser's export reads the replica, where the
  report is not yet (404);
- once the replica's replay is more than FANGKONG_REPLICA_MAX_LAG behind, the board and that export
  read the primary; when replay resumes, the replica again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from .prodenv import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db]  # django_db: this run's test database is made
DB = "fangkong_replica_test"


@pytest.mark.skipif(shutil.which("pg_createcluster") is None, reason="needs Debian's pg_createcluster")
@pytest.mark.skipif(os.geteuid() != 0, reason="creates clusters: needs root")
def test_boards_read_the_replica_own_writes_and_lag_read_the_primary():
    from django.db import connection

    started = time.monotonic()
    source = connection.settings_dict  # this run's test database, migrated: the schema to copy
    sys.path.insert(0, str(ROOT / "ops"))
    from streaming import streaming_pair, wait_replayed

    with streaming_pair(primary_port=5433, replica_port=5435) as (primary, replica):
        with primary.connect() as conn:
            conn.execute(f"CREATE DATABASE {DB}")
        dump = subprocess.run(  # noqa: S603
            [
                "pg_dump",
                "-Fc",
                "-h",
                source["HOST"] or "127.0.0.1",
                "-p",
                str(source["PORT"] or 5432),
                "-U",
                source["USER"],
                source["NAME"],
            ],
            capture_output=True,
            check=True,
            timeout=60,
            env={**os.environ, "PGPASSWORD": source.get("PASSWORD") or ""},
        ).stdout
        subprocess.run(  # noqa: S603
            ["pg_restore", "--no-owner", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-d", DB],
            input=dump,
            capture_output=True,
            check=True,
            timeout=60,
        )
        wait_replayed(primary, replica)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "FANGKONG_TEST_"))}
        env |= {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": primary.url(DB),
            "DATABASE_REPLICA_URL": replica.url(DB),
            "FANGKONG_REPLICA_CHECK_SECONDS": "0",
        }
        client = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "tests.ops.replica_client"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90
        )
        assert client.returncode == 0, client.stdout + client.stderr
    out = json.loads(client.stdout.strip().splitlines()[-1])
    print(json.dumps(out, indent=1), f"\n{time.monotonic() - started:.1f} s")

    assert out["replica_in_recovery"] is True
    assert out["board"]["status"] == 200 and out["board"]["replica_queries"] > 0, out["board"]

    assert out["write"]["status"] == 302 and out["write"]["marked"], out["write"]
    assert out["own_read"]["status"] == 200 and out["own_read"]["replica_queries"] == 0, out["own_read"]
    assert out["other_read_stale"]["status"] == 404 and out["other_read_stale"]["replica_queries"] > 0, out["other_read_stale"]

    assert out["lag_seconds_paused"] > 1.0
    assert out["board_lagging"]["status"] == 200 and out["board_lagging"]["replica_queries"] == 0, out["board_lagging"]
    assert out["other_read_lagging"]["status"] == 200 and out["other_read_lagging"]["replica_queries"] == 0

    assert out["lag_seconds_resumed"] == 0
    assert out["board_resumed"]["replica_queries"] > 0
    # The export's audit event is not the caller's data: it does not keep the next export on the primary.
    assert out["other_read_resumed"]["status"] == 200 and out["other_read_resumed"]["replica_queries"] > 0
