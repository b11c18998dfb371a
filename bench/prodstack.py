"""The production stack for the HTTP benches: `python3 dev.py prod` (gunicorn with
config.settings.prod and gunicorn.conf.py, the Huey consumer on Redis, migrate, collectstatic, the
demo city when the registry is empty), the same command an operator runs, started on a port of
127.0.0.1 against the bench's own database, Redis database and var/ directory (its keys are kept
there, so a kept database stays readable), and stopped by its pid. Stdlib only."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
STOP_SECONDS = 30


class ProdStack:
    def __init__(self, *, port: int, database_url: str, redis_url: str, var_dir: Path, workers: int, people: int, log: Path) -> None:
        self.port, self.database_url, self.redis_url, self.var_dir = port, database_url, redis_url, var_dir
        self.workers, self.people, self.log = workers, people, log
        self.proc: subprocess.Popen | None = None

    def start(self, *, ready_within: float) -> float:
        """Start the stack and wait for /readyz 200 (the demo city is built first when the database is
        new: minutes). Returns the seconds it took."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url, "FANGKONG_VAR_DIR": str(self.var_dir)}
        for key in ("SECRET_KEY", "FANGKONG_DATA_KEY", "FANGKONG_PASS_SIGNING_KEY", "DJANGO_SETTINGS_MODULE"):
            env.pop(key, None)  # dev.py prod keeps this stack's keys in its var/ (prod-keys.env)
        args = ["--port", str(self.port), "--workers", str(self.workers), "--people", str(self.people)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "dev.py"), "prod", *args],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        started = time.monotonic()
        while time.monotonic() - started < ready_within:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dev.py prod exited with {self.proc.returncode}: see {self.log}")
            if self.status("/readyz") == 200:
                return time.monotonic() - started
            time.sleep(2)
        self.stop()
        raise RuntimeError(f"the stack was not ready within {ready_within:.0f} s: see {self.log}")

    def status(self, path: str) -> int:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            conn.request("GET", path, headers={"Host": f"127.0.0.1:{self.port}"})
            return conn.getresponse().status
        except OSError:
            return 0

    def drain(self, *, within: float = 120) -> float:
        """Wait until the queue a scenario left behind is served (a /healthz answered in under half a
        second), so the next scenario starts on an idle server. Returns the seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < within:
            asked = time.monotonic()
            if self.status("/healthz") == 200 and time.monotonic() - asked < 0.5:
                break
            time.sleep(1)
        return time.monotonic() - started

    def stop(self) -> None:
        """SIGTERM to dev.py prod (it stops gunicorn gracefully and the consumer); SIGKILL to its own
        process group if anything is left after STOP_SECONDS."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=STOP_SECONDS)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group is this stack's alone (start_new_session)
        self.proc.wait()


def redis_flush(url: str) -> None:
    """Empty the bench's own Redis database (its number in the URL)."""
    parts = urlsplit(url)
    db = (parts.path or "/0").strip("/") or "0"
    host, port = parts.hostname or "127.0.0.1", str(parts.port or 6379)
    subprocess.run(["redis-cli", "-h", host, "-p", port, "-n", db, "flushdb"], check=False, stdout=subprocess.DEVNULL)
