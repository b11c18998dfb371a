#!/usr/bin/env python3
"""The commands of the quick start, needing nothing but Python 3.11+:

    python3 dev.py demo   set up, build the demo city, and serve http://127.0.0.1:8000
    python3 dev.py test   set up and run the whole test suite (ruff, import-linter, then pytest)
    python3 dev.py prod   the production stack on this machine: PostgreSQL, Redis, gunicorn with
                          config.settings.prod and the Huey consumer(s) (docs/operator-guide.md §4a)

Both create .venv and install the pinned requirements on first use (and again when they change).
Extra arguments after `demo` go to manage.py demo (`--port 8001` serves on another port, `--people`,
`--seed`, `--no-serve`); extra arguments after `test` go to pytest; DATABASE_URL=postgres://… runs the suite on PostgreSQL.
Arguments after `prod` go to manage.py serve_prod (`--port`, `--workers`, `--consumers`, `--no-demo`, `--people`).
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"


def ensure_venv(requirements: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs before the venv exists
        sys.exit(f"fangkong needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print("· creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    req = ROOT / requirements
    digest = hashlib.sha256((req.read_text() + (ROOT / "requirements.txt").read_text()).encode()).hexdigest()
    stamp = VENV / f".installed-{requirements}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"· installing {requirements} (first run takes a minute)", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(req)], check=True)
    stamp.write_text(digest)


def demo(args: list[str]) -> int:
    ensure_venv("requirements.txt")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    os.chdir(ROOT)
    # Become the demo process, so Ctrl-C or a `kill` of this command reaches the server and its worker.
    os.execve(str(PYTHON), [str(PYTHON), "manage.py", "demo", *args], env)
    return 0  # not reached


PROD_DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/fangkong",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    # gunicorn serves plain HTTP on 127.0.0.1 here, with no TLS proxy in front: no redirect to
    # https:// that nothing answers, no HSTS. Behind a proxy, set both as docs/operator-guide.md says.
    "FANGKONG_SSL_REDIRECT": "0",
    "FANGKONG_HSTS_SECONDS": "0",
}


def _listening(url: str, default_port: int) -> tuple[bool, bool]:
    """(local, answering): whether the URL's server is on this machine, and accepts connections."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    local = host in {"127.0.0.1", "localhost", "::1"}
    try:
        with socket.create_connection((host, port), timeout=2):
            return local, True
    except OSError:
        return local, False


def _start_services(env: dict[str, str]) -> None:
    """Start this machine's PostgreSQL and Redis when the URLs name them and they are down (as .ci/run
    does; both keep running after `dev.py prod` stops). Remote servers are the operator's business."""
    local, up = _listening(env["DATABASE_URL"], 5432)
    if local and not up and shutil.which("pg_ctlcluster") and Path("/etc/postgresql").is_dir():
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        print(f"· starting PostgreSQL {version} (pg_ctlcluster)", flush=True)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False)
        for _ in range(30):
            if _listening(env["DATABASE_URL"], 5432)[1]:
                break
            time.sleep(1)
    local, up = _listening(env["REDIS_URL"], 6379)
    if local and not up and shutil.which("redis-server"):
        port = str(urlsplit(env["REDIS_URL"]).port or 6379)
        print("· starting Redis (redis-server --daemonize yes)", flush=True)
        subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", port], check=False)
        for _ in range(10):
            if _listening(env["REDIS_URL"], 6379)[1]:
                break
            time.sleep(0.5)


PROD_KEYS = ("SECRET_KEY", "FANGKONG_DATA_KEY", "FANGKONG_PASS_SIGNING_KEY")


def _prod_keys(var_dir: Path) -> dict[str, str]:
    """SECRET_KEY, FANGKONG_DATA_KEY and FANGKONG_PASS_SIGNING_KEY for this machine: generated once into
    var/prod-keys.env (0600) and read from there afterwards, so the encrypted ID numbers stay readable
    and the printed vehicle passes valid across restarts. A file from before the pass key gains it
    (the key this machine already signed passes with, var/pass-signing-key, if there is one). Keys in
    the environment win. Back the file up with the database, or the data cannot be read."""
    path = var_dir / "prod-keys.env"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(f"SECRET_KEY={secrets.token_urlsafe(64)}\n")
            fh.write(f"FANGKONG_DATA_KEY={base64.b64encode(os.urandom(32)).decode()}\n")
        print(f"· generated the production keys into {path} (0600): keep them with the database's backups", flush=True)
    keys = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    if not keys.get("FANGKONG_PASS_SIGNING_KEY"):
        used = var_dir / "pass-signing-key"
        seed = used.read_text().strip() if used.exists() else base64.b64encode(os.urandom(32)).decode()
        with path.open("a") as fh:
            fh.write(f"FANGKONG_PASS_SIGNING_KEY={seed}\n")
        keys["FANGKONG_PASS_SIGNING_KEY"] = seed
    return {k: v for k, v in keys.items() if k in PROD_KEYS}


def prod(args: list[str]) -> int:
    ensure_venv("requirements.txt")
    var_dir = Path(os.environ.get("FANGKONG_VAR_DIR", ROOT / "var"))
    env = {**PROD_DEFAULTS, **_prod_keys(var_dir), **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.prod"}
    _start_services(env)
    os.chdir(ROOT)
    # Become the supervisor, so Ctrl-C or a `kill` of this command stops gunicorn and the consumer.
    os.execve(str(PYTHON), [str(PYTHON), "manage.py", "serve_prod", *args], env)
    return 0  # not reached


def _workers(args: list[str]) -> list[str]:
    """The whole suite runs on two workers (pytest-xdist) where there are two cores or more: it takes
    about 10 % more CPU and half the time. Named tests, or `-n …` given, run as asked."""
    named = any(not a.startswith("-") and ("/" in a or "::" in a or a.endswith(".py") or a == "tests") for a in args)
    named = named or any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in args)
    if named or (os.cpu_count() or 1) < 2:
        return []
    return ["-n", "2"]


def test(args: list[str]) -> int:
    ensure_venv("requirements-dev.txt")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    lint = subprocess.call([str(BIN / "ruff"), "check", "--quiet", "."], cwd=ROOT, env=env)
    if lint:
        print("ruff found problems (above); fix them before the tests run.", file=sys.stderr)
        return lint
    # The layers (core ← platform ← results, zoning ← domain apps ← reports) and no cycles inside an app.
    layers = subprocess.call([str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    if layers:
        subprocess.call([str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT, env=env)
        print("import-linter found a broken layer contract (above).", file=sys.stderr)
        return layers
    code = subprocess.call([str(PYTHON), "-m", "pytest", *_workers(args), *args], cwd=ROOT, env=env)
    if code == 5:
        print("pytest collected no tests: that is a failure, not a pass.", file=sys.stderr)
        return 1
    return code


def main() -> int:
    commands = {"demo": demo, "test": test, "prod": prod}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
