#!/usr/bin/env python3
"""The two commands of the quick start, needing nothing but Python 3.11+:

    python3 dev.py demo   set up, build the demo city, and serve http://127.0.0.1:8000
    python3 dev.py test   set up and run the whole test suite (ruff, import-linter, then pytest)

Both create .venv and install the pinned requirements on first use (and again when they change).
Extra arguments after `demo` go to manage.py demo (`--port 8001` serves on another port, `--people`,
`--seed`, `--no-serve`); extra arguments after `test` go to pytest; DATABASE_URL=postgres://… runs the suite on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

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
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test"}:
        print(__doc__)
        return 2
    command, args = sys.argv[1], sys.argv[2:]
    return demo(args) if command == "demo" else test(args)


if __name__ == "__main__":
    sys.exit(main())
