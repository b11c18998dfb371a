"""Benchmark: one mass-testing round on a synthetic city, through the services the pages and API use.

    .venv/bin/python bench/testing_round.py [--samples 3000000] [--workers 2] [--reuse-city]
        [--database-url postgres://…/fangkong_bench_testing]

1. Creates a separate PostgreSQL database (dropped and re-created; `--reuse-city` keeps one whose
   city has the right size and empties only the testing tables), migrates it and generates a
   synthetic city with ~1.1 residents per sample (people rows written with fangkong.core.bulk;
   sealed ID numbers are replaced by a placeholder cipher — only the keyed look-up hash matters
   here). Then VACUUM ANALYZE, CHECKPOINT and sync (a city is registered days before a round: its
   pages are on disk and vacuumed) and pg_prewarm of the registry (as on a server in use). Not timed.
2. Plans round 8 (the whole city as a 管控区 → 10-in-1 from the active policy; 1 % of the
   communities sealed → single tubes), one sampling point per community, and writes the sampling
   requests to files (whole tubes, 50,000 bindings each). Not timed.
3. Stages, each timed, with rows/s and RSS; bindings and results run `--workers` requests side by
   side (forked processes, one connection each), as many sampling apps and labs post at once:
   bindings  — every sample through services.bulk_bind by ID number, 50,000 per request (the API's
               request size), tubes opened as new barcodes arrive and closed when full;
   results   — every tube's result through services.results_ingest, 20,000 per upload (a lab file),
               with a few positive pools and single positives so the consequences run;
   derive    — every person's result in the round streamed through selectors.person_result_rows, in
               `--workers` parts side by side (equal ranges of the round's tube ids);
   coverage  — round_coverage for every grid of the city at once (selectors.round_coverage).
4. Plain COPY of the same tube, member and result rows into the same tables (as another round),
   for the ratio service / COPY.
5. p50/p95 of a grid's door-knocking list and a community's coverage (50 random each).
Prints a table and writes bench/results/testing_round.json (machine, load, PostgreSQL settings).
"""

# ruff: noqa: E501
from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import multiprocessing
import os
import pickle
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
PEOPLE_PER_SAMPLE = 1.1
HOUSEHOLD = 3  # residents per household
UNIT = 8  # households per unit
BUILDING = 3  # units per building
GRID = 6  # buildings per grid (~430 residents)
COMMUNITY = 10  # grids per community (~4,300 residents)
STREET = 10  # communities per street


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def pg_settings(connection) -> dict:
    names = [
        "server_version",
        "shared_buffers",
        "max_wal_size",
        "effective_cache_size",
        "work_mem",
        "maintenance_work_mem",
        "synchronous_commit",
        "random_page_cost",
    ]
    with connection.cursor() as cur:
        cur.execute("SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [names])
        return {name: f"{setting}{' × ' + unit if unit else ''}" for name, setting, unit in cur.fetchall()}


def prewarm(cur, relations: list[str]) -> dict:
    """Load relations into shared_buffers with pg_prewarm (PostgreSQL contrib); blocks read per relation."""
    try:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    except Exception as exc:  # noqa: BLE001 - contrib missing: run cold and say so
        return {"error": str(exc)}
    out = {}
    for name in relations:
        cur.execute("SELECT pg_prewarm(%s)", [name])
        out[name] = cur.fetchone()[0]
    return out


def city_size(url: str) -> int:
    """People in the bench database's city, or 0 when there is no such database (or no city)."""
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT COUNT(*) FROM geo_person").fetchone()[0]
    except psycopg.Error:
        return 0


def clear_rounds() -> dict:
    """Empty every table of the testing app and the bench's users and audit rows; the city stays."""
    from django.apps import apps
    from django.db import connection

    from fangkong.accounts.models import User
    from fangkong.audit.models import AuditEvent
    from fangkong.geo.models import Community, Grid, Person, Street

    tables = ", ".join(f'"{m._meta.db_table}"' for m in apps.get_app_config("testing").get_models())
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    AuditEvent.objects.all().delete()
    User.objects.filter(username__startswith="bench-").delete()
    return {
        "streets": Street.objects.count(),
        "communities": Community.objects.count(),
        "grids": Grid.objects.count(),
        "people": Person.objects.count(),
    }


def build_city(people: int, seed: int = 8) -> dict:
    """Streets → communities → grids → compounds → buildings → units → households → people, with COPY."""
    from django.db import transaction
    from django.utils import timezone

    from fangkong.core.bulk import BulkWriter, reserve_ids
    from fangkong.core.crypto import Sealer
    from fangkong.geo.models import Building, Community, Compound, District, Grid, Household, Person, Street, Unit

    rng = random.Random(seed)
    sealer = Sealer()
    now = timezone.now()
    districts = list(District.objects.order_by("code").values_list("id", "code"))
    per_grid = GRID * BUILDING * UNIT * HOUSEHOLD
    grids_needed = -(-people // per_grid)
    communities_needed = -(-grids_needed // COMMUNITY)
    streets_needed = -(-communities_needed // STREET)
    index = 0
    with transaction.atomic():
        street_ids = reserve_ids(Street, streets_needed)
        streets = [(sid, districts[i % len(districts)][0]) for i, sid in enumerate(street_ids)]
        BulkWriter(Street, ["id", "district_id", "name", "kind", "created_at", "updated_at"]).write(
            [(sid, did, f"测试街道{i + 1}", "street", now, now) for i, (sid, did) in enumerate(streets)]
        )
        comm_ids = reserve_ids(Community, communities_needed)
        communities = [(cid, *streets[i // STREET]) for i, cid in enumerate(comm_ids)]  # (id, street, district)
        BulkWriter(Community, ["id", "district_id", "street_id", "name", "kind", "created_at", "updated_at"]).write(
            [(cid, did, sid, f"测试社区{i + 1}", "community", now, now) for i, (cid, sid, did) in enumerate(communities)]
        )
        grid_ids = reserve_ids(Grid, grids_needed)
        compound_ids = reserve_ids(Compound, grids_needed)
        grids = [
            (gid, compound_ids[i], *communities[i // COMMUNITY]) for i, gid in enumerate(grid_ids)
        ]  # (grid, compound, comm, street, district)
        BulkWriter(Grid, ["id", "district_id", "street_id", "community_id", "name", "created_at", "updated_at"]).write(
            [(g, d, s, c, f"第{i % COMMUNITY + 1}网格", now, now) for i, (g, _cp, c, s, d) in enumerate(grids)]
        )
        BulkWriter(Compound, ["id", "district_id", "street_id", "community_id", "name", "created_at", "updated_at"]).write(
            [(cp, d, s, c, f"小区{i + 1}", now, now) for i, (_g, cp, c, s, d) in enumerate(grids)]
        )
        bw = BulkWriter(
            Building, ["id", "district_id", "street_id", "community_id", "compound_id", "grid_id", "name", "created_at", "updated_at"]
        )
        uw = BulkWriter(
            Unit,
            ["id", "district_id", "street_id", "community_id", "compound_id", "building_id", "grid_id", "name", "created_at", "updated_at"],
        )
        hw = BulkWriter(
            Household,
            [
                "id",
                "district_id",
                "street_id",
                "community_id",
                "compound_id",
                "building_id",
                "unit_id",
                "grid_id",
                "number",
                "created_at",
                "updated_at",
            ],
        )
        pw = BulkWriter(
            Person,
            ["id", "household_id", "district_id", "street_id", "community_id", "grid_id", "name", "id_type", "id_cipher", "id_hash",
             "id_masked", "id_tail", "sex", "birth_year", "birth_year_to", "phone_cipher", "phone_hash", "phone_masked", "created_at",
             "updated_at"],
        )  # fmt: skip
        person_ids = iter(reserve_ids(Person, people))
        for g, cp, c, s, d in grids:
            if index >= people:
                break
            b_ids = reserve_ids(Building, GRID)
            bw.write([(b, d, s, c, cp, g, f"{k + 1}号楼", now, now) for k, b in enumerate(b_ids)])
            units, households, persons = [], [], []
            for b in b_ids:
                u_ids = reserve_ids(Unit, BUILDING)
                units += [(u, d, s, c, cp, b, g, f"{k + 1}单元", now, now) for k, u in enumerate(u_ids)]
                for u in u_ids:
                    h_ids = reserve_ids(Household, UNIT)
                    households += [(h, d, s, c, cp, b, u, g, f"{101 + k}", now, now) for k, h in enumerate(h_ids)]
                    for h in h_ids:
                        for _ in range(HOUSEHOLD):
                            if index >= people:
                                break
                            number = f"15{index:016d}"
                            persons.append(
                                (next(person_ids), h, d, s, c, g, f"居民{index}", "passport", "bench", sealer.lookup_hash("id", number),
                                 number[:6] + "********" + number[-4:], number[-4:], rng.choice("MF"), 1950 + index % 60,
                                 1950 + index % 60, "", "", "", now, now)
                            )  # fmt: skip
                            index += 1
            uw.write(units)
            hw.write(households)
            pw.write(persons)
    return {"streets": len(streets), "communities": len(communities), "grids": len(grids), "people": index}


_WORKER: dict = {}


def worker_init(round_id: int, command_id: int, lab_user_id: int, lab_id: int) -> None:
    """In a forked worker: the round, the users and the lab, read once over the worker's own connection."""
    from fangkong.accounts.models import User
    from fangkong.core.crypto import Sealer
    from fangkong.testing.models import Laboratory, TestingRound

    _WORKER.update(
        round=TestingRound.objects.get(pk=round_id),
        command=User.objects.get(pk=command_id),
        lab_user=User.objects.get(pk=lab_user_id),
        lab=Laboratory.objects.get(pk=lab_id),
        sealer=Sealer(),
    )


def worker_bind(job) -> tuple[int, float]:
    """One sampling app's request: its bindings through services.bulk_bind, as the API posts them."""
    from fangkong.testing.services import Binding, bulk_bind

    path, at = job
    rows = pickle.loads(path.read_bytes())
    path.unlink()
    bindings = [Binding(barcode=b, id_number=i, sampling_point_id=p, pooling_mode=m) for b, i, p, m in rows]
    t = time.perf_counter()
    report = bulk_bind(actor=_WORKER["command"], testing_round=_WORKER["round"], bindings=bindings, at=at, sealer=_WORKER["sealer"])
    return report.members_added, time.perf_counter() - t


def worker_results(job) -> tuple[int, float]:
    """One lab file: its rows through services.results_ingest, as the upload page applies them."""
    from fangkong.testing.services import results_ingest
    from fangkong.testing.synthetic import lab_result

    tubes, reported, source = job
    rows = [lab_result(n + 1, b, reported, positive=p) for n, (b, p) in enumerate(tubes)]
    t = time.perf_counter()
    report = results_ingest(
        actor=_WORKER["lab_user"], testing_round=_WORKER["round"], laboratory=_WORKER["lab"], rows=rows, source=source, at=reported
    )
    return report.applied, time.perf_counter() - t


def worker_derive(part: tuple[int, int]) -> tuple[int, dict[str, int]]:
    """One part of every person's result in the round, streamed and counted by result."""
    from fangkong.testing.selectors import person_result_rows

    counted, by_result = 0, {}
    for _pid, _tube, result, _when, _re in person_result_rows(testing_round=_WORKER["round"], part=part):
        counted += 1
        by_result[result] = by_result.get(result, 0) + 1
    return counted, by_result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3_000_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/fangkong_bench_testing")
    parser.add_argument("--bind-batch", type=int, default=50_000)
    parser.add_argument("--result-batch", type=int, default=20_000)
    parser.add_argument("--probes", type=int, default=50)
    parser.add_argument(
        "--reuse-city", action="store_true", help="keep the database's city if it has the right size; only the rounds are cleared"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="requests side by side (default: one per core)")
    args = parser.parse_args()
    load_at_start = os.getloadavg()
    print(f"load average at start: {load_at_start[0]:.2f} {load_at_start[1]:.2f} {load_at_start[2]:.2f}", flush=True)

    people = int(args.samples * PEOPLE_PER_SAMPLE)
    reuse = args.reuse_city and city_size(args.database_url) == people
    if not reuse:
        make_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from fangkong.accounts.models import Grant, User
    from fangkong.core.roles import Role
    from fangkong.geo.models import Community, Grid, Person
    from fangkong.testing.models import Laboratory, SamplingPoint, Tube
    from fangkong.testing.selectors import door_knocking_list, round_coverage
    from fangkong.testing.services import AreaSpec, round_plan
    from fangkong.testing.synthetic import pack_tubes

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    city = clear_rounds() if reuse else build_city(people)
    city_seconds = time.perf_counter() - t
    with connection.cursor() as cur:
        # A city is registered days before a round, not in the same minute. By then autovacuum has
        # vacuumed and analysed it (hint bits and visibility map set) and its pages are on disk; a
        # city built seconds before the clock starts has gigabytes of pages still being written out
        # by PostgreSQL and by the kernel through every timed stage (a fresh city's run: 66.3 s
        # against 48.9 s on a settled one, the plain COPY 20 % slower too; 2026-11-22). So: VACUUM
        # ANALYZE (this machine's server runs without autovacuum), CHECKPOINT, sync. Not timed.
        t_settle = time.perf_counter()
        cur.execute("VACUUM (ANALYZE)")
        cur.execute("CHECKPOINT")
        os.sync()
        settle_seconds = time.perf_counter() - t_settle
        # The registry as a server in use has it: its tables and look-up indexes in shared_buffers
        # (as far as they fit). Not timed; reported.
        prewarmed = prewarm(cur, ["geo_person", "person_unique_id_hash", "geo_household", "geo_household_pkey"])
    print(
        f"city: {city} in {city_seconds:.1f}s{' (reused: rounds cleared)' if reuse else ''} (VACUUM ANALYZE, CHECKPOINT and sync {settle_seconds:.1f}s), RSS {rss_mib():.0f} MiB",
        flush=True,
    )

    command = User.objects.create_user("bench-command", password="x", role=Role.COMMAND_CENTRE)
    Grant.objects.create(user=command, level="city")
    lab = Laboratory.objects.create(name="基准检测实验室", code="BENCH")
    lab_user = User.objects.create_user("bench-lab", password="x", role=Role.LABORATORY)
    Grant.objects.create(user=lab_user, level="facility", facility_kind="laboratory", place_id=lab.pk)
    command, lab_user = User.objects.get(pk=command.pk), User.objects.get(pk=lab_user.pk)
    communities = list(Community.objects.order_by("id").values_list("id", "district_id", "street_id"))
    rng = random.Random(2022)
    sealed = set(rng.sample([c[0] for c in communities], max(1, len(communities) // 100)))
    start = dt.datetime(2022, 2, 25, 0, 0, tzinfo=dt.UTC)
    testing_round = round_plan(
        actor=command,
        number=8,
        areas=[AreaSpec("city", None, "controlled")] + [AreaSpec("community", c, "sealed") for c in sorted(sealed)],
        starts_at=start,
    )
    SamplingPoint.objects.bulk_create(
        [SamplingPoint(district_id=d, street_id=s, community_id=c, name=f"采样点{c}") for c, d, s in communities], batch_size=5000
    )
    point_of = dict(SamplingPoint.objects.values_list("community_id", "id"))

    # The samples: 10 % of residents are not sampled (the door-knocking list has work to do).
    # A request holds whole tubes (as a sampling app posts its closed tubes), so requests running
    # side by side never share a tube.
    first_person = Person.objects.order_by("id").values_list("id", flat=True).first()

    def requests_of_bindings():
        rows = Person.objects.order_by("id").values_list("id", "community_id").iterator(chunk_size=50_000)
        sampled = ((pid, comm) for pid, comm in rows if pid % 10 != 3)
        packed = pack_tubes(itertools.islice(sampled, args.samples), lambda comm: 1 if comm in sealed else 10)
        batch, last_tube = [], None
        for tube_no, comm, pid in packed:
            if tube_no != last_tube and len(batch) >= args.bind_batch:
                yield batch
                batch = []
            last_tube = tube_no
            batch.append((f"T{tube_no:08d}", f"15{pid - first_person:016d}", point_of[comm], "single" if comm in sealed else ""))
        if batch:
            yield batch

    stages: dict[str, dict] = {}
    at = start + dt.timedelta(hours=2)
    # The requests are written to files before the clock starts: the sampling apps that post them
    # are not on this machine, and generating them here took CPU the server needs.
    t = time.perf_counter()
    spool = Path(tempfile.mkdtemp(prefix="fk-bench-requests-"))
    request_files = []
    for number, batch in enumerate(requests_of_bindings()):
        path = spool / f"{number:05d}.pickle"
        path.write_bytes(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
        request_files.append(path)
    print(f"requests written: {len(request_files)} in {time.perf_counter() - t:.1f}s (not timed)", flush=True)
    # The workers are forked with no open database connection; each opens its own.
    connections.close_all()
    pool = multiprocessing.get_context("fork").Pool(
        args.workers, initializer=worker_init, initargs=(testing_round.pk, command.pk, lab_user.pk, lab.pk)
    )

    t = time.perf_counter()
    added, per_request = 0, []
    for n, seconds in pool.imap_unordered(worker_bind, ((path, at) for path in request_files)):
        added += n
        per_request.append(seconds)
        if len(per_request) % 10 == 1:
            print(f"  request {len(per_request)}: {seconds:.2f}s", flush=True)
    secs = time.perf_counter() - t
    spool.rmdir()
    stages["bindings"] = {
        "rows": added,
        "seconds": secs,
        "requests": len(per_request),
        "workers": args.workers,
        "request_seconds": {"min": min(per_request), "median": statistics.median(per_request), "max": max(per_request)},
        "sum_of_request_seconds": sum(per_request),
        "rss_mib": rss_mib(),
    }
    print(f"bindings: {added:,} in {secs:.1f}s ({len(per_request)} requests, {args.workers} workers), RSS {rss_mib():.0f} MiB", flush=True)

    # Results: every tube; 12 pools and 4 singles positive; uploads of whole files, side by side.
    tubes = list(Tube.objects.filter(round=testing_round).order_by("id").values_list("barcode", "member_count"))
    pools = [b for b, n in tubes if n > 1]
    singles = [b for b, n in tubes if n == 1]
    positive = set(rng.sample(pools, min(12, len(pools)))) | set(rng.sample(singles, min(4, len(singles))))
    reported = start + dt.timedelta(hours=6)
    uploads = [
        ([(b, b in positive) for b, _m in tubes[i : i + args.result_batch]], reported, f"bench-{i}")
        for i in range(0, len(tubes), args.result_batch)
    ]
    connections.close_all()
    t = time.perf_counter()
    applied, per_upload = 0, []
    for n, seconds in pool.imap_unordered(worker_results, uploads):
        applied += n
        per_upload.append(seconds)
    secs = time.perf_counter() - t
    stages["results"] = {
        "rows": applied,
        "seconds": secs,
        "requests": len(per_upload),
        "workers": args.workers,
        "sum_of_request_seconds": sum(per_upload),
        "rss_mib": rss_mib(),
    }
    print(f"results: {applied:,} tubes in {secs:.1f}s ({len(per_upload)} uploads), RSS {rss_mib():.0f} MiB", flush=True)

    # Every person's result, streamed in `--workers` parts side by side (as a feed to the health-code
    # platform would be sharded), each part counted by result in its worker.
    connections.close_all()
    t = time.perf_counter()
    counted = 0
    by_result: dict[str, int] = {}
    for n, counts in pool.imap_unordered(worker_derive, [(k, args.workers) for k in range(args.workers)]):
        counted += n
        for result, count in counts.items():
            by_result[result] = by_result.get(result, 0) + count
    secs = time.perf_counter() - t
    pool.close()
    pool.join()
    stages["derive"] = {"rows": counted, "seconds": secs, "workers": args.workers, "rss_mib": rss_mib(), "by_result": by_result}
    print(f"derive: {counted:,} person results in {secs:.1f}s ({args.workers} parts side by side) {by_result}", flush=True)

    t = time.perf_counter()
    total, grids = round_coverage(user=command, testing_round=testing_round, group_by="grid")
    secs = time.perf_counter() - t
    stages["coverage"] = {"rows": len(grids), "seconds": secs, "rss_mib": rss_mib(), "residents": total.residents, "sampled": total.sampled}
    print(
        f"coverage: {len(grids):,} grids in {secs:.1f}s; residents {total.residents:,} sampled {total.sampled:,} positive {total.positive}"
    )

    # Plain COPY of the same rows into the same tables (as round 9), for the ratio.
    plain = plain_copy(connection, testing_round.pk)

    # Latency of the two pages' selectors.
    grid_ids = list(Grid.objects.values_list("id", flat=True))
    comm_ids = [c[0] for c in communities]
    knock, cover = [], []
    for gid in rng.sample(grid_ids, min(args.probes, len(grid_ids))):
        t = time.perf_counter()
        door_knocking_list(user=command, testing_round=testing_round, grid_id=gid)
        knock.append((time.perf_counter() - t) * 1000)
    for cid in rng.sample(comm_ids, min(args.probes, len(comm_ids))):
        t = time.perf_counter()
        round_coverage(user=command, testing_round=testing_round, level="community", place_id=cid)
        cover.append((time.perf_counter() - t) * 1000)
    # The same two pages as a user gets them: the whole request (session, scoping, rendering).
    knock_page, cover_page = page_latency(
        command, testing_round, rng.sample(grid_ids, min(args.probes, len(grid_ids))), comm_ids, rng, args.probes
    )

    def pct(values, p):
        return statistics.quantiles(values, n=100)[p - 1] if len(values) > 1 else values[0]

    stage_total = sum(s["seconds"] for s in stages.values())
    out = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "database": connection.vendor,
            "load_average_at_start": load_at_start,
            "postgresql_settings": pg_settings(connection),
            "prewarmed_blocks": prewarmed,
            "load_average_at_end": os.getloadavg(),
        },
        "samples": args.samples,
        "city": {**city, "seconds": city_seconds, "settle_seconds": settle_seconds},
        "tubes": len(tubes),
        "stages": {k: {**v, "rows_per_s": v["rows"] / v["seconds"] if v["seconds"] else None} for k, v in stages.items()},
        "end_to_end_seconds": stage_total,
        "plain_copy": plain,
        "ratio_bindings_to_copy": stages["bindings"]["seconds"] / plain["bindings_seconds"],
        "ratio_results_to_copy": stages["results"]["seconds"] / plain["results_seconds"],
        "door_knocking_ms": {"p50": pct(knock, 50), "p95": pct(knock, 95)},
        "community_coverage_ms": {"p50": pct(cover, 50), "p95": pct(cover, 95)},
        "door_knocking_page_ms": {"p50": pct(knock_page, 50), "p95": pct(knock_page, 95)},
        "community_coverage_page_ms": {"p50": pct(cover_page, 50), "p95": pct(cover_page, 95)},
        "peak_rss_mib": peak_mib(),
        "targets": {"end_to_end_seconds": 60, "peak_rss_mib": 2048, "ratio": 3, "page_ms": 200},
    }
    print()
    print(f"{'stage':<10} {'rows':>12} {'seconds':>9} {'rows/s':>12} {'RSS MiB':>9}")
    for k, v in out["stages"].items():
        print(f"{k:<10} {v['rows']:>12,} {v['seconds']:>9.1f} {v['rows_per_s']:>12,.0f} {v['rss_mib']:>9.0f}")
    print(f"{'total':<10} {'':>12} {stage_total:>9.1f}")
    print(
        f"plain COPY: bindings {plain['bindings_seconds']:.1f}s ({plain['tube_rows'] + plain['member_rows']:,} rows), results {plain['results_seconds']:.1f}s"
    )
    print(f"ratio service/COPY: bindings {out['ratio_bindings_to_copy']:.2f}×, results {out['ratio_results_to_copy']:.2f}×")
    print(f"door-knocking list p50 {out['door_knocking_ms']['p50']:.0f} ms p95 {out['door_knocking_ms']['p95']:.0f} ms")
    print(f"community coverage p50 {out['community_coverage_ms']['p50']:.0f} ms p95 {out['community_coverage_ms']['p95']:.0f} ms")
    for label, key in (("door-knocking page", "door_knocking_page_ms"), ("community coverage page", "community_coverage_page_ms")):
        print(f"{label} (whole request) p50 {out[key]['p50']:.0f} ms p95 {out[key]['p95']:.0f} ms")
    print(f"peak RSS {out['peak_rss_mib']:.0f} MiB; load average at end {os.getloadavg()[0]:.2f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "testing_round.json").write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str))


def page_latency(user, testing_round, grid_ids: list[int], comm_ids: list[int], rng, probes: int) -> tuple[list[float], list[float]]:
    """Milliseconds per whole request (Django's test client: middleware, session, scoping, template)
    for door-knocking pages of `grid_ids` and the coverage pages of random communities."""
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)
    coverage = reverse("testing:coverage", args=[testing_round.pk])
    urls = (
        [reverse("testing:door_knocking", args=[testing_round.pk, g]) for g in grid_ids],
        [f"{coverage}?level=community&place={c}" for c in rng.sample(comm_ids, min(probes, len(comm_ids)))],
    )
    client.get(urls[0][0])  # templates compiled once, as in a running server
    timings: tuple[list[float], list[float]] = ([], [])
    for url_list, out in zip(urls, timings, strict=True):
        for url in url_list:
            t = time.perf_counter()
            response = client.get(url)
            out.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    return timings


def plain_copy(connection, round_id: int) -> dict:
    """COPY round `round_id`'s tubes, members and results out to files, then time COPYing them back in
    as a new round (ids shifted) — the same rows into the same tables, with the same indexes."""
    from django.db import transaction

    from fangkong.testing.models import TestingRound

    other = TestingRound.objects.create(
        number=9999, name="plain copy", starts_at=dt.datetime(2022, 2, 26, tzinfo=dt.UTC), deadline_at=dt.datetime(2022, 2, 27, tzinfo=dt.UTC),
        result_deadline_hours=24,
    )  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="fk-bench-"))
    raw = connection.connection
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) + 1000 FROM testing_tube")
        tube_shift = cur.fetchone()[0]
        cur.execute("SELECT COALESCE(MAX(id), 0) + 1000 FROM testing_tuberesult")
        result_shift = cur.fetchone()[0]
    tube_cols = ("id, round_id, barcode, sampling_point_id, district_id, street_id, community_id, pooling_mode, capacity, member_count, "
                 "is_resample, status, opened_at, sampled_at, closed_at, deadline_at, laboratory_id, received_at, resulted_at, result")  # fmt: skip
    member_cols = "round_id, tube_id, person_id, district_id, street_id, community_id, grid_id, household_id, building_id, unit_id, is_resample, sampled_at"
    result_cols = "id, round_id, tube_id, laboratory_id, result, ct_orf1ab, ct_n, reported_at, decided_by, source, source_row, is_current, superseded_by_id, created_at"
    exports = {
        "tube": (f"SELECT id + {tube_shift}, {other.pk}, barcode, sampling_point_id, district_id, street_id, community_id, pooling_mode, capacity, "
                 f"member_count, is_resample, status, opened_at, sampled_at, closed_at, deadline_at, laboratory_id, received_at, resulted_at, result "
                 f"FROM testing_tube WHERE round_id = {round_id}", tube_cols),
        "member": (f"SELECT {other.pk}, tube_id + {tube_shift}, person_id, district_id, street_id, community_id, grid_id, household_id, building_id, "
                   f"unit_id, is_resample, sampled_at FROM testing_tubemember WHERE round_id = {round_id}", member_cols),
        "result": (f"SELECT id + {result_shift}, {other.pk}, tube_id + {tube_shift}, laboratory_id, result, ct_orf1ab, ct_n, reported_at, decided_by, "
                   f"source, source_row, is_current, superseded_by_id, created_at FROM testing_tuberesult WHERE round_id = {round_id}", result_cols),
    }  # fmt: skip
    counts = {}
    for name, (select, _cols) in exports.items():
        path = tmp / f"{name}.tsv"
        n = 0
        with raw.cursor() as cur, open(path, "wb") as fh, cur.copy(f"COPY ({select}) TO STDOUT") as copy:
            for block in copy:
                fh.write(block)
                n += bytes(block).count(b"\n")
        counts[name] = n
    timings = {}
    for name, table in (("tube", "testing_tube"), ("member", "testing_tubemember"), ("result", "testing_tuberesult")):
        path = tmp / f"{name}.tsv"
        t = time.perf_counter()
        with (
            transaction.atomic(),
            raw.cursor() as cur,
            cur.copy(f"COPY {table} ({exports[name][1]}) FROM STDIN") as copy,
            open(path, "rb") as fh,
        ):
            while block := fh.read(1 << 20):
                copy.write(block)
        timings[name] = time.perf_counter() - t
        path.unlink()
    with connection.cursor() as cur:  # the explicit ids went past the sequences
        for table in ("testing_tube", "testing_tuberesult"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    tmp.rmdir()
    return {
        "round_id": other.pk,
        "tube_rows": counts["tube"],
        "member_rows": counts["member"],
        "result_rows": counts["result"],
        "bindings_seconds": timings["tube"] + timings["member"],
        "results_seconds": timings["result"],
        "seconds": timings,
    }


if __name__ == "__main__":
    main()
