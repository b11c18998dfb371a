"""Benchmark: the 三快一严 board (issue 15, "Scale and speed") — the board for the city and for a
district with a full round, 50,000 cases and 400,000 contacts loaded.

    .venv/bin/python bench/command.py [--people 1000000] [--cases 50000] [--sites 2000] [--rooms 100000]
        [--probes 30] [--snapshot-runs 3] [--minute 300] [--skip-live] [--skip-notifications]
        [--database-url postgres://…/fangkong_bench_command] [--keep-database | --reuse-database] [--json PATH]

1. Setup (not timed as a stage; its times are recorded; skipped with --reuse-database, which reads
   a database kept by an earlier run with --keep-database): its own PostgreSQL database (dropped and
   re-created), migrated; the synthetic city of `--people` (bench/testing_round.build_city, COPY);
   risk areas and a full testing round sampled yesterday with some tubes still without a result
   (bench/zoning.load_inputs: 20,000 buildings in force at 3.5 M people, in proportion below);
   `--cases` cases confirmed over the past days, 10,000 of them awaiting transfer
   (bench/transfer_board.build_cases); `--sites` isolation sites with `--rooms` rooms through the
   services, filled by 400,000 close contacts (3 per family room, 8 per dormitory room) traced over
   the last ten days through the bulk services (bench/isolation.plan_contacts and the tracing /
   check-in bulk services), plus 20,000 contacts identified over the past 30 hours and not
   isolated (the earlier ones overdue). Then VACUUM ANALYZE. In both modes, once per database: the
   city's offices and workers (bench/command_worker.office_accounts: every district, street,
   community and grid, 20 laboratories — the alerts' audience and the offices' kept trend days).
2. Probes: the board as the page draws it (`reports:board`, the fragment the home page refreshes
   every 60 s: every step's figures, the 14-day trends, the owners' table and the escalated items),
   over HTTP through Django's test client (sessions, middleware, templates), `--probes` times for
   the command centre (city) and for a district office (the most populous district): p50 / p95 /
   max — live (no snapshot; unless --skip-live), then from the worker's snapshot: every drawing is
   checked to read a snapshot at most 2 minutes old ("截至 HH:MM" and its id in the links; built
   again before a user's probes if older). Once per figure, the time of its count alone (to see
   which is slow). Before the probes, the worker's lifting review runs once (timed apart): the 严管
   row reads the figures it keeps.
3. The board's snapshot as the worker builds it each minute (bench/command_worker.snapshot_runs):
   `--snapshot-runs` runs of snapshot_build + trends_close (the first after deleting the kept trend
   days, forced: the day's first build, `manage.py board_snapshot --trends`): wall, process CPU,
   PostgreSQL backend CPU, machine CPU, `built_seconds`, rows, trend days kept.
4. The notification worker's per-minute pass (bench/command_worker.notification_pass), in one
   transaction rolled back at the end: a synthetic busy minute (`--minute` new positives through
   the service, transfers overdue, late items crossing the escalation threshold, flags; 10× as
   many tubes overdue at 20 laboratories; a fifth as many areas due to lift and forged scans), then
   every registered rule — its finder over the minute; the worker's pass (deliver_rule from a
   watermark a minute old, with its 5-minute overlap): seconds, finder seconds, events,
   (event, recipient) pairs evaluated, notifications written; the next minute's pass (all found
   again, none new); a day's catch-up (since now − 1 day). Capacity: pairs evaluated per second of
   pass time × 60 (the issue: 10,000 rule evaluations a minute).
5. Prints tables; writes bench/results/command.json (machine, load average at start and end,
   PostgreSQL's settings, the sizes, every number above). Drops its database unless --keep-database
   (a --reuse-database run never drops it).
"""

# ruff: noqa: E501
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fangkong_bench_command"
FULL_CITY, FULL_BUILDINGS = 3_500_000, 20_000
AWAITING_CONTACTS = 20_000
TRACING_DAYS = 10


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def load_contacts(command, cases: list[tuple], plan: list[tuple], spare: list[int], now: dt.datetime, batch: int) -> dict:
    """The plan's contacts traced over the last TRACING_DAYS days (one call per batch, the calls
    spread over the days) and checked in an hour after; then AWAITING_CONTACTS identified over the
    past 30 hours, not isolated."""
    from fangkong.isolation.choices import ExposureType
    from fangkong.isolation.services import BulkCheckIn, episodes_check_in_bulk
    from fangkong.isolation.tracing.contacts_bulk import BulkContact, contacts_add_bulk

    rng = random.Random(15)
    exposures = list(ExposureType.values)
    calls = [plan[i : i + batch] for i in range(0, len(plan), batch)]
    seconds = {"contacts_add_bulk": 0.0, "episodes_check_in_bulk": 0.0}
    for k, chunk in enumerate(calls):
        identified = now - dt.timedelta(days=TRACING_DAYS) + dt.timedelta(days=TRACING_DAYS * k / len(calls)) + dt.timedelta(hours=1)
        rows = []
        for i, (pid, _room, _party) in enumerate(chunk):
            case = cases[(k * batch + i) % len(cases)]
            last = min(case[2], identified) - dt.timedelta(hours=rng.randint(1, 48))
            rows.append(
                BulkContact(
                    person_id=pid, case_id=case[0], exposure=rng.choice(exposures), place=f"基准接触地点{i % 997}", last_exposure_at=last
                )
            )
        t = time.perf_counter()
        report = contacts_add_bulk(actor=command, rows=rows, identified_at=identified)
        seconds["contacts_add_bulk"] += time.perf_counter() - t
        t = time.perf_counter()
        episodes_check_in_bulk(
            actor=command,
            assignments=[BulkCheckIn(report.episode_of[p], r, party) for p, r, party in chunk],
            at=min(identified + dt.timedelta(hours=1), now),
        )
        seconds["episodes_check_in_bulk"] += time.perf_counter() - t
        log(f"contacts: call {k + 1}/{len(calls)} identified {identified:%m-%d %H:%M}Z")
    waves = 10
    per_wave = -(-AWAITING_CONTACTS // waves)
    awaiting = spare[:AWAITING_CONTACTS]
    for w in range(waves):
        at = now - dt.timedelta(hours=30) + dt.timedelta(hours=29 * w / (waves - 1))
        chunk = awaiting[w * per_wave : (w + 1) * per_wave]
        rows = []
        for pid in chunk:
            case = rng.choice(cases)
            rows.append(BulkContact(pid, case[0], ExposureType.HOUSEHOLD, "基准聚集点", min(case[2], at) - dt.timedelta(hours=2)))
        if rows:
            contacts_add_bulk(actor=command, rows=rows, identified_at=at)
    return {"isolated": len(plan), "awaiting": len(awaiting), "seconds": seconds}


def probe_board(client, url: str, n: int, drawn_from=None) -> list[float]:
    """`n` drawings of the board, ms. With `drawn_from` (a content check), each must pass it."""
    out = []
    for _ in range(n):
        t = time.perf_counter()
        answer = client.get(url)
        out.append((time.perf_counter() - t) * 1000)
        assert answer.status_code == 200, answer.status_code
        assert drawn_from is None or drawn_from(answer.content), "the board was not drawn from the fresh snapshot"
    return out


def figure_times(user, now) -> dict[str, float]:
    """Each figure's count (or stat) alone, ms: where the board's time goes."""
    from fangkong.core.board import Figure
    from fangkong.reports import board

    out = {}
    for step, figures in board.steps():
        for f in figures:
            t = time.perf_counter()
            if isinstance(f, Figure):
                board.figure_count(f, user=user, now=now)
            else:
                f.value(user, now)
            out[f"{step.key}.{f.key}"] = round((time.perf_counter() - t) * 1000, 1)
        t = time.perf_counter()
        board.import_string(step.trend)(user, board.local_date(now))
        out[f"{step.key}.trend"] = round((time.perf_counter() - t) * 1000, 1)
        if step.closed_days:  # with the closed days kept, only today is counted live
            t = time.perf_counter()
            board.import_string(step.trend)(user, board.local_date(now), days=[board.local_date(now)])
            out[f"{step.key}.trend_today"] = round((time.perf_counter() - t) * 1000, 1)
    for name, fn in (("late_rows", board.late_rows),):
        t = time.perf_counter()
        fn(user=user, now=now)
        out[name] = round((time.perf_counter() - t) * 1000, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--sites", type=int, default=2_000)
    parser.add_argument("--rooms", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--probes", type=int, default=30)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument(
        "--reuse-database", action="store_true", help="skip the setup: probe a database kept by an earlier run (kept again)"
    )
    parser.add_argument("--json", default=str(RESULTS / "command.json"))
    parser.add_argument("--skip-live", action="store_true", help="probe only the snapshot's board (the live one takes seconds per drawing)")
    parser.add_argument(
        "--snapshot-runs", type=int, default=3, help="timed runs of the worker's snapshot build (the first with the trend days)"
    )
    parser.add_argument(
        "--minute", type=int, default=300, help="the synthetic minute's size: positives, overdue transfers, escalations, flags"
    )
    parser.add_argument("--skip-notifications", action="store_true", help="no notification pass")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("PostgreSQL only")
    load_start = os.getloadavg()
    log(f"load average at start: {load_start}")

    from command_worker import (
        fresh_snapshot,
        notification_pass,
        office_accounts,
        print_notifications,
        print_snapshot,
        reads_snapshot,
        snapshot_runs,
    )
    from isolation import account, build_sites, plan_contacts
    from testing_round import build_city, make_database, pg_settings
    from transfer_board import build_cases, drop_database

    if not args.reuse_database:
        make_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from fangkong.accounts.models import User
    from fangkong.cases.models import Case
    from fangkong.core.roles import Role
    from fangkong.geo.models import District, Person

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    out: dict = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(), "shared": True}}
    setup: dict = {}
    out["setup"] = setup
    try:
        if not args.reuse_database:
            call_command("migrate", verbosity=0)
            t = time.perf_counter()
            setup["city"] = build_city(args.people)
            setup["city_seconds"] = round(time.perf_counter() - t, 1)
            log(f"city {setup['city']} in {setup['city_seconds']}s")
            with connection.cursor() as cur:  # this machine's server runs without autovacuum: without
                cur.execute("ANALYZE")  # statistics the areas' resident triggers scan every person per area
            from zoning import evaluation_time, load_inputs

            buildings = max(1, round(FULL_BUILDINGS * args.people / FULL_CITY))
            setup["round_and_areas"] = load_inputs(SimpleNamespace(buildings=buildings), evaluation_time())
            log(f"round and areas: {setup['round_and_areas']}")
            now = timezone.now()
            t = time.perf_counter()
            setup["cases"] = build_cases(cases=args.cases, awaiting=min(10_000, args.cases // 5), facilities=300, now=now)
            setup["cases_seconds"] = round(time.perf_counter() - t, 1)
            log(f"cases in {setup['cases_seconds']}s")
            command = account("bench-command", Role.COMMAND_CENTRE, "city")
            t = time.perf_counter()
            rooms = build_sites(command, sites=args.sites, rooms=args.rooms)
            cases = list(Case.objects.order_by("id").values_list("id", "person_id", "confirmed_at"))
            plan, spare = plan_contacts(rooms["hotel_rooms"], rooms["dorm_rooms"], {c[1] for c in cases})
            setup["sites_seconds"] = round(time.perf_counter() - t, 1)
            log(f"{len(plan):,} contacts planned, {len(spare):,} spare")
            t = time.perf_counter()
            setup["contacts"] = load_contacts(command, cases, plan, spare, timezone.now(), args.batch)
            setup["contacts_seconds"] = round(time.perf_counter() - t, 1)
            log(f"contacts {setup['contacts']} in {setup['contacts_seconds']}s")
            with connection.cursor() as cur:
                cur.execute("VACUUM ANALYZE")
        else:
            call_command("migrate", verbosity=0)  # a kept database gets this version's tables (the board's snapshot)
            command = User.objects.get(username="bench-command")
        out["accounts"] = office_accounts()  # the offices and workers: the alerts' audience, the offices' trend days
        log(f"accounts: {out['accounts']}")
        busiest = Person.objects.values("district_id").annotate(n=Count("id")).order_by("-n")[0]["district_id"]
        district = District.objects.get(pk=busiest)
        office = User.objects.filter(username="bench-district").first() or account(
            "bench-district", Role.DISTRICT_OFFICE, "district", district.pk
        )
        with connection.cursor() as cur:
            cur.execute(
                "SELECT (SELECT COUNT(*) FROM geo_person), (SELECT COUNT(*) FROM cases_case), (SELECT COUNT(*) FROM isolation_contact), "
                "(SELECT COUNT(*) FROM testing_tubemember), (SELECT COUNT(*) FROM zoning_riskarea), (SELECT COUNT(*) FROM isolation_isolationepisode)"
            )
            people, cases_n, contacts_n, members_n, areas_n, episodes_n = cur.fetchone()
            cur.execute("SELECT COUNT(*) FROM geo_person WHERE district_id = %s", [district.pk])
            district_people = cur.fetchone()[0]
        out["sizes"] = {
            "people": people, "cases": cases_n, "contacts": contacts_n, "episodes": episodes_n, "round_members": members_n,
            "risk_areas": areas_n, "district": district.name, "district_people": district_people,
        }  # fmt: skip
        log(f"sizes: {out['sizes']}")
        out["postgres"] = pg_settings(connection)
        # The worker's lifting review (every 10 minutes in production): it keeps each area's figures,
        # which the board's 严管 row then reads instead of evaluating every area on each drawing.
        from fangkong.zoning.services import lifting_review

        t = time.perf_counter()
        lifting_review(actor="bench")
        out["lifting_review_seconds"] = round(time.perf_counter() - t, 2)
        log(f"lifting review (the worker, every 10 min): {out['lifting_review_seconds']} s")
        now = timezone.now()
        out["figures_ms"] = {"city": figure_times(command, now), "district": figure_times(office, now)}
        log(f"figures (ms): {out['figures_ms']}")
        url = reverse("reports:board")
        from fangkong.reports.models import BoardSnapshot

        def probes(label: str, snapshot: bool = False) -> dict:
            results = {}
            for who, user in (("city", command), ("district", office)):
                check = None
                if snapshot:  # every drawing reads a snapshot at most 2 minutes old (built again first if older)
                    snap, rebuilt = fresh_snapshot()
                    out.setdefault("snapshot_rebuilt_before_probes", {})[who] = rebuilt
                    check = lambda content, snap=snap: reads_snapshot(content, snap)  # noqa: E731
                client = Client()
                client.force_login(user)
                probe_board(client, url, 1, check)  # warm
                ms = probe_board(client, url, args.probes, check)
                results[who] = {"n": len(ms), "p50": round(pct(ms, 50), 1), "p95": round(pct(ms, 95), 1), "max": round(max(ms), 1)}
                if snapshot:
                    results[who] |= {"snapshot": snap.pk, "snapshot_age_s": round((timezone.now() - snap.taken_at).total_seconds(), 1)}
                log(f"board {label} {who}: {results[who]}")
            return results

        # Live: no snapshot (a stopped worker), every figure and the 14 days of each trend evaluated.
        BoardSnapshot.objects.all().delete()
        if not args.skip_live:
            out["board_live_ms"] = probes("live")
        # The worker's snapshot (each minute) and the closed trend days (the day's first build keeps
        # every office's): timed --snapshot-runs times, the first with the trend days.
        out["board_snapshot"] = snapshot_runs(args.snapshot_runs)
        first, last = out["board_snapshot"]["runs"][0], out["board_snapshot"]["runs"][-1]
        out["snapshot_build_seconds"] = first["built_seconds"]
        out["snapshot_rows"] = last["rows"]
        out["trend_days_kept"] = first["trend_days_kept"]
        out["trends_close_seconds"] = first["trends_close"]["wall_seconds"]
        out["snapshot_build_again_seconds"] = last["built_seconds"]
        print_snapshot(out["board_snapshot"])
        out["board_ms"] = probes("snapshot", snapshot=True)
        # The drill-down from the same snapshot: the city's breakdown and the first page of a list.
        drill = reverse("reports:board_drill")
        for who, user, query in (
            ("city", command, {"figure": "isolation.isolation_overdue", "level": "city"}),
            ("district list", office, {"figure": "isolation.isolation_overdue", "level": "district", "place": district.pk, "list": "1"}),
        ):
            client = Client()
            client.force_login(user)
            ms = []
            for _ in range(args.probes + 1):
                t = time.perf_counter()
                assert client.get(drill, query).status_code == 200
                ms.append((time.perf_counter() - t) * 1000)
            ms = ms[1:]
            out.setdefault("drill_ms", {})[who] = {"n": len(ms), "p50": round(pct(ms, 50), 1), "p95": round(pct(ms, 95), 1)}
            log(f"drill {who}: {out['drill_ms'][who]}")
        out["load_average_probes"] = os.getloadavg()
        if not args.skip_notifications:
            # The notification worker's per-minute pass over a synthetic busy minute (rolled back).
            log(f"notifications: a synthetic minute ({args.minute} per kind), then every rule's pass")
            out["notifications"] = notification_pass(command, args.minute)
            out["load_average_notifications"] = os.getloadavg()
            print_notifications(out["notifications"])
    finally:
        out["load_average"] = {"start": load_start, "end": os.getloadavg()}
        Path(args.json).write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str) + "\n")
        if not (args.keep_database or args.reuse_database):  # a reused database is kept
            connection.close()
            drop_database(args.database_url)
    summary = {k: out.get(k) for k in ("sizes", "board_ms", "drill_ms", "load_average")}
    if "board_snapshot" in out:
        summary["snapshot_runs"] = [
            {
                k: r[k]
                for k in ("run", "trends", "wall_seconds", "built_seconds", "process_cpu_seconds", "backend_cpu_seconds", "trend_days_kept")
            }
            for r in out["board_snapshot"]["runs"]
        ]
    if "notifications" in out:
        summary["notification_passes"] = {k: out["notifications"][k]["total"] for k in ("pass", "pass_next_minute", "pass_day")}
    print(json.dumps(summary, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
