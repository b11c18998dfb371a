"""Benchmark: the stock-shortage sweep (`stock.shortages_sweep`, run every minute by the alert
`livelihood.stock_short`) over many warehouses, in its own database.

    .venv/bin/python bench/shortage_sweep.py [--warehouses 100] [--items 30] [--movements 300000]
        [--runs 20] [--database-url postgres://…/bench_sweep] [--keep] [--drop]

Drops and re-creates the named database, migrates it, writes `--warehouses` city warehouses ×
`--items` items with a balance each (a third of them short) and `--movements` movements spread over
30 days (two thirds issues), INSERT … SELECT, then ANALYZE. Runs the sweep once cold (it opens the
shortages), then `--runs` times warm: prints the median and p95 wall time, the Python CPU and the
queries of a warm run, and the load average. `--drop` drops the database afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_sweep"


def fill(connection, warehouses: int, items: int, movements: int) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE livelihood_stockshortage, livelihood_stockmovement, livelihood_stockbalance, livelihood_warehouse, "
            "livelihood_supplyitem RESTART IDENTITY CASCADE"
        )
        cur.execute(
            "INSERT INTO livelihood_supplyitem (created_at, updated_at, code, name, category, unit, low_stock) "
            "SELECT now(), now(), 'B-' || g, '物资 ' || g, 'protective', '件', 50 FROM generate_series(1, %s) g",
            [items],
        )
        cur.execute(
            "INSERT INTO livelihood_warehouse (created_at, updated_at, name, kind) "
            "SELECT now(), now(), '仓库 ' || g, 'city' FROM generate_series(1, %s) g",
            [warehouses],
        )
        cur.execute(
            "INSERT INTO livelihood_stockbalance (warehouse_id, item_id, quantity) "
            "SELECT w.id, i.id, CASE WHEN (w.id + i.id) %% %s = 0 THEN (w.id * 7 + i.id) %% 60 ELSE 5000 + (w.id * i.id) %% 3000 END "
            "FROM livelihood_warehouse w CROSS JOIN livelihood_supplyitem i",
            [3],
        )
        cur.execute(
            "INSERT INTO livelihood_stockmovement (warehouse_id, item_id, kind, quantity, source, batch, counterparty, transfer_key, at) "
            "SELECT w.id, i.id, CASE WHEN g %% 3 = 0 THEN 'receipt' ELSE 'issue' END, "
            "CASE WHEN g %% 3 = 0 THEN 40 ELSE -(1 + g %% 20) END, '', '', '', '', "
            "now() - (g::float / %s) * interval '30 days' "
            "FROM generate_series(1, %s) g "
            "JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM livelihood_warehouse) w ON w.n = g %% %s "
            "JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM livelihood_supplyitem) i ON i.n = (g / %s) %% %s",
            [movements, movements, warehouses, warehouses, items],
        )
        cur.execute("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouses", type=int, default=100)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--movements", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="reuse the database filled by an earlier run")
    parser.add_argument("--refill", action="store_true", help="reuse the migrated database, fill it again")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    args = parser.parse_args()
    from make_city import recreate

    if not (args.keep or args.refill):
        recreate(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangkong.livelihood.models import StockMovement, StockShortage
    from fangkong.livelihood.stock import shortages_sweep

    if not args.keep:
        t = time.perf_counter()
        if not args.refill:
            call_command("migrate", verbosity=0)
        fill(connection, args.warehouses, args.items, args.movements)
        cache.clear()  # ids restart with the refill: no hour sums kept from the last fill
        print(f"built in {time.perf_counter() - t:.0f} s: {StockMovement.objects.count()} movements")
    load_start = os.getloadavg()
    t = time.perf_counter()
    opened, ended = shortages_sweep()
    cold = time.perf_counter() - t
    print(f"cold run: {cold:.2f} s, opened {opened}, ended {ended}, open {StockShortage.objects.filter(ended_at=None).count()}")
    walls, cpus, counts = [], [], []
    for _ in range(args.runs):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as q:
            t, c = time.perf_counter(), time.process_time()
            assert shortages_sweep() == (0, 0)
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        counts.append(len(q.captured_queries))
    walls.sort()
    p95 = walls[max(0, int(len(walls) * 0.95) - 1)]
    print(
        f"{args.warehouses} warehouses × {args.items} items, {args.movements} movements: warm median "
        f"{statistics.median(walls) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, CPU {statistics.median(cpus) * 1000:.0f} ms, "
        f"queries {sorted(set(counts))}; load {load_start[0]:.2f} → {os.getloadavg()[0]:.2f}"
    )
    if args.drop:
        connection.close()
        from urllib.parse import urlparse

        import psycopg

        parsed = urlparse(args.database_url)
        admin = parsed._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
