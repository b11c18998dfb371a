"""Benchmark: 快隔 at the scale of issue 5 — 400,000 close contacts traced, isolated and checked in
with the regimen, then the pages' selectors with that data loaded.

    .venv/bin/python bench/isolation.py [--sites 2000] [--rooms 100000] [--sample 5000] [--batch 20000]
        [--awaiting 20000] [--probes 50] [--database-url postgres://…/fangkong_bench_isolation] [--keep-database]

1. Setup (not a stage; timed for the record): a separate PostgreSQL database (dropped and
   re-created), migrated; a synthetic city (bench/testing_round.build_city, COPY); 4,000 cases
   confirmed over the past three days, waiting for transfer (bench/transfer_board.build_cases);
   `--sites` isolation sites with `--rooms` rooms through services.site_create and
   services.room_create_many: four sites in five are hotels of family rooms (4 beds) for whole
   households, one in five a dormitory of 8-bed rooms for work groups that share a room (party
   `group:…`). Contacts = 3 × hotel rooms + 8 × dormitory rooms (400,000 with the defaults), every
   room filled by one party. One case has 339 contacts (the root of the cluster below), the others
   ~100 each.
2. Stage "regimens", single path: `--sample` contacts one at a time through tracing.services.contact_add
   (流调 records the contact and opens the episode, due the same day) and services.episode_check_in
   (the room and the regimen of the active policy, 20 measures: six scheduled tests), each call
   its own transaction as a page makes it; model instances loaded beforehand. Extrapolated to all
   contacts and labelled as such. The sample's rows are then deleted (not timed) so that:
3. Stage "regimens", bulk path: every contact through tracing.contacts_bulk.contacts_add_bulk (`--batch` rows a
   call), then services.episodes_check_in_bulk (`--batch` a call) — the same rules, set-based, COPY;
   `--workers` calls side by side (forked processes, one connection and transaction each).
4. Probe data (not timed): three of the root case's contacts test positive on day 1
   (services.test_record → 快转 opens their cases), each with 220 new contacts of their own
   (contacts_add_bulk): a cluster of 1,000 people. `--awaiting` more contacts identified over the
   past 30 hours, not yet isolated (the 日清日结 board; the earlier ones overdue). ANALYZE.
5. Probes, p50/p95 of `--probes` calls each: selectors.site_day_sheet (a site's staff, a random site
   and a random day of the central phase); the awaiting board's first page as the page runs it
   (selectors.awaiting_isolation_board: count, overdue count, the first 50 rows with their contacts
   and cases), for the command centre (city) and a district office; tracing.selectors.cluster_graph
   on the 1,000-person cluster (command centre).
Prints a table, writes bench/results/isolation.json (machine, load average at start and end) and
drops the database (unless --keep-database).
"""

# ruff: noqa: E501
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fangkong_bench_isolation"
CASES = 4_000
ROOMS_PER_SITE = 50
DORMITORY_EVERY = 5  # one site in five
HOUSEHOLD_BEDS, GROUP_BEDS = 4, 8
HOUSEHOLD, GROUP = 3, 8  # people per party
ROOT_CONTACTS = 339  # 1 + 339 + 3 × 220 = 1,000 people in the cluster
SECOND_GENERATION = 220
PAGE = 50


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


def account(username: str, role: str, level: str, place_id: int | None = None, facility_kind: str = ""):
    from fangkong.accounts.models import Grant, User

    user = User(username=username, role=role, full_name=username, is_active=True)
    user.set_unusable_password()
    user.save()
    Grant.objects.create(user=user, level=level, place_id=place_id, facility_kind=facility_kind)
    return User.objects.get(pk=user.pk)


def build_sites(actor, *, sites: int, rooms: int, seed: int = 5) -> dict:
    """Hotels (family rooms) and dormitories (8-bed rooms), through the services."""
    from fangkong.geo.models import Community
    from fangkong.isolation.choices import RoomType, SiteKind
    from fangkong.isolation.services import room_create_many, rooms_by_floor, site_create

    rng = random.Random(seed)
    communities = list(Community.objects.order_by("id"))
    per_site = rooms // sites
    floors = per_site // 10
    hotel_rooms, dorm_rooms = [], []
    for i in range(sites):
        dorm = i % DORMITORY_EVERY == DORMITORY_EVERY - 1
        beds = GROUP_BEDS if dorm else HOUSEHOLD_BEDS
        site = site_create(
            actor=actor, name=f"{'基准宿舍' if dorm else '基准酒店'}隔离点{i + 1:04d}", community=rng.choice(communities),
            kind=SiteKind.DORMITORY if dorm else SiteKind.HOTEL, capacity=per_site * beds, address=f"基准路{i + 1}号",
        )  # fmt: skip
        created = room_create_many(
            actor=actor, site=site, rooms=rooms_by_floor(range(2, 2 + floors), 10, room_type=RoomType.FAMILY, capacity=beds)
        )
        (dorm_rooms if dorm else hotel_rooms).extend(r.pk for r in created)
    return {"hotel_rooms": hotel_rooms, "dorm_rooms": dorm_rooms}


def plan_contacts(hotel_rooms: list[int], dorm_rooms: list[int], case_person_ids: set[int]) -> tuple[list, list[int]]:
    """[(person_id, room_id, party)] — whole households into hotel rooms, groups of 8 into dormitory
    rooms — and the people left over (for the probe data)."""
    from fangkong.geo.models import Person

    households: dict[int, list[int]] = {}
    order: list[int] = []
    for pid, hid in Person.objects.order_by("id").values_list("id", "household_id").iterator(chunk_size=50_000):
        if hid not in households:
            households[hid] = []
            order.append(hid)
        households[hid].append(pid)
    full = [h for h in order if len(households[h]) == HOUSEHOLD and not case_person_ids.intersection(households[h])]
    if len(full) < len(hotel_rooms):
        raise SystemExit(f"only {len(full)} households for {len(hotel_rooms)} hotel rooms")
    plan = []
    for h, room_id in zip(full, hotel_rooms, strict=False):
        plan += [(pid, room_id, "") for pid in households[h]]
    used = {pid for pid, _r, _p in plan} | case_person_ids
    rest = [pid for h in order for pid in households[h] if pid not in used]
    need = GROUP * len(dorm_rooms)
    if len(rest) < need:
        raise SystemExit(f"only {len(rest)} people left for {need} dormitory beds")
    for n, room_id in enumerate(dorm_rooms):
        plan += [(pid, room_id, f"group:bench-{n + 1}") for pid in rest[n * GROUP : (n + 1) * GROUP]]
    return plan, rest[need:]


_WORKER: dict = {}


def worker_init(command_id: int) -> None:
    """In a forked worker: the acting user, read over the worker's own connection."""
    from fangkong.accounts.models import User

    _WORKER["command"] = User.objects.get(pk=command_id)


def _timed_call(fn):
    """fn() in one transaction, as a request runs it: (result, {"service": s, "commit": s})."""
    from django.db import transaction

    with transaction.atomic():
        t0 = time.perf_counter()
        result = fn()
        t1 = time.perf_counter()
    return result, {"service": t1 - t0, "commit": time.perf_counter() - t1}


def worker_contacts(job) -> tuple[dict, dict]:
    """One 流调 list through tracing.contacts_bulk.contacts_add_bulk; returns person → episode and the timings."""
    from fangkong.isolation.tracing.contacts_bulk import contacts_add_bulk

    rows, identified_at = job
    report, part = _timed_call(lambda: contacts_add_bulk(actor=_WORKER["command"], rows=rows, identified_at=identified_at))
    return dict(report.episode_of), part


def worker_check_in(job) -> tuple[tuple[int, int, int], dict]:
    """One batch of check-ins through services.episodes_check_in_bulk; returns its counts and timings."""
    from fangkong.isolation.services import episodes_check_in_bulk

    assignments, at = job
    report, part = _timed_call(lambda: episodes_check_in_bulk(actor=_WORKER["command"], assignments=assignments, at=at))
    return (report.checked_in, report.tests_scheduled, report.within_deadline), part


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=2_000)
    parser.add_argument("--rooms", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--awaiting", type=int, default=20_000)
    parser.add_argument("--probes", type=int, default=50)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="bulk calls side by side (default: one per core)")
    args = parser.parse_args()
    load_at_start = os.getloadavg()
    log(f"load average at start: {load_at_start[0]:.2f} {load_at_start[1]:.2f} {load_at_start[2]:.2f}")

    from testing_round import build_city, make_database, peak_mib, rss_mib, seal_numbers
    from transfer_board import build_cases, drop_database, pct, probe

    dorm_sites = args.sites // DORMITORY_EVERY
    hotel_rooms_n = (args.sites - dorm_sites) * (args.rooms // args.sites)
    dorm_rooms_n = dorm_sites * (args.rooms // args.sites)
    contacts_n = HOUSEHOLD * hotel_rooms_n + GROUP * dorm_rooms_n
    extra = ROOT_CONTACTS + 3 * SECOND_GENERATION + args.awaiting
    people_n = CASES + contacts_n + extra + contacts_n // 50  # slack for the households left out

    make_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone

    from fangkong.cases.models import Case
    from fangkong.core.roles import Role
    from fangkong.geo.models import Person
    from fangkong.isolation import selectors
    from fangkong.isolation.choices import ExposureType, TestPhase
    from fangkong.isolation.models import Contact, ContactLink, IsolationEpisode, IsolationSite, Room, RoomStay, RuleCitation, ScheduledTest
    from fangkong.isolation.services import BulkCheckIn, episode_check_in, test_record
    from fangkong.isolation.tracing import selectors as tracing_selectors
    from fangkong.isolation.tracing.contacts_bulk import BulkContact, contacts_add_bulk
    from fangkong.isolation.tracing.services import contact_add
    from fangkong.policy.regimen import local_date
    from fangkong.policy.rules import active_profile
    from fangkong.results.choices import Result

    try:
        call_command("migrate", verbosity=0)
        setup: dict[str, float] = {}
        t = time.perf_counter()
        city = build_city(people_n)
        setup["city_seconds"] = time.perf_counter() - t
        log(f"city: {city} in {setup['city_seconds']:.1f}s")
        now = timezone.now()
        t = time.perf_counter()
        cases_info = build_cases(cases=CASES, awaiting=CASES, facilities=40, now=now)
        setup["cases_seconds"] = time.perf_counter() - t
        command = account("bench-command", Role.COMMAND_CENTRE, "city")
        t = time.perf_counter()
        rooms = build_sites(command, sites=args.sites, rooms=args.rooms)
        setup["sites_seconds"] = time.perf_counter() - t
        log(
            f"{args.sites:,} sites, {len(rooms['hotel_rooms']) + len(rooms['dorm_rooms']):,} rooms through the services in {setup['sites_seconds']:.1f}s"
        )
        cases = list(Case.objects.order_by("id").values_list("id", "person_id", "confirmed_at"))
        plan, spare = plan_contacts(rooms["hotel_rooms"], rooms["dorm_rooms"], {c[1] for c in cases})
        assert len(plan) == contacts_n, (len(plan), contacts_n)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        profile = active_profile().code
        log(f"{contacts_n:,} contacts planned; {len(spare):,} people spare; policy {profile}")

        # Who is whose contact: the root case 339, the others ~100 each; exposures before both the
        # case's confirmation and the identification.
        rng = random.Random(2022)
        identified_at = now - dt.timedelta(hours=3)
        checked_in_at = now - dt.timedelta(hours=1)
        per_case = -(-(contacts_n - ROOT_CONTACTS) // (len(cases) - 1))
        exposures = list(ExposureType.values)

        def case_of(i: int) -> tuple:
            return cases[0] if i < ROOT_CONTACTS else cases[1 + (i - ROOT_CONTACTS) // per_case]

        def contact_row(i: int, person_id: int, case: tuple, at: dt.datetime) -> BulkContact:
            last = min(case[2], at) - dt.timedelta(hours=rng.randint(1, 48))
            return BulkContact(
                person_id=person_id, case_id=case[0], exposure=rng.choice(exposures), place=f"基准接触地点{i % 997}", last_exposure_at=last
            )

        stages: dict[str, dict] = {}

        # ---- single path, on a sample ----
        sample = plan[: args.sample]
        people = Person.objects.in_bulk([p for p, _r, _party in sample])
        case_objs = Case.objects.in_bulk({case_of(i)[0] for i in range(len(sample))})
        room_objs = Room.objects.select_related("site").in_bulk({r for _p, r, _party in sample})
        add_ms, check_ms = [], []
        rows0 = [contact_row(i, p, case_of(i), identified_at) for i, (p, _r, _party) in enumerate(sample)]
        t = time.perf_counter()
        for row, (pid, room_id, party) in zip(rows0, sample, strict=True):
            t1 = time.perf_counter()
            link = contact_add(
                actor=command, person=people[pid], case=case_objs[row.case_id], exposure=row.exposure, place=row.place,
                last_exposure_at=row.last_exposure_at, identified_at=identified_at,
            )  # fmt: skip
            t2 = time.perf_counter()
            episode_check_in(actor=command, episode=link.contact.episode, room=room_objs[room_id], party=party, at=checked_in_at)
            t3 = time.perf_counter()
            add_ms.append((t2 - t1) * 1000)
            check_ms.append((t3 - t2) * 1000)
        secs = time.perf_counter() - t
        n = len(sample)
        stages["single_path_sample"] = {
            "rows": n, "seconds": secs, "rss_mib": rss_mib(),
            "contact_add_ms": {"p50": pct(add_ms, 50), "p95": pct(add_ms, 95)},
            "episode_check_in_ms": {"p50": pct(check_ms, 50), "p95": pct(check_ms, 95)},
            "extrapolated_rows": contacts_n, "extrapolated_seconds": secs / n * contacts_n,
        }  # fmt: skip
        log(
            f"single path: {n:,} contacts in {secs:.1f}s ({n / secs:.1f}/s) → {contacts_n:,} would take {secs / n * contacts_n:,.0f}s (extrapolated)"
        )
        sample_people = [p for p, _r, _party in sample]
        sample_episodes = IsolationEpisode.objects.filter(person_id__in=sample_people)
        RoomStay.objects.filter(person_id__in=sample_people).delete()
        ContactLink.objects.filter(contact__person_id__in=sample_people).delete()
        Contact.objects.filter(person_id__in=sample_people).delete()
        ScheduledTest.objects.filter(episode__in=sample_episodes).delete()
        sample_episodes.delete()
        with connection.cursor() as cur:
            cur.execute(
                "VACUUM ANALYZE isolation_isolationepisode, isolation_contact, isolation_contactlink, isolation_roomstay, isolation_scheduledtest"
            )

        # ---- bulk path, every contact ----
        episode_of: dict[int, int] = {}
        split: dict[str, float] = {}
        # The calls run `--workers` side by side (forked processes, one connection each), as many
        # tracers and sites post at once; each call is whole in one transaction either way.
        contact_calls = [
            [
                contact_row(start + k, p, case_of(start + k), identified_at)
                for k, (p, _r, _party) in enumerate(plan[start : start + args.batch])
            ]
            for start in range(0, contacts_n, args.batch)
        ]
        connections.close_all()
        pool = multiprocessing.get_context("fork").Pool(args.workers, initializer=worker_init, initargs=(command.pk,))
        t = time.perf_counter()
        calls = 0
        for mapping, part in pool.imap_unordered(worker_contacts, [(rows, identified_at) for rows in contact_calls]):
            episode_of.update(mapping)
            for k, v in part.items():
                split[k] = split.get(k, 0.0) + v
            calls += 1
        secs = time.perf_counter() - t
        stages["contacts_add_bulk"] = {
            "rows": len(episode_of),
            "seconds": secs,
            "calls": calls,
            "workers": args.workers,
            "split_seconds": split,
            "rss_mib": rss_mib(),
        }
        log(f"contacts_add_bulk: {len(episode_of):,} in {secs:.1f}s ({calls} calls; {split}), RSS {rss_mib():.0f} MiB")
        split = {}
        checkin_calls = [
            [BulkCheckIn(episode_of[p], r, party) for p, r, party in plan[start : start + args.batch]]
            for start in range(0, contacts_n, args.batch)
        ]
        t = time.perf_counter()
        checked, tests, within, calls = 0, 0, 0, 0
        for counts, part in pool.imap_unordered(worker_check_in, [(a, checked_in_at) for a in checkin_calls]):
            checked, tests, within, calls = checked + counts[0], tests + counts[1], within + counts[2], calls + 1
            for k, v in part.items():
                split[k] = split.get(k, 0.0) + v
        secs = time.perf_counter() - t
        pool.close()
        pool.join()
        stages["episodes_check_in_bulk"] = {
            "rows": checked, "seconds": secs, "calls": calls, "workers": args.workers, "tests_scheduled": tests, "within_deadline": within, "split_seconds": split,
            "rss_mib": rss_mib(),
        }  # fmt: skip
        log(f"episodes_check_in_bulk: {checked:,} in {secs:.1f}s ({calls} calls, {tests:,} tests; {split}), RSS {rss_mib():.0f} MiB")
        bulk_seconds = stages["contacts_add_bulk"]["seconds"] + stages["episodes_check_in_bulk"]["seconds"]
        # What the bulk path left on disk (heap with TOAST, and indexes), per table: the volume written.
        with connection.cursor() as cur:
            cur.execute(
                "SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid), c.reltuples::bigint FROM pg_class c "
                "WHERE c.relname = ANY(%s) ORDER BY c.relname",
                [[m._meta.db_table for m in (IsolationEpisode, Contact, ContactLink, RoomStay, ScheduledTest, RuleCitation)]],
            )
            table_mib = {name: {"table_mib": t / 2**20, "indexes_mib": i / 2**20, "rows_estimate": n} for name, t, i, n in cur.fetchall()}
        log(
            "on disk after the bulk path: "
            + ", ".join(f"{k.removeprefix('isolation_')} {v['table_mib']:.0f}+{v['indexes_mib']:.0f} MiB" for k, v in table_mib.items())
        )

        # ---- probe data ----
        t = time.perf_counter()
        root = Case.objects.get(pk=cases[0][0])
        day_one = local_date(checked_in_at)
        positives = []
        seal_numbers([pid for pid, _r, _party in plan[:3]])  # their cases read their age
        for pid, _r, _party in plan[:3]:
            test = ScheduledTest.objects.select_related("episode").get(episode_id=episode_of[pid], phase=TestPhase.CENTRAL, day_number=1)
            sampled = max(now - dt.timedelta(minutes=30), checked_in_at)
            test_record(
                actor=command,
                test=test,
                result=Result.POSITIVE,
                sampled_at=sampled,
                resulted_at=sampled + dt.timedelta(minutes=20),
                ct_value=24.0,
            )
            positives.append(IsolationEpisode.objects.get(pk=episode_of[pid]).case_id)
        second = [
            (case_id, pid) for k, case_id in enumerate(positives) for pid in spare[k * SECOND_GENERATION : (k + 1) * SECOND_GENERATION]
        ]
        spare = spare[len(second) :]
        late = timezone.now() - dt.timedelta(minutes=5)
        contacts_add_bulk(
            actor=command,
            rows=[
                BulkContact(pid, case_id, ExposureType.HOUSEHOLD, "基准聚集点", identified_at - dt.timedelta(hours=1))
                for case_id, pid in second
            ],
            identified_at=late,
        )
        others = cases[1:]
        waves = 10
        per_wave = -(-args.awaiting // waves)
        awaiting_people = spare[: args.awaiting]
        for w in range(waves):
            at = now - dt.timedelta(hours=30) + dt.timedelta(hours=29 * w / (waves - 1))
            chunk = awaiting_people[w * per_wave : (w + 1) * per_wave]
            if chunk:
                contacts_add_bulk(
                    actor=command, rows=[contact_row(k, pid, rng.choice(others), at) for k, pid in enumerate(chunk)], identified_at=at
                )
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        setup["probe_data_seconds"] = time.perf_counter() - t
        log(
            f"probe data: 3 positives → cases {positives}, {len(second)} second-generation contacts, {len(awaiting_people):,} awaiting, in {setup['probe_data_seconds']:.1f}s"
        )

        # ---- probes ----
        district_id = IsolationEpisode.objects.awaiting().values("district_id").order_by("district_id").first()["district_id"]
        district = account("bench-district", Role.DISTRICT_OFFICE, "district", district_id)
        site_ids = list(IsolationSite.objects.order_by("id").values_list("id", flat=True))
        probe_sites = rng.sample(site_ids, min(args.probes, len(site_ids)))
        site_users = {
            sid: account(f"bench-site-{sid}", Role.ISOLATION_SITE_STAFF, "facility", sid, "isolation_site") for sid in probe_sites
        }
        site_objs = IsolationSite.objects.in_bulk(probe_sites)
        sheet_rows: dict[int, list[int]] = {}

        def day_sheet(offset: int):
            sid = rng.choice(probe_sites)
            rows = selectors.site_day_sheet(user=site_users[sid], site=site_objs[sid], day=day_one + dt.timedelta(days=offset))
            sheet_rows.setdefault(offset, []).append(len(rows))

        def board_page(user):
            from django.core.paginator import Paginator

            board = selectors.awaiting_isolation_board(user=user, now=timezone.now())
            page = Paginator(board, PAGE).get_page(1)
            rows = list(page.object_list)
            for e in rows:
                if hasattr(e, "contact"):
                    [(link.case.person.name, link.via) for link in e.contact.links.all()]
            return page.paginator.count, board.filter(is_overdue=True).count(), len(rows)

        graph_sizes = []

        def graph():
            g = tracing_selectors.cluster_graph(user=command, case=root)
            graph_sizes.append((len(g.nodes), len(g.edges), g.truncated))

        latencies = {}
        for name, fn, count in (
            ("site_day_sheet_day1", lambda: day_sheet(0), args.probes),
            ("site_day_sheet_day5_nothing_recorded", lambda: day_sheet(4), args.probes),
            ("awaiting_board_city", lambda: board_page(command), args.probes),
            ("awaiting_board_district", lambda: board_page(district), args.probes),
            ("cluster_graph_1000", graph, max(10, args.probes // 2)),
        ):
            fn()  # warm
            latencies[name] = probe(fn, count)
            log(f"{name}: p50 {pct(latencies[name], 50):.0f} ms p95 {pct(latencies[name], 95):.0f} ms")
        board_count, overdue, first_page = board_page(command)
        district_count, district_overdue, _n = board_page(district)
        with connection.cursor() as cur:
            cur.execute("SELECT version()")
            pg_version = cur.fetchone()[0].split(",")[0]
            cur.execute("SHOW shared_buffers")
            shared_buffers = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM isolation_scheduledtest")
            total_tests = cur.fetchone()[0]

        single = stages["single_path_sample"]
        out = {
            "machine": {
                "cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(), "database": pg_version,
                "shared_buffers": shared_buffers, "load_average_at_start": load_at_start, "load_average_at_end": os.getloadavg(),
            },
            "data": {
                "people": city["people"], "cases": CASES, "sites": args.sites, "rooms": len(rooms["hotel_rooms"]) + len(rooms["dorm_rooms"]),
                "hotel_rooms": len(rooms["hotel_rooms"]), "dormitory_rooms": len(rooms["dorm_rooms"]), "contacts_isolated": contacts_n,
                "scheduled_tests": total_tests, "policy_profile": profile, "batch": args.batch, "cases_info": cases_info,
                "awaiting_board_city": {"rows": board_count, "overdue": overdue, "first_page": first_page},
                "awaiting_board_district": {"rows": district_count, "overdue": district_overdue, "district_id": district_id},
                "day_sheet_rows": {f"day{k + 1}": {"min": min(v), "max": max(v), "mean": sum(v) / len(v)} for k, v in sheet_rows.items()},
                "on_disk_after_bulk": table_mib,
                "cluster": {"nodes": graph_sizes[-1][0], "edges": graph_sizes[-1][1], "truncated": graph_sizes[-1][2], "root_case": root.pk},
                **{k: round(v, 1) for k, v in setup.items()},
            },
            "stages": {k: {**v, "rows_per_s": v["rows"] / v["seconds"] if v["seconds"] else None} for k, v in stages.items()},
            "bulk_total_seconds": bulk_seconds,
            "single_path_extrapolated_seconds": single["extrapolated_seconds"],
            "latency_ms": {k: {"p50": pct(v, 50), "p95": pct(v, 95), "max": max(v)} for k, v in latencies.items()},
            "peak_rss_mib": peak_mib(),
            "targets": {"regimens_seconds": 60, "day_sheet_p95_ms": 300, "awaiting_board_p95_ms": 300, "cluster_graph_p95_ms": 1000},
        }  # fmt: skip
        print()
        print(f"{'stage':<46} {'rows':>10} {'seconds':>9} {'rows/s':>9} {'RSS MiB':>8}")
        label = {
            "single_path_sample": "single path: contact_add + episode_check_in",
            "contacts_add_bulk": "bulk: contacts_add_bulk",
            "episodes_check_in_bulk": "bulk: episodes_check_in_bulk",
        }
        for k, v in out["stages"].items():
            print(f"{label[k]:<46} {v['rows']:>10,} {v['seconds']:>9.1f} {v['rows_per_s']:>9,.0f} {v['rss_mib']:>8.0f}")
        print(f"{'  single path extrapolated to all (estimate)':<46} {contacts_n:>10,} {single['extrapolated_seconds']:>9.0f}")
        print(f"{'bulk total (target < 60 s)':<46} {contacts_n:>10,} {bulk_seconds:>9.1f} {contacts_n / bulk_seconds:>9,.0f}")
        for k in ("contacts_add_bulk", "episodes_check_in_bulk"):
            sp = stages[k]["split_seconds"]
            print(
                f"  {k}: service {sp['service']:.1f}s, COMMIT {sp['commit']:.1f}s (summed over the calls; {out['stages'][k].get('workers', 1)} side by side)"
            )
        print(
            f"single-path calls: contact_add p50 {single['contact_add_ms']['p50']:.0f} ms p95 {single['contact_add_ms']['p95']:.0f} ms; episode_check_in p50 {single['episode_check_in_ms']['p50']:.0f} ms p95 {single['episode_check_in_ms']['p95']:.0f} ms"
        )
        print()
        print(f"{'probe':<38} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target':>8}")
        targets = {
            "site_day_sheet_day1": 300,
            "site_day_sheet_day5_nothing_recorded": 300,
            "awaiting_board_city": 300,
            "awaiting_board_district": 300,
            "cluster_graph_1000": 1000,
        }
        for k, v in out["latency_ms"].items():
            print(f"{k:<38} {v['p50']:>8.0f} {v['p95']:>8.0f} {v['max']:>8.0f} {targets[k]:>8}")
        print(
            f"day sheet rows {out['data']['day_sheet_rows']}; board {board_count:,} awaiting ({overdue:,} overdue), district {district_count:,}; "
            f"cluster {graph_sizes[-1][0]:,} nodes {graph_sizes[-1][1]:,} edges"
        )
        print(f"peak RSS {out['peak_rss_mib']:.0f} MiB; load average start {load_at_start[0]:.2f}, end {os.getloadavg()[0]:.2f}")
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "isolation.json").write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    finally:
        connections.close_all()
        if not args.keep_database:
            drop_database(args.database_url)
            log(f"dropped {args.database_url.rpartition('/')[2]}")


if __name__ == "__main__":
    main()
