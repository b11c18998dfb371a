"""Where one request's time goes, page by page, with one user: the read mix of bench/load served
in-process (Django's test client through the whole middleware stack, config.settings.prod, the
database and keys bench/load keeps with --keep-database, Redis database 12 as the cache).

    .venv/bin/python bench/load/breakdown.py [--requests 20] [--out bench/results/load-profile.txt]
        [--database-url …] [--redis-url …] [--var-dir var/bench-load]

The board's snapshot is built before each page (as the worker keeps it each minute in the stack), so
the offices' home page reads it as it does under bench/load. Every page is requested 3 times first
(a worker's first requests), then for each page: the median of --requests requests after 3
warm-ups — wall ms, this process's CPU ms (the application's Python: the primary number on a shared
machine) and the PostgreSQL backend's CPU ms (/proc, same machine; a mean: /proc counts 10 ms
ticks) — split into
  · middleware — before and after the view (sessions, authentication, the second factor's device, …),
  · view — the view's own Python and its queries,
  · template — rendering (and the queries the template runs lazily),
with the number of queries and their time in each part. Then one cProfile of --requests requests per
page, the functions with the most cumulative time, into --out. Run `bench/load --keep-database` once
first (it builds the database and the keys)."""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VAR = ROOT / "var" / "bench-load"


def setup(database_url: str, redis_url: str, var: Path = VAR) -> None:
    keys = dict(line.split("=", 1) for line in (var / "prod-keys.env").read_text().splitlines() if "=" in line)
    sys.path.insert(0, str(ROOT))
    from dev import PROD_DEFAULTS

    os.environ.update({**PROD_DEFAULTS, **keys, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "FANGKONG_VAR_DIR": str(var)})
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.prod"
    os.environ.setdefault("FANGKONG_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    import logging

    logging.getLogger("fangkong.request").setLevel(logging.WARNING)  # one line per request: not here


class Meter:
    """Times the parts of a request: SQL (per part), the view + template (BaseHandler._get_response),
    the template alone (the outermost Template.render)."""

    def __init__(self) -> None:
        self.part = "middleware"
        self.reset()

    def reset(self) -> None:
        self.sql = {"middleware": [0, 0.0], "view": [0, 0.0], "template": [0, 0.0]}
        self.inner = 0.0  # _get_response
        self.template = 0.0

    def execute(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            bucket = self.sql[self.part]
            bucket[0] += 1
            bucket[1] += time.perf_counter() - started

    def install(self) -> None:
        from django.core.handlers.base import BaseHandler
        from django.template.backends.django import Template

        meter = self
        get_response, render = BaseHandler._get_response, Template.render

        def timed_get_response(handler, request):
            started, meter.part = time.perf_counter(), "view"
            try:
                return get_response(handler, request)
            finally:
                meter.inner += time.perf_counter() - started
                meter.part = "middleware"

        def timed_render(template, context=None, request=None):
            if meter.part == "template":
                return render(template, context, request)
            started, previous, meter.part = time.perf_counter(), meter.part, "template"
            try:
                return render(template, context, request)
            finally:
                meter.template += time.perf_counter() - started
                meter.part = previous

        BaseHandler._get_response = timed_get_response
        Template.render = timed_render


def backend_cpu(connection) -> float:
    """CPU seconds the PostgreSQL backend serving `connection` has used (its /proc entry: the server
    runs on this machine), 0.0 where it cannot be read."""
    try:
        if not hasattr(connection, "_fk_backend_stat"):
            connection.ensure_connection()
            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                connection._fk_backend_stat = f"/proc/{cur.fetchone()[0]}/stat"
        fields = Path(connection._fk_backend_stat).read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def pages(database_url: str) -> list[tuple[str, str, str, dict]]:
    """(name, account, method, request kwargs) — the same pages and accounts as the locustfile's."""
    sys.path.insert(0, str(HERE.parent))
    from load.__main__ import knock_path  # bench/load/__main__.py

    return [
        ("overview /", "district", "get", {"path": "/"}),
        ("overview /", "street", "get", {"path": "/"}),
        ("overview /", "community", "get", {"path": "/"}),
        ("door-knocking list", "community", "get", {"path": knock_path(database_url, "community")}),
        ("transfer board /cases/", "district", "get", {"path": "/cases/"}),
        ("transfer board /cases/", "community", "get", {"path": "/cases/"}),
        ("person search", "community", "post", {"path": "/places/people/", "data": {"q": "王"}, "HTTP_HX_REQUEST": "true"}),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/fangkong_bench_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "load-profile.txt"))
    parser.add_argument("--var-dir", default=str(VAR), help="the stack's keys (prod-keys.env) for this database")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-profile", action="store_true", help="the table only (no cProfile pass, nothing written)")
    args = parser.parse_args()
    setup(args.database_url, args.redis_url, Path(args.var_dir))
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from fangkong.reports.snapshot.services import snapshot_build, trends_close

    trends_close(force=True)

    meter = Meter()
    meter.install()
    report = io.StringIO()
    header = (
        f"{'page':<24} {'account':<10} {'total':>7} {'cpu':>6} {'pg cpu':>6} | "
        f"{'middleware':>16} | {'view':>16} | {'template':>16} | queries"
    )
    print(f"load average {os.getloadavg()[0]:.2f}; medians of {args.requests} requests, ms (SQL ms, queries)\n{header}")
    report.write(f"load average {os.getloadavg()[0]:.2f}\n{header}\n")
    User = get_user_model()
    clients: dict[str, Client] = {}
    with connection.execute_wrapper(meter.execute):
        snapshot_build()
        for _name, account, method, kwargs in pages(args.database_url):  # every page once first: a worker's first requests
            if account not in clients:
                clients[account] = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE="zh-hans", SERVER_NAME="127.0.0.1")
                clients[account].force_login(User.objects.get(username=account))
            for _ in range(3):
                getattr(clients[account], method)(**kwargs)
        for name, account, method, kwargs in pages(args.database_url):
            client = clients[account]
            call = getattr(client, method)
            snapshot_build()  # as the worker keeps it: the offices' board reads it
            rows = []
            for i in range(3 + args.requests):
                meter.reset()
                backend0 = backend_cpu(connection)
                started, cpu0 = time.perf_counter(), time.process_time()
                response = call(**kwargs)
                total, cpu = time.perf_counter() - started, time.process_time() - cpu0
                pg_cpu = backend_cpu(connection) - backend0
                assert response.status_code == 200, (name, account, response.status_code)
                if i >= 3:
                    s = meter.sql
                    mw_ms = (total - meter.inner) * 1000
                    view_ms = (meter.inner - meter.template) * 1000
                    rows.append((total * 1000, mw_ms, s["middleware"][1] * 1000, s["middleware"][0], view_ms, s["view"][1] * 1000,
                                 s["view"][0], meter.template * 1000, s["template"][1] * 1000, s["template"][0],
                                 cpu * 1000, pg_cpu * 1000))  # fmt: skip
            med = [statistics.median(col) for col in zip(*rows, strict=True)]
            med[11] = statistics.mean(r[11] for r in rows)  # /proc counts in clock ticks (10 ms): the mean
            queries = int(med[3] + med[6] + med[9])
            parts = " | ".join(f"{med[i]:>6.1f} ({med[i + 1]:>4.1f}, {med[i + 2]:>2.0f})" for i in (1, 4, 7))
            line = f"{name:<24} {account:<10} {med[0]:>7.1f} {med[10]:>6.1f} {med[11]:>6.1f} | {parts} | {queries}"
            print(line, flush=True)
            report.write(line + "\n")
        for name, account, method, kwargs in [] if args.no_profile else pages(args.database_url):
            call = getattr(clients[account], method)
            snapshot_build()
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                call(**kwargs)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(
                r"fangkong/(?!core/(metrics|requestlog|csp|middleware)|accounts/middleware|audit/middleware)", args.top
            )
            report.write(
                f"\n==== {name} as {account}: cProfile of {args.requests} requests, the project's functions by cumulative time ====\n"
            )
            report.write("\n".join(line for line in out.getvalue().splitlines() if line.strip() and "{built-in" not in line) + "\n")
    if not args.no_profile:
        Path(args.out).write_text(report.getvalue())
        print(f"· wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
