"""Benchmark: the notification worker's set-based evaluation (issue 15: 10,000 rule evaluations a
minute without falling behind).

    .venv/bin/python bench/notifications.py [--events 10000] [--minutes 3] [--users 3000]
        [--database-url sqlite:///var/bench/notifications.sqlite3 | postgres://…/fangkong_bench_notifications]

An evaluation is one event of one rule matched against its audience (the users whose role receives
the rule, at the grant levels it names, less those who muted it) and written for each recipient,
once. Setup (not timed): a fresh database (the SQLite file is removed and re-created; a PostgreSQL
database is dropped and re-created), migrated; `--users` users with one grant each: community
workers of 1,000 communities (one or two each), grid workers of a grid, 20 district offices, 5 command
centre users (city), one in ten muting the rule. A bench rule is registered whose finder yields
`--events` events a minute over random communities (grid, street, district ids with them): a
positive-in-my-community shape, 10,000 where the issue asks for 10,000 rule evaluations a minute.

For each of `--minutes` simulated minutes: fangkong.notifications.services.deliver_rule over that
minute's events (timed: the audience query, the check of what was already notified, the bulk
insert), then the same minute again (every event already notified: the duplicate path). Then, after
VACUUM ANALYZE (PostgreSQL; ANALYZE on SQLite — autovacuum's work on a live table), the bell's count
(up to 100) and the list page's exact count for the busiest user (p50/p95 of 200 calls each). Prints a table and writes
bench/results/notifications.json (machine, load average at start and end).
"""

# ruff: noqa: E501
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'bench' / 'notifications.sqlite3'}"
COMMUNITIES = 1_000
STREETS_PER_DISTRICT = 10
BENCH_RULE = "bench.positive_in_community"

_events: list = []


def bench_finder(*, since, until):
    """The bench rule's finder: the events prepared for this minute."""
    return list(_events)


def fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def places_of(community: int) -> dict[str, int]:
    street = community // 10
    return {
        "district": 1 + street // STREETS_PER_DISTRICT,
        "street": street,
        "community": community,
        "grid": community * 10 + community % 3,
    }


def build_users(n: int, rng: random.Random) -> int:
    from django.contrib.auth.hashers import make_password

    from fangkong.accounts.models import Grant, User
    from fangkong.notifications.models import Mute

    password = make_password("bench")
    specs = [("command_centre", "city", None) for _ in range(5)]
    specs += [("district_office", "district", 1 + i % (COMMUNITIES // 10 // STREETS_PER_DISTRICT)) for i in range(20)]
    while len(specs) < n:
        c = rng.randrange(COMMUNITIES)
        if rng.random() < 0.8:
            specs.append(("community_worker", "community", c))
        else:
            specs.append(("grid_worker", "grid", places_of(c)["grid"]))
    users = User.objects.bulk_create(
        [User(username=f"bench{i}", role=role, password=password) for i, (role, _, _) in enumerate(specs)], batch_size=1000
    )
    Grant.objects.bulk_create(
        [Grant(user=u, level=level, place_id=pk) for u, (_, level, pk) in zip(users, specs, strict=True)], batch_size=1000
    )
    Mute.objects.bulk_create([Mute(user=u, rule=BENCH_RULE) for u in users if rng.random() < 0.1], batch_size=1000)
    return len(users)


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--minutes", type=int, default=3)
    parser.add_argument("--users", type=int, default=3_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()

    load_start = os.getloadavg()
    fresh_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from fangkong.core.roles import Role, roles
    from fangkong.notifications.models import Notification
    from fangkong.notifications.rules import Event, Message, Rule, rules
    from fangkong.notifications.selectors import unread_count
    from fangkong.notifications.services import deliver_rule

    t = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    rng = random.Random(2022)
    n_users = build_users(args.users, rng)
    setup_s = time.perf_counter() - t

    rule = Rule(
        BENCH_RULE,
        "bench",
        roles(Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.DISTRICT_OFFICE, Role.COMMAND_CENTRE),
        ("city", "district", "community", "grid"),
        "bench_notifications.bench_finder",
        (Message(BENCH_RULE, "阳性", "%(community)s"),),
    )
    sys.modules["bench_notifications"] = sys.modules[__name__]
    rules.register(rule)

    now = timezone.now()
    rows = []
    for minute in range(args.minutes):
        moment = now + dt.timedelta(minutes=minute)
        _events[:] = [
            Event(
                f"m{minute}:e{i}",
                BENCH_RULE,
                moment,
                places_of(c := rng.randrange(COMMUNITIES)),
                {"community": f"社区{c}"},
                "/cases/cases/",
            )
            for i in range(args.events)
        ]
        first = deliver_rule(rule, now=moment, since=moment - dt.timedelta(minutes=1))
        again = deliver_rule(rule, now=moment, since=moment - dt.timedelta(minutes=1))
        rows.append(
            {
                "minute": minute + 1,
                "events": first.events,
                "pairs": first.candidates,
                "written": first.notified,
                "seconds": round(first.seconds, 3),
                "evaluations_per_s": round(first.events / first.seconds),
                "duplicates_seconds": round(again.seconds, 3),
                "duplicates_written": again.notified,
            }
        )
    busiest = (
        Notification.objects.values("recipient_id")
        .order_by()
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
        .order_by("-n")
        .first()
    )

    class U:
        is_authenticated = True
        pk = busiest["recipient_id"]

    from fangkong.notifications.selectors import BELL_CAP

    # Statistics and the visibility map, as autovacuum keeps them on a live table (a freshly COPYed
    # table has neither: PostgreSQL then plans the count blind and reads the heap for every row).
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE notifications_notification" if connection.vendor == "postgresql" else "ANALYZE")

    times, exact = [], []
    for _ in range(200):
        t = time.perf_counter()
        unread_count(U, cap=BELL_CAP)
        times.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        unread_count(U)
        exact.append((time.perf_counter() - t) * 1000)

    print(f"\nnotifications bench — {connection.vendor}, {n_users:,} users, {args.events:,} events a minute (setup {setup_s:.1f} s)")
    print(f"{'minute':>6} {'events':>8} {'pairs':>9} {'written':>9} {'s':>7} {'eval/s':>8} {'again s':>8} {'again written':>14}")
    for r in rows:
        print(
            f"{r['minute']:>6} {r['events']:>8,} {r['pairs']:>9,} {r['written']:>9,} {r['seconds']:>7.2f} {r['evaluations_per_s']:>8,} {r['duplicates_seconds']:>8.2f} {r['duplicates_written']:>14,}"
        )
    per_minute = min(r["evaluations_per_s"] for r in rows) * 60
    print(f"slowest minute: {per_minute:,} evaluations a minute possible (goal 10,000)")
    print(
        f"bell (counted up to {BELL_CAP}) for the busiest user ({busiest['n']:,} unread): p50 {p(times, 50):.2f} ms, p95 {p(times, 95):.2f} ms"
    )
    print(f"exact unread count (the list page): p50 {p(exact, 50):.2f} ms, p95 {p(exact, 95):.2f} ms")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {
        "database": connection.vendor,
        "users": n_users,
        "events_per_minute": args.events,
        "minutes": rows,
        "bell_ms": {"p50": p(times, 50), "p95": p(times, 95), "unread": busiest["n"]},
        "exact_count_ms": {"p50": p(exact, 50), "p95": p(exact, 95)},
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "load_start": load_start, "load_end": os.getloadavg()},
    }
    (RESULTS / "notifications.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
