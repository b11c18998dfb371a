"""The restore drill (ops/restore_drill.py) end to end: archive, base backup, point-in-time restore.

Runs the drill without the application's migrations (they take ~100 s on this machine; the full drill
and its printed result are in docs/operator-guide.md §5): two throw-away Debian clusters on loopback,
the same three scripts an operator runs. Rows written after the target time must be absent, those
before it present, and the restored server writable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .prodenv import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.mark.skipif(shutil.which("pg_createcluster") is None, reason="needs Debian's pg_createcluster")
@pytest.mark.skipif(os.geteuid() != 0, reason="creates clusters: needs root (or run the drill as postgres by hand)")
def test_the_restore_drill_restores_to_the_point_in_time_and_no_further():
    drill = subprocess.Popen(  # noqa: S603
        [sys.executable, str(ROOT / "ops" / "restore_drill.py"), "--no-migrate", "--rows", "500"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    stdout, stderr = drill.communicate(timeout=300)
    assert drill.returncode == 0, stdout + stderr
    assert "PASS  phase A (before the base backup) restored: 500 of 500" in stdout
    assert "PASS  phase B (after the backup, before T) restored: 500 of 500" in stdout
    assert "PASS  phase C (after T) absent: 0 rows" in stdout
    assert "RESULT: PASS" in stdout
    listed = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    assert f"_{drill.pid} " not in listed, "the drill left a cluster behind"
    assert not list(Path("/etc/postgresql").glob(f"*/drill_*_{drill.pid}")), "the drill left a configuration behind"
