"""Where one request's time goes, page by page, with one user: the read mix of bench/load served
in-process (Django's test client through the whole middleware stack, config.settings.prod, the
database and keys bench/load keeps with --keep-database, Redis database 12 as the cache).

    .venv/bin/python bench/load/breakdown.py [--requests 20] [--out bench/results/load-profile.txt]

For each page: the median of --requests requests after 3 warm-ups, split into
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


def setup(database_url: str, redis_url: str) -> None:
    keys = dict(line.split("=", 1) for line in (VAR / "prod-keys.env").read_text().splitlines() if "=" in line)
    sys.path.insert(0, str(ROOT))
    from dev import PROD_DEFAULTS

    os.environ.update({**PROD_DEFAULTS, **keys, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "FANGKONG_VAR_DIR": str(VAR)})
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


def pages(database_url: str) -> list[tuple[str, str, str, dict]]:
    """(name, account, method, request kwargs) — the same pages and accounts as the locustfile's."""
    sys.path.insert(0, str(HERE.parent))
    from load.__main__ import knock_path  # bench/load/__main__.py

    return [
        ("overview /", "district", "get", {"path": "/"}),
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
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    setup(args.database_url, args.redis_url)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    meter = Meter()
    meter.install()
    report = io.StringIO()
    header = f"{'page':<24} {'account':<10} {'total':>7} | {'middleware':>16} | {'view':>16} | {'template':>16} | queries"
    print(f"load average {os.getloadavg()[0]:.2f}; medians of {args.requests} requests, ms (SQL ms, queries)\n{header}")
    report.write(f"load average {os.getloadavg()[0]:.2f}\n{header}\n")
    User = get_user_model()
    clients: dict[str, Client] = {}
    with connection.execute_wrapper(meter.execute):
        for name, account, method, kwargs in pages(args.database_url):
            if account not in clients:
                clients[account] = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE="zh-hans", SERVER_NAME="127.0.0.1")
                clients[account].force_login(User.objects.get(username=account))
            client = clients[account]
            call = getattr(client, method)
            rows = []
            for i in range(3 + args.requests):
                meter.reset()
                started = time.perf_counter()
                response = call(**kwargs)
                total = time.perf_counter() - started
                assert response.status_code == 200, (name, account, response.status_code)
                if i >= 3:
                    s = meter.sql
                    mw_ms = (total - meter.inner) * 1000
                    view_ms = (meter.inner - meter.template) * 1000
                    rows.append((total * 1000, mw_ms, s["middleware"][1] * 1000, s["middleware"][0], view_ms, s["view"][1] * 1000,
                                 s["view"][0], meter.template * 1000, s["template"][1] * 1000, s["template"][0]))  # fmt: skip
            med = [statistics.median(col) for col in zip(*rows, strict=True)]
            queries = int(med[3] + med[6] + med[9])
            parts = " | ".join(f"{med[i]:>6.1f} ({med[i + 1]:>4.1f}, {med[i + 2]:>2.0f})" for i in (1, 4, 7))
            line = f"{name:<24} {account:<10} {med[0]:>7.1f} | {parts} | {queries}"
            print(line, flush=True)
            report.write(line + "\n")
        for name, account, method, kwargs in pages(args.database_url):
            call = getattr(clients[account], method)
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
    Path(args.out).write_text(report.getvalue())
    print(f"· wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
