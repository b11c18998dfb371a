"""Benchmark: 民生保障 at city scale in its own database — voucher eligibility over the whole city
(set-based), a community's ledger page, a warehouse's balance page, and concurrent issuers.

    .venv/bin/python bench/livelihood.py [--people 3500000] [--movements 1000000] [--ledger 100000] [--keep-city]
        [--database-url postgres://…/fangkong_livebench]

Drops and re-creates the named database, migrates it, builds the synthetic city (make_city, which
fills geo.PersonWelfare from the tags), then times in this process:
1. `eligibility.eligible_people` over everyone (the run's decision for each person) — wall time and
   how many are eligible, by rule;
2. the ledger of the first community built from the tags, then filled (INSERT … SELECT, not timed) to
   `--ledger` residents **in that one community** (the worst case for its page: the issue's 100,000
   ledger residents on one page's community), 80 % of them paired (1,000 members of one work group),
   and its page's selectors (`ledger_list`[:LEDGER_PER_PAGE] (100 a page) + `member_pairings` + `pairing_figures`, as the page
   reads them), median and p95 of 20 reads; then the whole page (the view through Django's test
   client: middleware, every read, the template), median and p95 of 20;
3. a warehouse with `--movements` stock movements (INSERT … SELECT, spread over 30 days), its balance
   page's read (`warehouse_balances` + `movements`), median and p95 of 20 reads — and of 20 first
   reads in an hour (the hour's 7-day use not yet kept: each at another hour); EXPLAIN (ANALYZE,
   BUFFERS) of the 7-day use summed in one query and of the ledger page's list, into the JSON;
4. 20 threads issuing the same item at once: negative balances (must be 0) and balance = sum.
Prints a table and writes bench/results/livelihood.json with the load average at start and end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fangkong_livebench"


def timed(fn, n: int = 20) -> tuple[float, float]:
    runs = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    runs.sort()
    return statistics.median(runs), runs[max(0, int(len(runs) * 0.95) - 1)]


def _week_use_sql(warehouse_id: int) -> str:
    """The balance page's 7 days' use as one query over the whole window (what it read before)."""
    return (
        f"SELECT item_id, sum(quantity) FROM livelihood_stockmovement WHERE warehouse_id = {int(warehouse_id)} "
        "AND at >= now() - interval '7 days' AND kind IN ('issue', 'transfer_out') GROUP BY item_id"
    )


def explain(connection, sql: str, params: tuple = ()) -> list[str]:
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params or None)
        return [r[0] for r in cur.fetchall()]


def fill_ledger(connection, community, total: int) -> None:
    """Top the community's ledger up to `total` residents (people of the city not yet on a ledger,
    by id), with one work group of 1,000 members pairing 80 % of them (一对多); then ANALYZE."""
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM livelihood_ledgerentry WHERE community_id = %s", [community.pk])
        missing = total - cur.fetchone()[0]
        if missing > 0:
            cur.execute(
                "INSERT INTO livelihood_ledgerentry (created_at, updated_at, categories, needs, contact_name, contact_phone_cipher, "
                "contact_phone_hash, contact_phone_masked, can_order_by_phone, source, status, notes, district_id, street_id, "
                "community_id, person_id) "
                "SELECT now(), now(), '[\"elderly_alone\"]', '[\"food\", \"medicine\"]', '', '', '', '', p.id %% 3 <> 0, 'survey', "
                "'active', '', %s, %s, %s, p.id FROM geo_person p "
                "WHERE NOT EXISTS (SELECT 1 FROM livelihood_ledgerentry e WHERE e.person_id = p.id) ORDER BY p.id LIMIT %s",
                [community.district_id, community.street_id, community.pk, missing],
            )
        cur.execute("SELECT 1 FROM livelihood_servicegroup WHERE community_id = %s AND name = 'bench 上门服务工作组'", [community.pk])
        if cur.fetchone():  # filled by an earlier run (--keep-city)
            return
        cur.execute("SELECT id FROM geo_compound WHERE community_id = %s ORDER BY id LIMIT 1", [community.pk])
        compound = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO livelihood_servicegroup (created_at, updated_at, compound_id, name, district_id, street_id, community_id) "
            "VALUES (now(), now(), %s, 'bench 上门服务工作组', %s, %s, %s) RETURNING id",
            [compound, community.district_id, community.street_id, community.pk],
        )
        group = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO livelihood_groupmember (created_at, updated_at, group_id, kind, name, phone_cipher, phone_hash, phone_masked) "
            "SELECT now(), now(), %s, 'cadre', '成员' || g, '', '', '' FROM generate_series(1, 1000) g RETURNING id",
            [group],
        )
        members = [r[0] for r in cur.fetchall()]
        cur.execute(
            "INSERT INTO livelihood_pairing (created_at, updated_at, member_id, entry_id) "
            "SELECT now(), now(), (%s::bigint[])[1 + (e.id %% 1000)], e.id FROM livelihood_ledgerentry e "
            "WHERE e.community_id = %s AND e.id %% 5 <> 0 "
            "AND NOT EXISTS (SELECT 1 FROM livelihood_pairing x WHERE x.entry_id = e.id AND x.ended_at IS NULL)",
            [members, community.pk],
        )
        cur.execute("ANALYZE livelihood_ledgerentry; ANALYZE livelihood_pairing; ANALYZE livelihood_groupmember")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3_500_000)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--ledger", type=int, default=100_000, help="ledger residents in the measured community")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep-city", action="store_true", help="reuse the database and its city from an earlier run")
    args = parser.parse_args()
    from make_city import pg_settings, recreate

    if not args.keep_city:
        recreate(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q

    load_start = os.getloadavg()
    call_command("migrate", verbosity=0)
    from fangkong.geo.models import Person

    t = time.perf_counter()
    if not (args.keep_city and Person.objects.exists()):
        call_command("make_city", people=args.people, no_progress=True, verbosity=0)
    city_s = time.perf_counter() - t
    run = str(int(time.time()))

    from fangkong.accounts.models import GrantLevel
    from fangkong.accounts.services.service_accounts import service_account
    from fangkong.core.clock import now
    from fangkong.core.roles import Role
    from fangkong.geo.models import Community, PersonWelfare
    from fangkong.livelihood.choices import ReceiptSource, WarehouseKind
    from fangkong.livelihood.eligibility import eligible_people
    from fangkong.livelihood.models import Pairing, StockBalance, StockMovement, SupplyItem, Warehouse
    from fangkong.livelihood.selectors import ledger_list, member_pairings, pairing_figures
    from fangkong.livelihood.services.ledger import entries_from_registry
    from fangkong.livelihood.services.stock import stock_issue, stock_receive
    from fangkong.livelihood.services.vouchers import programme_add
    from fangkong.livelihood.stock import ledger_mismatches, movements, warehouse_balances
    from fangkong.livelihood.views import LEDGER_PER_PAGE

    office = service_account("bench-livelihood", Role.DISTRICT_OFFICE, "bench", level=GrantLevel.CITY, reason="bench")
    programme = programme_add(actor=office, name=f"bench {run}", place=None)
    t = time.perf_counter()
    by_rule: dict[str, int] = {}
    for _pid, rule, _places in eligible_people(programme, Q()):
        by_rule[rule] = by_rule.get(rule, 0) + 1
    eligibility_s = time.perf_counter() - t

    community = Community.objects.order_by("id").first()
    worker = service_account(
        "bench-community", Role.COMMUNITY_WORKER, "bench", level=GrantLevel.COMMUNITY, place_id=community.pk, reason="bench"
    )
    entries_from_registry(actor=worker, community=community)
    from fangkong.livelihood.models import LedgerEntry

    t = time.perf_counter()
    fill_ledger(connection, community, args.ledger)
    ledger_fill_s = time.perf_counter() - t
    ledger_n = LedgerEntry.objects.filter(community=community).count()
    paired_n = Pairing.objects.filter(entry__community=community, ended_at__isnull=True).count()

    def ledger_page() -> None:
        entries = list(ledger_list(user=worker, community_id=community.pk)[:LEDGER_PER_PAGE])
        member_pairings(e.pk for e in entries)
        pairing_figures(user=worker, community_id=community.pk)

    ledger_p50, ledger_p95 = timed(ledger_page)
    # The whole page as the worker's browser gets it (middleware, the view's every read, the template).
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(worker)
    page = f"/livelihood/community/{community.pk}/"
    assert client.get(page).status_code == 200
    view_p50, view_p95 = timed(lambda: client.get(page))

    store = Warehouse.objects.create(name=f"bench 仓库 {run}", kind=WarehouseKind.CITY)
    items = [
        SupplyItem.objects.create(code=f"B{run}-{i}", name=f"物资{i}", category="protective", unit="件", low_stock=10) for i in range(20)
    ]
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO livelihood_stockmovement (warehouse_id, item_id, kind, quantity, source, batch, counterparty, transfer_key, at) "
            "SELECT %s, %s + (g %% 20), CASE WHEN (g / 20) %% 2 = 0 THEN 'receipt' ELSE 'issue' END, "
            "CASE WHEN (g / 20) %% 2 = 0 THEN 3 ELSE -1 END, "
            "'', '', '', '', now() - (g %% 30) * interval '1 day' FROM generate_series(1, %s) g",
            [store.pk, items[0].pk, args.movements],
        )
        cur.execute(
            "INSERT INTO livelihood_stockbalance (warehouse_id, item_id, quantity) SELECT warehouse_id, item_id, sum(quantity) "
            "FROM livelihood_stockmovement WHERE warehouse_id = %s GROUP BY warehouse_id, item_id",
            [store.pk],
        )
        cur.execute("ANALYZE livelihood_stockmovement")
    fill_s = time.perf_counter() - t
    stock_p50, stock_p95 = timed(lambda: (warehouse_balances(store), movements(store)))
    # The same page when the hour's sum is not kept yet (the first read of a warehouse in an hour):
    # 20 different hours, each a miss, so nothing kept is read.
    hours = iter(range(1, 100))
    cold_p50, cold_p95 = timed(lambda: (warehouse_balances(store, at=now() - dt.timedelta(hours=next(hours))), movements(store)))
    plans = {
        "balance_week_use": explain(connection, _week_use_sql(store.pk)),
        "ledger_page": explain(connection, *ledger_list(user=worker, community_id=community.pk)[:LEDGER_PER_PAGE].query.sql_with_params()),
    }

    keeper = service_account("bench-stock", Role.COMMAND_CENTRE, "bench", level=GrantLevel.CITY, reason="bench")
    item = SupplyItem.objects.create(code=f"RACE-{run}", name="竞争物资", category="protective", unit="件")
    stock_receive(actor=keeper, warehouse=store, item=item, quantity=100, source=ReceiptSource.PURCHASE)
    barrier, outcomes = threading.Barrier(20), []

    def issue(i: int) -> None:
        try:
            barrier.wait()
            stock_issue(actor=keeper, warehouse=store, item=item, quantity=7, to_unit=f"单位{i}")
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(20)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    negative = StockBalance.objects.filter(quantity__lt=0).count()
    mismatches = len(ledger_mismatches(store))

    result = {
        "people": args.people,
        "welfare_rows": PersonWelfare.objects.count(),
        "make_city_s": round(city_s, 1),
        "eligibility_s": round(eligibility_s, 2),
        "eligible": sum(by_rule.values()),
        "eligible_by_rule": by_rule,
        "ledger_entries": ledger_n,
        "ledger_paired": paired_n,
        "ledger_fill_s": round(ledger_fill_s, 1),
        "ledger_page_ms": {"p50": round(ledger_p50, 1), "p95": round(ledger_p95, 1)},
        "ledger_view_ms": {"p50": round(view_p50, 1), "p95": round(view_p95, 1)},
        "movements": StockMovement.objects.filter(warehouse=store).count(),
        "movement_fill_s": round(fill_s, 1),
        "balance_page_ms": {"p50": round(stock_p50, 1), "p95": round(stock_p95, 1)},
        "balance_page_first_read_in_hour_ms": {"p50": round(cold_p50, 1), "p95": round(cold_p95, 1)},
        "explain": plans,
        "concurrent_issuers": {
            "issued": outcomes.count("ok"),
            "refused": len(outcomes) - outcomes.count("ok"),
            "negative": negative,
            "mismatches": mismatches,
        },
        "load_start": load_start,
        "load_end": os.getloadavg(),
        "postgres": pg_settings(args.database_url),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "livelihood.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
