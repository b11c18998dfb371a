"""Benchmark: `manage.py make_city` at full size (default 3.5 million people) in its own database.

    .venv/bin/python bench/make_city.py [--people N] [--seed S] [--database-url postgres://…/fangkong_citybench] [--allow-sqlite]

Drops and re-creates the named database (PostgreSQL: through psycopg; SQLite: a file under
var/bench/), migrates it, runs make_city in a child process, and prints wall time, people per
second and the child's peak RSS. Writes bench/results/make_city.json.

make_city starts from an empty registry, so at ≥ 50,000 people it loads through the initial-load
fast path (fangkong.core.bulk.deferred_indexes: secondary indexes and foreign keys dropped, COPY,
rebuilt before COMMIT). The load average at start and end and PostgreSQL's shared_buffers are
recorded with the result, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fangkong_citybench"


def recreate(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        Path(parsed.path).unlink(missing_ok=True)
        Path(parsed.path).parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def pg_settings(url: str) -> dict[str, str]:
    if not url.startswith("postgres"):
        return {}
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        return {n: conn.execute(f"SHOW {n}").fetchone()[0] for n in ("shared_buffers", "maintenance_work_mem", "server_version")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3_500_000)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--allow-sqlite", action="store_true")
    args = parser.parse_args()
    if args.database_url.startswith("sqlite") and not args.allow_sqlite:
        parser.error("pass --allow-sqlite to benchmark SQLite")
    env = {**os.environ, "DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    recreate(args.database_url)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    load_start = os.getloadavg()
    started = time.monotonic()
    subprocess.run([*manage, "make_city", "--people", str(args.people), "--seed", str(args.seed)], cwd=ROOT, env=env, check=True)
    seconds = time.monotonic() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    result = {
        "people": args.people,
        "seed": args.seed,
        "database": urlparse(args.database_url).scheme,
        "seconds": round(seconds, 1),
        "people_per_second": round(args.people / seconds),
        "peak_rss_mib": round(peak_mib),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "postgres": pg_settings(args.database_url),
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    print(f"{'people':>12} {'database':>10} {'seconds':>9} {'people/s':>9} {'peak RSS MiB':>13}")
    print(f"{args.people:>12,} {result['database']:>10} {seconds:>9.1f} {result['people_per_second']:>9,} {peak_mib:>13,.0f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(f"load average start / end: {result['load_average_start']} / {result['load_average_end']}; PostgreSQL {result['postgres']}")
    (RESULTS / "make_city.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
