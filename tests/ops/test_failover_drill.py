"""The failover drill (ops/failover_drill.py) end to end: a synchronous streaming pair on loopback, the
application writing through a DATABASE_URL with both hosts and target_session_attrs=read-write, the
primary killed with SIGKILL, the replica promoted: every acknowledged write is on the new primary and
the application writes there without a change of settings. Its printed result is in
docs/operator-guide.md §7b."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from .prodenv import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.mark.skipif(shutil.which("pg_createcluster") is None, reason="needs Debian's pg_createcluster")
@pytest.mark.skipif(os.geteuid() != 0, reason="creates clusters: needs root")
def test_a_killed_primary_is_replaced_and_no_acknowledged_write_is_lost():
    drill = subprocess.Popen(  # noqa: S603
        [sys.executable, str(ROOT / "ops" / "failover_drill.py"), "--seconds", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "FANGKONG_TEST_", "DATABASE_"))},
    )
    stdout, stderr = drill.communicate(timeout=180)
    assert drill.returncode == 0, stdout + stderr
    assert "PASS  every acknowledged write is on the new primary" in stdout and " 0 lost" in stdout
    assert "PASS  the application writes to the new primary without a change of settings" in stdout
    listed = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    assert f"_{drill.pid} " not in listed, "the drill left a cluster behind"
