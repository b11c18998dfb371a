"""Benchmark: one mass-testing round on a synthetic city, its data arriving as users send it.

    .venv/bin/python bench/testing_round.py [--samples 3000000] [--workers 2] [--reuse-city]
        [--bind-path view|parse] [--copy-format binary|text] [--database-url postgres://…/fangkong_bench_testing]

1. Creates a separate PostgreSQL database (dropped and re-created; `--reuse-city` keeps one whose
   city has the right size and empties only the testing tables), migrates it and generates a
   synthetic city with ~1.1 residents per sample (people rows written with fangkong.core.bulk;
   sealed ID numbers are replaced by a placeholder cipher — only the keyed look-up hash matters
   here). Then VACUUM ANALYZE, CHECKPOINT and sync (a city is registered days before a round: its
   pages are on disk and vacuumed) and pg_prewarm of the registry (as on a server in use). Not timed.
2. Plans round 8 on the wall clock (the whole city as a 管控区 → 10-in-1 from the active policy; 1 %
   of the communities sealed → single tubes), one sampling point per community, and writes the
   sampling apps' requests to files as JSON bodies (whole tubes, 50,000 rows each, each row with its
   barcode, ID number, sampling point and swab time). Not timed.
3. Stages, each timed, with rows/s and RSS; bindings and results run `--workers` requests side by
   side (forked processes, one connection each), as many sampling apps and labs post at once:
   bindings  — every request's JSON body POSTed to the API view (DRF's test client, token
               authentication, DRF's JSON parser, api.bindings.parse_binding_request,
               services.bulk_bind, the response); `--bind-path parse` skips the HTTP layer (DRF's
               JSONParser on the bytes → parse_binding_request → bulk_bind);
   results   — every tube's result in lab CSV files of 20,000 rows (bytes), each through
               result_uploads.result_upload_create as the lab page receives it: the file kept
               encrypted, a ResultUpload row, the background job (run in the worker on commit, as a
               Huey worker runs it) reading it back → ingest.parse_upload → services.results_ingest →
               the upload's report; a few positive pools and single positives so the consequences run;
   derive    — every person's result in the round streamed through selectors.person_result_rows, in
               `--workers` parts side by side (equal ranges of the round's tube ids);
   coverage  — round_coverage for every grid of the city at once (selectors.round_coverage).
   Each request's elapsed time, its process's CPU and its database backend's CPU (/proc) are kept.
4. Plain COPY of the same tube, member and result rows into the same tables (as another round), in
   transactions of the same size as the requests and files, `--workers` side by side, for the ratios
   service / COPY: by wall time, by stream-seconds, and per stream by CPU-seconds (bench/README.md).
5. p50/p95 of a grid's door-knocking list and a community's coverage (50 random each).
Prints a table naming the machine, the PostgreSQL settings, the sizes and the concurrency, and
writes the same to bench/results/testing_round.json.
"""

# ruff: noqa: E501
from __future__ import annotations

import argparse
import atexit
import datetime as dt
import io
import itertools
import json
import multiprocessing
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

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
POOL_SIZE = 10  # the largest tube the round uses (10-in-1): a request of whole tubes stays within --bind-batch


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


def resident_number(index: int) -> str:
    """The index-th resident's ID number: a valid one (region 150102, a birth date per 1,000 people,
    the check digit), so a request's numbers go through the checks a real one does. (It was
    "15" + 16 digits, which the ID check now refuses: region 150000.)"""
    from fangkong.geo.idnumbers import make_resident_id

    return make_resident_id("150102", dt.date(1950, 1, 1) + dt.timedelta(days=index // 1000), index % 1000)


def seal_numbers(person_ids: list[int]) -> None:
    """Give these people of build_city's city their sealed ID number (the city stores a placeholder
    cipher): for a bench step whose service reads a number or the birth date it holds (a case opened
    from a positive reads the person's age)."""
    from fangkong.core.crypto import encrypt
    from fangkong.geo.models import Person

    for pk, name in Person.objects.filter(pk__in=person_ids).values_list("pk", "name"):
        Person.objects.filter(pk=pk).update(id_cipher=encrypt(resident_number(int(name.removeprefix("居民")))))


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
                            number = resident_number(index)
                            persons.append(
                                (next(person_ids), h, d, s, c, g, f"居民{index}", "resident_id", "bench", sealer.lookup_hash("id", number),
                                 number[:6] + "********" + number[-4:], number[-4:], rng.choice("MF"), 1950 + index % 60,
                                 1950 + index % 60, "", "", "", now, now)
                            )  # fmt: skip
                            index += 1
            uw.write(units)
            hw.write(households)
            pw.write(persons)
    return {"streets": len(streets), "communities": len(communities), "grids": len(grids), "people": index}


_WORKER: dict = {}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) a PostgreSQL backend has used so far, from /proc (the server on
    this machine), or None when it cannot be read (another host)."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class Meter:
    """Elapsed time, this process's CPU and its database backend's CPU over a `with` block."""

    def __enter__(self) -> Meter:
        from django.db import connection

        connection.ensure_connection()
        if _WORKER.get("raw") is not connection.connection:  # reconnected since: another backend
            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                _WORKER.update(raw=connection.connection, backend_pid=cur.fetchone()[0])
        self.pid = _WORKER["backend_pid"]
        self.backend0 = backend_cpu(self.pid)
        self.profile = None
        if _WORKER.get("profile_dir"):
            import cProfile

            self.profile = cProfile.Profile()
            self.profile.enable()
        self.cpu0 = time.process_time()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.elapsed = time.perf_counter() - self.t0
        if self.profile is not None:
            self.profile.disable()
            self.profile.dump_stats(_WORKER["profile_dir"] / f"{os.getpid()}-{time.monotonic_ns()}.prof")
        self.client_cpu = time.process_time() - self.cpu0
        end = backend_cpu(self.pid)
        self.backend_cpu = end - self.backend0 if end is not None and self.backend0 is not None else None

    def row(self, rows: int) -> dict:
        return {"rows": rows, "seconds": self.elapsed, "client_cpu": self.client_cpu, "backend_cpu": self.backend_cpu}


def worker_init(round_id: int, command_id: int, lab_user_id: int, lab_id: int, api_key: str, profile_dir: Path | None = None) -> None:
    """In a forked worker: the round, the users and the lab, read once over the worker's own
    connection (whose backend's CPU the stages read from /proc); the API client a sampling app's
    requests go through; background jobs run in this process when their transaction commits (Huey's
    immediate mode: the job a 20,000-row lab file queues runs here, as a Huey worker would run it)."""
    from django.conf import settings
    from django.db import connection
    from huey.contrib.djhuey import HUEY
    from rest_framework.test import APIClient

    from fangkong.accounts.models import User
    from fangkong.core.crypto import Sealer
    from fangkong.testing.models import Laboratory, TestingRound

    HUEY.immediate = True
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend_pid = cur.fetchone()[0]
    _WORKER.update(
        raw=connection.connection,
        profile_dir=profile_dir,
        round=TestingRound.objects.get(pk=round_id),
        command=User.objects.get(pk=command_id),
        lab_user=User.objects.get(pk=lab_user_id),
        lab=Laboratory.objects.get(pk=lab_id),
        sealer=Sealer(),
        client=APIClient(),
        api_key=api_key,
        backend_pid=backend_pid,
    )
    # As in a running server: the URL resolver, the API's modules and the upload path loaded once
    # (not timed) — a first request otherwise pays for importing them.
    import fangkong.testing.services.result_uploads  # noqa: F401

    response = _WORKER["client"].get(f"/api/testing/rounds/{round_id}/", HTTP_AUTHORIZATION=f"Token {api_key}")
    assert response.status_code == 200, response.status_code


def worker_bind(job) -> dict:
    """One sampling app's request: the JSON body as posted, through the API view (DRF's test client:
    token authentication, DRF's JSON parser, `parse_binding_request`, `bulk_bind`, the response) or,
    with --bind-path parse, through DRF's JSONParser and `parse_binding_request` into `bulk_bind`."""
    path, bind_path = job
    body = path.read_bytes()
    path.unlink()
    testing_round = _WORKER["round"]
    with Meter() as meter:
        if bind_path == "view":
            response = _WORKER["client"].post(
                f"/api/testing/rounds/{testing_round.pk}/bindings/",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {_WORKER['api_key']}",
            )
            if response.status_code != 201:
                raise RuntimeError(f"bindings request {path.name}: HTTP {response.status_code} {response.content[:2000]!r}")
            added = response.json()["members_added"]
        else:
            from rest_framework.parsers import JSONParser

            from fangkong.testing.api.bindings import parse_binding_request
            from fangkong.testing.services import bulk_bind

            parsed = parse_binding_request(JSONParser().parse(io.BytesIO(body)))
            report = bulk_bind(
                actor=_WORKER["command"], testing_round=testing_round, bindings=parsed.bindings, pooling_mode=parsed.pooling_mode
            )
            added = report.members_added
    return meter.row(added)


def worker_results(path: Path) -> dict:
    """One lab file (CSV bytes) through `result_upload_create`, as the lab page receives it: the file
    kept encrypted, a ResultUpload row; above the inline limit a background job, run here on commit,
    reads the file back, parses it and applies it through `results_ingest`, and records the report."""
    from fangkong.testing.choices import UploadStatus
    from fangkong.testing.models import ResultUpload
    from fangkong.testing.services.result_uploads import result_upload_create

    data = path.read_bytes()
    path.unlink()
    with Meter() as meter:
        upload = result_upload_create(
            actor=_WORKER["lab_user"], testing_round=_WORKER["round"], laboratory=_WORKER["lab"], filename=path.name, data=data
        )
        upload = ResultUpload.objects.get(pk=upload.pk)
    if upload.status != UploadStatus.SUCCEEDED:
        raise RuntimeError(f"upload {path.name}: {upload.status} {upload.message} {upload.errors[:5]}")
    return {**meter.row(upload.created_count + upload.superseded_count), "in_background": upload.in_background}


def worker_copy(job: tuple[int, list[tuple[str, str, Path, str]]]) -> dict:
    """One plain COPY transaction: each (table, columns, file, format) COPYed in, then COMMIT."""
    from django.db import connection, transaction

    rows, parts = job
    with Meter() as meter, transaction.atomic():
        raw = connection.connection
        for table_name, columns, path, fmt in parts:
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY {table_name} ({columns}) FROM STDIN{copy_options(fmt)}") as copy,
                open(path, "rb") as fh,
            ):
                while block := fh.read(1 << 20):
                    copy.write(block)
    for _t, _c, path, _f in parts:
        path.unlink()
    return meter.row(rows)


def worker_derive(part: tuple[int, int]) -> tuple[int, dict[str, int]]:
    """One part of every person's result in the round, streamed and counted by result."""
    from fangkong.testing.selectors import person_result_rows

    counted, by_result = 0, {}
    for _pid, _tube, result, _when, _re in person_result_rows(testing_round=_WORKER["round"], part=part):
        counted += 1
        by_result[result] = by_result.get(result, 0) + 1
    return counted, by_result


def machine_facts() -> dict:
    """What a reader needs to compare a run with another: the CPU, cores, memory, kernel, Python."""
    model = ""
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        pass
    memory_gib = None
    try:
        with open("/proc/meminfo") as fh:
            kib = next(int(line.split()[1]) for line in fh if line.startswith("MemTotal:"))
        memory_gib = round(kib / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    return {
        "cpu_model": model or platform.processor(),
        "cpus": os.cpu_count(),
        "memory_gib": memory_gib,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def total(rows: list[dict], key: str) -> float | None:
    values = [r[key] for r in rows]
    return None if any(v is None for v in values) else sum(values)


def stage_of(per: list[dict], wall: float, workers: int, **extra) -> dict:
    """A stage's figures: rows, wall time, and per stream the sums of its requests' elapsed time,
    client CPU and backend CPU (stream-seconds: what the requests cost, whatever ran beside them)."""
    seconds = [r["seconds"] for r in per]
    return {
        "rows": sum(r["rows"] for r in per),
        "seconds": wall,
        "requests": len(per),
        "workers": workers,
        "request_seconds": {"min": min(seconds), "median": statistics.median(seconds), "max": max(seconds)},
        "sum_of_request_seconds": sum(seconds),
        "client_cpu_seconds": total(per, "client_cpu"),
        "backend_cpu_seconds": total(per, "backend_cpu"),
        "rss_mib": rss_mib(),
        **extra,
    }


def cpu_seconds(stage: dict) -> float | None:
    if stage["client_cpu_seconds"] is None or stage["backend_cpu_seconds"] is None:
        return None
    return stage["client_cpu_seconds"] + stage["backend_cpu_seconds"]


def ratios(service: dict, copy: dict) -> dict:
    """service / plain COPY: by wall time (both with the same number of streams), by stream-seconds
    (the sums of each request's and each COPY transaction's elapsed time) and by CPU-seconds per
    stream (client process + its database backend, summed over the requests / COPY transactions)."""
    service_cpu, copy_cpu = cpu_seconds(service), cpu_seconds(copy)
    return {
        "wall": service["seconds"] / copy["seconds"],
        "stream_seconds": service["sum_of_request_seconds"] / copy["sum_of_request_seconds"],
        "per_stream_cpu": service_cpu / copy_cpu if service_cpu is not None and copy_cpu else None,
    }


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
    parser.add_argument(
        "--bind-path",
        choices=["view", "parse"],
        default="view",
        help="view: each request through the API view (DRF test client, token auth); parse: DRF's JSONParser + parse_binding_request + bulk_bind",
    )
    parser.add_argument("--copy-format", choices=["binary", "text"], default="binary", help="format of the plain COPY baseline")
    parser.add_argument("--profile", type=Path, help="run each request and upload under cProfile and write its stats into this directory")
    parser.add_argument("--json", type=Path, default=RESULTS / "testing_round.json", help="where to write the results")
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    load_at_start = os.getloadavg()
    print(f"load average at start: {load_at_start[0]:.2f} {load_at_start[1]:.2f} {load_at_start[2]:.2f}", flush=True)

    people = int(args.samples * PEOPLE_PER_SAMPLE)
    reuse = args.reuse_city and city_size(args.database_url) == people
    if not reuse:
        make_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    # The lab files the uploads keep (encrypted), the cache their progress goes through and the
    # job queue: a directory of this run's own, removed at the end (never the dev server's var/).
    own_var = "FANGKONG_VAR_DIR" not in os.environ
    if own_var:
        os.environ["FANGKONG_VAR_DIR"] = tempfile.mkdtemp(prefix="fk-bench-var-")
        (Path(os.environ["FANGKONG_VAR_DIR"]) / "staticfiles").mkdir()  # WhiteNoise's root (it warns when missing)
        atexit.register(shutil.rmtree, os.environ["FANGKONG_VAR_DIR"], ignore_errors=True)  # also when a stage fails
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from fangkong.accounts.models import Grant, User
    from fangkong.accounts.services.tokens import api_token_sign_in
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
    # The sampling apps' token (Authorization: Token …), as the API's sign-in issues it.
    api_key = api_token_sign_in(user=command, second_factor=True).key
    communities = list(Community.objects.order_by("id").values_list("id", "district_id", "street_id"))
    rng = random.Random(2022)
    sealed = set(rng.sample([c[0] for c in communities], max(1, len(communities) // 100)))
    # The round runs on the wall clock, as the services check times against it: it started ten hours
    # ago, the samples were taken between eight and seven hours ago (the apps post each tube's swab
    # time), the lab reports from six hours ago on. Times in Beijing, as the apps and labs send them.
    clock = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = clock - dt.timedelta(hours=10)
    beijing = ZoneInfo("Asia/Shanghai")
    swabbed_from = (clock - dt.timedelta(hours=8)).astimezone(beijing)
    reported_from = (clock - dt.timedelta(hours=6)).astimezone(beijing)
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
    swab_times = [(swabbed_from + dt.timedelta(seconds=s)).isoformat() for s in range(3600)]

    def requests_of_bindings():
        """Each request's JSON body as a sampling app posts it (a JSON array of rows, see docs/api.md)."""
        rows = Person.objects.order_by("id").values_list("id", "community_id").iterator(chunk_size=50_000)
        sampled = ((pid, comm) for pid, comm in rows if pid % 10 != 3)
        packed = pack_tubes(itertools.islice(sampled, args.samples), lambda comm: 1 if comm in sealed else 10)
        batch, last_tube = [], None
        for tube_no, comm, pid in packed:
            if tube_no != last_tube and len(batch) + POOL_SIZE > args.bind_batch:  # the API takes ≤ 50,000 rows
                yield batch
                batch = []
            last_tube = tube_no
            row = {
                "barcode": f"T{tube_no:08d}",
                "id_number": resident_number(pid - first_person),
                "sampling_point": point_of[comm],
                "sampled_at": swab_times[tube_no % 3600],
            }
            if comm in sealed:
                row["pooling_mode"] = "single"
            batch.append(row)
        if batch:
            yield batch

    stages: dict[str, dict] = {}
    # The requests are written to files before the clock starts: the sampling apps that post them
    # are not on this machine, and generating them here took CPU the server needs.
    t = time.perf_counter()
    spool = Path(tempfile.mkdtemp(prefix="fk-bench-requests-"))
    request_files, request_bytes = [], 0
    for number, batch in enumerate(requests_of_bindings()):
        path = spool / f"{number:05d}.json"
        body = json.dumps(batch, ensure_ascii=False, separators=(",", ":")).encode()
        request_bytes += len(body)
        path.write_bytes(body)
        request_files.append(path)
    print(
        f"requests written: {len(request_files)} JSON bodies, {request_bytes / len(request_files) / 1e6:.1f} MB each, in {time.perf_counter() - t:.1f}s (not timed)",
        flush=True,
    )
    # The workers are forked with no open database connection; each opens its own.
    connections.close_all()
    pool = multiprocessing.get_context("fork").Pool(
        args.workers, initializer=worker_init, initargs=(testing_round.pk, command.pk, lab_user.pk, lab.pk, api_key, args.profile)
    )

    t = time.perf_counter()
    per_request: list[dict] = []
    for row in pool.imap_unordered(worker_bind, ((path, args.bind_path) for path in request_files)):
        per_request.append(row)
        if len(per_request) % 10 == 1:
            print(f"  request {len(per_request)}: {row['seconds']:.2f}s", flush=True)
    secs = time.perf_counter() - t
    spool.rmdir()
    stages["bindings"] = stage_of(per_request, secs, args.workers, path=args.bind_path, request_mb=request_bytes / len(request_files) / 1e6)
    b = stages["bindings"]
    print(
        f"bindings: {b['rows']:,} in {secs:.1f}s ({b['requests']} requests through the {args.bind_path}, {args.workers} workers)",
        flush=True,
    )

    # Results: every tube, in lab CSV files of --result-batch rows (built before the clock: the labs
    # export them); 12 pools and 4 singles positive. Uploaded side by side.
    tubes = list(Tube.objects.filter(round=testing_round).order_by("id").values_list("barcode", "member_count"))
    pools = [b for b, n in tubes if n > 1]
    singles = [b for b, n in tubes if n == 1]
    positive = set(rng.sample(pools, min(12, len(pools)))) | set(rng.sample(singles, min(4, len(singles))))
    spool = Path(tempfile.mkdtemp(prefix="fk-bench-labfiles-"))
    upload_files = []
    for number, i in enumerate(range(0, len(tubes), args.result_batch)):
        lines = ["条码,结果,ORF1ab,N,报告时间"]
        for n, (barcode, _m) in enumerate(tubes[i : i + args.result_batch]):
            reported = (reported_from + dt.timedelta(seconds=n)).strftime("%Y-%m-%d %H:%M:%S")
            lines.append(f"{barcode},阳性,27.5,28.0,{reported}" if barcode in positive else f"{barcode},阴性,,,{reported}")
        path = spool / f"bench-{number:04d}.csv"
        path.write_bytes(("\n".join(lines) + "\n").encode())
        upload_files.append(path)
    connections.close_all()
    t = time.perf_counter()
    per_upload = list(pool.imap_unordered(worker_results, upload_files))
    secs = time.perf_counter() - t
    spool.rmdir()
    stages["results"] = stage_of(per_upload, secs, args.workers, in_background=sum(1 for u in per_upload if u["in_background"]))
    print(f"results: {stages['results']['rows']:,} tubes in {secs:.1f}s ({len(per_upload)} uploads)", flush=True)

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
    stages["derive"] = {"rows": counted, "seconds": secs, "workers": args.workers, "rss_mib": rss_mib(), "by_result": by_result}
    print(f"derive: {counted:,} person results in {secs:.1f}s ({args.workers} parts side by side) {by_result}", flush=True)

    t = time.perf_counter()
    total_cov, grids = round_coverage(user=command, testing_round=testing_round, group_by="grid")
    secs = time.perf_counter() - t
    stages["coverage"] = {
        "rows": len(grids), "seconds": secs, "rss_mib": rss_mib(), "residents": total_cov.residents, "sampled": total_cov.sampled,
    }  # fmt: skip
    print(
        f"coverage: {len(grids):,} grids in {secs:.1f}s; residents {total_cov.residents:,} sampled {total_cov.sampled:,} positive {total_cov.positive}"
    )

    # Plain COPY of the same rows into the same tables (as round 9999), in transactions of the same
    # size as the requests and uploads, `--workers` side by side: the ratio compares like with like.
    plain = plain_copy(connection, connections, pool, testing_round.pk, args)
    pool.close()
    pool.join()
    ratio = {name: ratios(stages[name], plain[name]) for name in ("bindings", "results")}

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
    base, _, db_name = args.database_url.rpartition("/")
    out = {
        "machine": {**machine_facts(), "load_average_at_start": load_at_start, "load_average_at_end": os.getloadavg()},
        "postgresql": {
            "database": f"{base.rpartition('@')[2]}/{db_name}",
            "settings": pg_settings(connection),
            "prewarmed_blocks": prewarmed,
        },
        "sizes": {
            "samples": args.samples,
            "residents": city["people"],
            "grids": city["grids"],
            "tubes": len(tubes),
            "bind_requests": stages["bindings"]["requests"],
            "bind_batch": args.bind_batch,
            "lab_files": stages["results"]["requests"],
            "result_batch": args.result_batch,
        },
        "concurrency": {"workers": args.workers, "bind_path": args.bind_path, "copy_format": args.copy_format, "copy_streams": args.workers},
        "city": {**city, "seconds": city_seconds, "settle_seconds": settle_seconds, "reused": reuse},
        "stages": {k: {**v, "rows_per_s": v["rows"] / v["seconds"] if v["seconds"] else None} for k, v in stages.items()},
        "end_to_end_seconds": stage_total,
        "plain_copy": plain,
        "ratio_to_copy": ratio,
        "door_knocking_ms": {"p50": pct(knock, 50), "p95": pct(knock, 95)},
        "community_coverage_ms": {"p50": pct(cover, 50), "p95": pct(cover, 95)},
        "door_knocking_page_ms": {"p50": pct(knock_page, 50), "p95": pct(knock_page, 95)},
        "community_coverage_page_ms": {"p50": pct(cover_page, 50), "p95": pct(cover_page, 95)},
        "peak_rss_mib": peak_mib(),
        "targets": {
            "end_to_end_seconds": 60, "peak_rss_mib": 2048, "page_ms": 200,
            "per_stream_ratio": {"bindings": 2, "results": 4},
        },
    }  # fmt: skip
    report(out)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str))


def report(out: dict) -> None:
    """The table: what ran where, then the stages, then service against plain COPY."""
    m, pg, sizes, conc = out["machine"], out["postgresql"], out["sizes"], out["concurrency"]
    settings = pg["settings"]
    print()
    print(f"machine: {m['cpu_model']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, {m['platform']}, Python {m['python']}")
    print(f"load average: {m['load_average_at_start'][0]:.2f} at start, {m['load_average_at_end'][0]:.2f} at end")
    print("PostgreSQL " + ", ".join(f"{k} {v}" for k, v in settings.items()))
    print(
        f"sizes: {sizes['samples']:,} samples, {sizes['residents']:,} residents, {sizes['grids']:,} grids, {sizes['tubes']:,} tubes; "
        f"{sizes['bind_requests']} binding requests of {sizes['bind_batch']:,}, {sizes['lab_files']} lab files of {sizes['result_batch']:,}"
    )
    print(
        f"concurrency: {conc['workers']} streams for the services and for the plain COPY; bindings through the {conc['bind_path']}; "
        f"COPY format {conc['copy_format']}"
    )
    print()
    print(f"{'stage':<10} {'rows':>12} {'seconds':>9} {'rows/s':>12} {'RSS MiB':>9}")
    for k, v in out["stages"].items():
        print(f"{k:<10} {v['rows']:>12,} {v['seconds']:>9.1f} {v['rows_per_s']:>12,.0f} {v['rss_mib']:>9.0f}")
    print(f"{'total':<10} {'':>12} {out['end_to_end_seconds']:>9.1f}")
    print()

    def cpu(stage: dict) -> str:
        c = cpu_seconds(stage)
        return f"{c:.1f} ({stage['client_cpu_seconds']:.1f}+{stage['backend_cpu_seconds']:.1f})" if c is not None else "n/a"

    print(f"{'':<9} {'wall s':>7} {'stream-s':>9} {'CPU-s (client+backend)':>24}")
    for name in ("bindings", "results"):
        service, copy, r = out["stages"][name], out["plain_copy"][name], out["ratio_to_copy"][name]
        print(f"{name:<9} {service['seconds']:>7.1f} {service['sum_of_request_seconds']:>9.1f} {cpu(service):>24}   service")
        print(
            f"{'':<9} {copy['seconds']:>7.1f} {copy['sum_of_request_seconds']:>9.1f} {cpu(copy):>24}   plain COPY ({copy['rows']:,} rows)"
        )
        per_stream = f"{r['per_stream_cpu']:.2f}×" if r["per_stream_cpu"] is not None else "n/a"
        print(f"{'':<9} {r['wall']:>6.2f}× {r['stream_seconds']:>8.2f}× {per_stream:>24}   ratio (wall / stream-seconds / per stream, CPU)")
    print()
    print(f"door-knocking list p50 {out['door_knocking_ms']['p50']:.0f} ms p95 {out['door_knocking_ms']['p95']:.0f} ms")
    print(f"community coverage p50 {out['community_coverage_ms']['p50']:.0f} ms p95 {out['community_coverage_ms']['p95']:.0f} ms")
    for label, key in (("door-knocking page", "door_knocking_page_ms"), ("community coverage page", "community_coverage_page_ms")):
        print(f"{label} (whole request) p50 {out[key]['p50']:.0f} ms p95 {out[key]['p95']:.0f} ms")
    print(f"peak RSS {out['peak_rss_mib']:.0f} MiB")


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


def copy_options(fmt: str) -> str:
    return " (FORMAT binary)" if fmt == "binary" else ""


def column_types(cur, table_name: str) -> list[tuple[str, str]]:
    cur.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum",
        [table_name],
    )
    return list(cur.fetchall())


def plain_copy(connection, connections, pool, round_id: int, args) -> dict:
    """The round's tubes, members and results COPYed out to files, then COPYed back in as a new round
    (ids shifted): the same rows into the same tables, with the same indexes, in transactions of the
    same size as the requests (a request's tubes and members: whole tubes, ≤ --bind-batch members)
    and the lab files (--result-batch results), `--workers` transactions side by side. Returns per
    baseline the wall time and, per transaction, elapsed, client CPU and backend CPU."""
    from fangkong.testing.models import TestingRound

    other = TestingRound.objects.create(
        number=9999, name="plain copy", starts_at=dt.datetime(2022, 2, 26, tzinfo=dt.UTC), deadline_at=dt.datetime(2022, 2, 27, tzinfo=dt.UTC),
        result_deadline_hours=24,
    )  # fmt: skip
    fmt = args.copy_format
    tmp = Path(tempfile.mkdtemp(prefix="fk-bench-copy-"))
    raw = connection.connection
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) + 1000 FROM testing_tube")
        tube_shift = cur.fetchone()[0]
        cur.execute("SELECT COALESCE(MAX(id), 0) + 1000 FROM testing_tuberesult")
        result_shift = cur.fetchone()[0]
        cur.execute("SELECT id, member_count FROM testing_tube WHERE round_id = %s ORDER BY id", [round_id])
        tube_counts = cur.fetchall()
        types = {name: column_types(cur, name) for name in ("testing_tube", "testing_tubemember", "testing_tuberesult")}
    shifted = {
        "testing_tube": {"id": f"id + {tube_shift}", "round_id": str(other.pk)},
        "testing_tubemember": {"round_id": str(other.pk), "tube_id": f"tube_id + {tube_shift}"},
        "testing_tuberesult": {
            "id": f"id + {result_shift}", "round_id": str(other.pk), "tube_id": f"tube_id + {tube_shift}",
            "superseded_by_id": f"superseded_by_id + {result_shift}",
        },
    }  # fmt: skip
    # The member table's own id is left to its sequence, as the services leave it.
    skip = {"testing_tubemember": {"id"}}

    def export(table_name: str, where: str, path: Path) -> int:
        cols = [(c, t) for c, t in types[table_name] if c not in skip.get(table_name, set())]
        select = ", ".join(f"({shifted[table_name].get(c, c)})::{t}" for c, t in cols)
        with raw.cursor() as cur, open(path, "wb") as fh:
            with cur.copy(
                f"COPY (SELECT {select} FROM {table_name} WHERE round_id = {round_id} AND {where}) TO STDOUT{copy_options(fmt)}"
            ) as copy:
                for block in copy:
                    fh.write(block)
            n = cur.rowcount
        return n

    def columns(table_name: str) -> str:
        return ", ".join(c for c, _t in types[table_name] if c not in skip.get(table_name, set()))

    # Transactions as the requests were cut: whole tubes, at most --bind-batch members.
    bind_ranges, lo, prev, members = [], None, None, 0
    for tube_id, count in tube_counts:
        if lo is not None and members + POOL_SIZE > args.bind_batch:
            bind_ranges.append((lo, prev))
            lo, members = None, 0
        lo = tube_id if lo is None else lo
        members += count
        prev = tube_id
    if lo is not None:
        bind_ranges.append((lo, prev))
    result_ranges = [
        (tube_counts[i][0], tube_counts[min(i + args.result_batch, len(tube_counts)) - 1][0])
        for i in range(0, len(tube_counts), args.result_batch)
    ]
    bind_jobs, result_jobs = [], []
    for n, (a, b) in enumerate(bind_ranges):
        tube_file, member_file = tmp / f"tube-{n}", tmp / f"member-{n}"
        export("testing_tube", f"id BETWEEN {a} AND {b}", tube_file)
        rows = export("testing_tubemember", f"tube_id BETWEEN {a} AND {b}", member_file)
        bind_jobs.append(
            (
                rows,
                [
                    ("testing_tube", columns("testing_tube"), tube_file, fmt),
                    ("testing_tubemember", columns("testing_tubemember"), member_file, fmt),
                ],
            )
        )
    for n, (a, b) in enumerate(result_ranges):
        result_file = tmp / f"result-{n}"
        rows = export("testing_tuberesult", f"tube_id BETWEEN {a} AND {b}", result_file)
        result_jobs.append((rows, [("testing_tuberesult", columns("testing_tuberesult"), result_file, fmt)]))
    connections.close_all()
    out = {"round_id": other.pk, "format": fmt, "streams": args.workers}
    for name, jobs in (("bindings", bind_jobs), ("results", result_jobs)):
        t = time.perf_counter()
        per = list(pool.imap_unordered(worker_copy, jobs))
        out[name] = stage_of(per, time.perf_counter() - t, args.workers)
    with connection.cursor() as cur:  # the explicit ids went past the sequences
        for table_name in ("testing_tube", "testing_tuberesult"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), (SELECT MAX(id) FROM {table_name}))")
    tmp.rmdir()
    print(
        f"plain COPY ({fmt}, {args.workers} streams): bindings {out['bindings']['seconds']:.1f}s ({len(bind_jobs)} transactions), "
        f"results {out['results']['seconds']:.1f}s ({len(result_jobs)} transactions)",
        flush=True,
    )
    return out


if __name__ == "__main__":
    main()
