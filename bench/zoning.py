"""Benchmark: risk areas at the height of an outbreak (issue 14, "Scale and speed").

    .venv/bin/python bench/zoning.py [--people 3500000] [--buildings N] [--reuse-city [--reuse-inputs]]
        [--keep-database] [--public-only] [--concurrency 200] [--requests 2000] [--seconds 60] [--port 8153]
        [--json PATH] [--database-url postgres://…/fangkong_bench_zoning]

1. Its own database (dropped and re-created) with make_city's synthetic city (`manage.py make_city`
   in a child process, as bench/make_city.py runs it; not timed). `--reuse-city` keeps a database
   whose city has the right size and only empties the testing and zoning tables; with
   `--reuse-inputs` it keeps the areas and the round too when `--buildings` are already in force.
2. Fixed inputs, written with COPY (not timed): the 20 measures profile; `--buildings` buildings
   (default 20,000 at 3.5 million people, in proportion below) chosen with a fixed seed, each a
   high-risk area in force since day 0 (10:00 Beijing, five days before the evaluation day); a full
   testing round sampled on the evaluation day (07:00–11:00): every resident of a building in force
   in a single tube (door to door), everyone else in 10-in-1 tubes, 2 % of the city not sampled,
   results at 15:00. Among the buildings in force: 40 % fully screened negative (due), 30 % with a
   tube still awaited, 15 % with a resident not sampled, 5 % with a positive single (the clock
   restarts), the rest with an earlier day-3 negative only for one resident (before the window).
   The evaluation time T is 18:00 Beijing on that day (always in the past: yesterday or earlier).
   Then VACUUM ANALYZE and CHECKPOINT (a city is registered days before an outbreak).
3. Timed:
   - **lifting**: every area in force read and `lifting_statuses` (the clocks and the missing
     screenings of all areas: one statement), two runs; then `lifting_review` (the hourly service:
     the same plus the update and the audit row). Against it, **the same statement in plain psql**
     (its parameters inlined, `\\timing`), one run: what the database alone needs.
   - **found-in**: `zoning.selectors.area_at` (a place's area at a time) and `zoning.found_in`
     (`found_in_for`: the person's states, then their places' area) for 200 people (half living in
     an area in force), at T: p50 / p95 / max.
   - **public list over HTTP**: gunicorn with the production settings (config.settings.prod, Redis
     cache, `--workers 5` as in the operator guide, the access log to a file) on 127.0.0.1;
     `--concurrency` clients (asyncio, one TCP connection per request, each from its own address in
     X-Forwarded-For as behind the proxy, X-Forwarded-Proto https), each scenario bounded by
     `--requests` and `--seconds`: a static file served by the same gunicorn (the physical limit at
     this concurrency), the address search ("is my building…", `/zoning/public/?q=…`), the JSON feed
     searched (`feed.json?q=…`) and, with fewer requests, the whole feed and the whole list. A
     client waits at most 30 s for an answer (then counted with status 0). Per scenario, **the
     server's CPU per request** (gunicorn's processes and the PostgreSQL backends of the bench's
     database, from /proc; the backends kept for the run: `DB_CONN_MAX_AGE=600`), Redis's (the whole
     shared server) and the clients', and the load average: the numbers to compare on a shared machine.
4. Prints a table and writes `bench/results/zoning.json` with the machine, the load average at start
   and end, PostgreSQL's settings and the sizes. Drops its database at the end (unless
   `--keep-database`); the gunicorn it started is stopped by its pid.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from make_city import recreate  # noqa: E402  (bench/make_city.py)

RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fangkong_bench_zoning"
FULL_CITY, FULL_BUILDINGS = 3_500_000, 20_000
PROFILE = "twenty-measures"
REQUEST_TIMEOUT = 30.0  # seconds a client waits for an answer (status 0 after that)
WHOLE, WHOLE_CLIENTS = 100, 50  # the whole list and feed (every place in force): fewer requests, 50 clients
SEED = 14


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def machine_facts() -> dict:
    cpu = ""
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as fh:
        mem_kib = int(fh.readline().split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def pg_settings() -> dict:
    from django.db import connection

    names = ["server_version", "shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "max_parallel_workers_per_gather"]
    with connection.cursor() as cur:
        cur.execute("SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [names])
        return {n: f"{s}{' × ' + u if u else ''}" for n, s, u in cur.fetchall()}


def city_size(url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT COUNT(*) FROM geo_person").fetchone()[0]
    except psycopg.Error:
        return 0


def build_city(args) -> dict:
    env = {**os.environ, "DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    if args.reuse_city and city_size(args.database_url) == args.people:
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # the code may have moved on
        return {"reused": True}
    recreate(args.database_url)
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.monotonic()
    subprocess.run([*manage, "make_city", "--people", str(args.people), "--seed", "2022"], cwd=ROOT, env=env, check=True)
    return {"reused": False, "make_city_seconds": round(time.monotonic() - started, 1)}


# ---- fixed inputs ----


def evaluation_time() -> dt.datetime:
    """18:00 Beijing on the last day that is over everywhere (yesterday, Beijing)."""
    from fangkong.policy.regimen import local_date, local_midnight

    today = local_date(dt.datetime.now(dt.UTC))
    return local_midnight(today - dt.timedelta(days=1)) + dt.timedelta(hours=18)


def clear_tables() -> None:
    from django.apps import apps
    from django.db import connection

    models = [*apps.get_app_config("testing").get_models(), *apps.get_app_config("zoning").get_models()]
    tables = ", ".join(f'"{m._meta.db_table}"' for m in models)
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def load_inputs(args, T: dt.datetime) -> dict:
    """The areas in force and the round, with COPY (see the module's docstring)."""
    from django.db import connection, transaction

    from fangkong.core.bulk import BulkWriter, reserve_ids
    from fangkong.geo.models import Building
    from fangkong.policy.models import PolicyProfile
    from fangkong.testing.models import SamplingPoint, TestingRound, Tube, TubeMember
    from fangkong.zoning.models import RiskArea, RiskAreaPlace

    rng = random.Random(SEED)
    clear_tables()
    PolicyProfile.objects.update(is_active=False)
    PolicyProfile.objects.filter(code=PROFILE).update(is_active=True)
    day = T - dt.timedelta(hours=18)  # Beijing midnight of the evaluation day
    day0 = day - dt.timedelta(days=5) + dt.timedelta(hours=10)
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT building_id FROM geo_household WHERE building_id IS NOT NULL ORDER BY 1")
        inhabited = [r[0] for r in cur.fetchall()]
    chosen = sorted(rng.sample(inhabited, min(args.buildings, len(inhabited))))
    kinds = {}  # building → what its residents' screening looks like
    for b in chosen:
        x = rng.random()
        kinds[b] = "due" if x < 0.40 else "awaited" if x < 0.70 else "unsampled" if x < 0.85 else "positive" if x < 0.90 else "early"
    started = time.monotonic()
    with transaction.atomic():
        buildings = {b.pk: b for b in Building.objects.filter(pk__in=chosen)}
        area_ids = reserve_ids(RiskArea, len(chosen))
        area_of = dict(zip(chosen, area_ids, strict=True))
        BulkWriter(
            RiskArea,
            ["id", "created_at", "updated_at", "name", "area_class", "status", "reason", "district_id", "street_id", "community_id",
             "in_force_at", "lifted_reason", "justification", "wider_than_policy", "profile_code", "level_since", "decided_at",
             "decision_reason", "effective_at"],
            binary=True,
        ).write(
            [(area_of[b], day0, day0, f"{buildings[b].name}", "sealed", "in_force", "楼内出现阳性（基准测试）", buildings[b].district_id,
              buildings[b].street_id, buildings[b].community_id, day0, "", "", False, PROFILE, day0, day0, "", day0) for b in chosen]
        )  # fmt: skip
        placed = time.monotonic()  # the places' COPY: the database's triggers add each area's residents (AreaResident)
        BulkWriter(RiskAreaPlace, ["area_id", "level", "place_id", "name", "district_id", "street_id", "community_id"], binary=True).write(
            [(area_of[b], "building", b, buildings[b].name, buildings[b].district_id, buildings[b].street_id, buildings[b].community_id)
             for b in chosen]
        )  # fmt: skip
        places_seconds = time.monotonic() - placed
        first = buildings[chosen[0]]
        point = SamplingPoint.objects.create(
            district_id=first.district_id, street_id=first.street_id, community_id=first.community_id, name="基准采样点"
        )
        rnd = TestingRound.objects.create(
            number=8, name="第 8 轮全员核酸", status="active", starts_at=day + dt.timedelta(hours=6),
            deadline_at=day + dt.timedelta(hours=30), result_deadline_hours=24,
        )  # fmt: skip
        tubes = BulkWriter(
            Tube,
            ["id", "barcode", "pooling_mode", "capacity", "member_count", "is_resample", "status", "opened_at", "sampled_at", "closed_at",
             "received_at", "resulted_at", "result", "community_id", "district_id", "round_id", "sampling_point_id", "street_id"],
            binary=True,
        )  # fmt: skip
        members = BulkWriter(
            TubeMember,
            ["is_resample", "sampled_at", "building_id", "community_id", "district_id", "grid_id", "household_id", "person_id", "round_id",
             "street_id", "tube_id", "unit_id"],
            binary=True,
        )  # fmt: skip
        sampled_at, resulted_at = day + dt.timedelta(hours=7), day + dt.timedelta(hours=15)
        early = day - dt.timedelta(days=2) + dt.timedelta(hours=9)  # day 3: before the day-5 window
        pooled: list[tuple] = []
        flagged: set[int] = set()  # buildings whose one odd resident was already picked
        counts = {"tubes": 0, "members": 0, "unsampled": 0, "awaited_tubes": 0, "positive_singles": 0}

        pending: list[tuple] = []  # tubes to write: (member rows, mode, capacity, result, sampled at)

        def tube(members_rows: list[tuple], mode: str, capacity: int, result: str, when: dt.datetime) -> None:
            pending.append((members_rows, mode, capacity, result, when))

        def flush() -> None:
            ids = reserve_ids(Tube, len(pending))
            t_rows, m_rows = [], []
            for tid, (rows, mode, capacity, result, when) in zip(ids, pending, strict=True):
                _pid, _hh, d, s, c, *_ = rows[0]
                known = bool(result)
                t_rows.append((tid, f"B{tid:010d}", mode, capacity, len(rows), False, "resulted" if known else "received", when, when,
                               when, when, resulted_at if known else None, result, c, d, rnd.pk, point.pk, s))  # fmt: skip
                for pid, hh, d, s, c, g, b, u in rows:
                    m_rows.append((False, when, b, c, d, g, hh, pid, rnd.pk, s, tid, u))
            tubes.write(t_rows)
            members.write(m_rows)
            counts["tubes"] += len(t_rows)
            counts["members"] += len(m_rows)
            pending.clear()

        with connection.connection.cursor(name="bench_people") as cur:
            cur.itersize = 50_000
            cur.execute(
                "SELECT p.id, p.household_id, p.district_id, p.street_id, p.community_id, p.grid_id, h.building_id, h.unit_id "
                "FROM geo_person p JOIN geo_household h ON h.id = p.household_id ORDER BY p.household_id, p.id"
            )
            for row in cur:
                b = row[6]
                kind = kinds.get(b)
                if kind is None:
                    if rng.random() < 0.02:
                        counts["unsampled"] += 1
                        continue
                    pooled.append(row)
                    if len(pooled) == 10:
                        tube(pooled, "pooled_10", 10, "negative", sampled_at)
                        pooled = []
                else:
                    odd = b not in flagged and rng.random() < 0.5
                    if odd:
                        flagged.add(b)
                    if odd and kind == "unsampled":
                        counts["unsampled"] += 1
                        continue
                    if odd and kind == "early":
                        tube([row], "single", 1, "negative", early)
                        continue
                    result = "" if odd and kind == "awaited" else "positive" if odd and kind == "positive" else "negative"
                    counts["awaited_tubes"] += result == ""
                    counts["positive_singles"] += result == "positive"
                    tube([row], "single", 1, result, sampled_at)
                if len(pending) >= 20_000:
                    flush()
        if pooled:
            tube(pooled, "pooled_10", 10, "negative", sampled_at)
        flush()
    seconds = time.monotonic() - started
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
        cur.execute("CHECKPOINT")
        cur.execute("SELECT COUNT(*), COUNT(DISTINCT building_id) FROM geo_household")
        households, buildings_total = cur.fetchone()
        cur.execute("SELECT COUNT(*) FROM zoning_arearesident")
        stored_residents = cur.fetchone()[0]
    return {
        "areas_in_force": len(chosen),
        "buildings_in_city": buildings_total,
        "households": households,
        "screening_kinds": {k: sum(1 for v in kinds.values() if v == k) for k in ("due", "awaited", "unsampled", "positive", "early")},
        **counts,
        "load_seconds": round(seconds, 1),
        "stored_residents": stored_residents,
        "places_with_residents_seconds": round(places_seconds, 1),
        "day0": day0.isoformat(),
        "evaluated_at": T.isoformat(),
    }


def inputs_loaded(args) -> bool:
    """The kept database holds `--buildings` buildings in force and a round (a previous run's inputs)."""
    from fangkong.testing.models import TubeMember
    from fangkong.zoning.models import RiskAreaPlace

    return RiskAreaPlace.objects.filter(level="building").count() == args.buildings and TubeMember.objects.exists()


def inputs_counted() -> dict:
    """The sizes the report names, counted in the kept database (--reuse-inputs)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT COUNT(*) FROM zoning_riskareaplace), (SELECT COUNT(*) FROM geo_household), "
            "(SELECT COUNT(DISTINCT building_id) FROM geo_household), (SELECT COUNT(*) FROM testing_tube), "
            "(SELECT COUNT(*) FROM testing_tubemember), (SELECT COUNT(*) FROM geo_person)"
        )
        areas, households, buildings, tubes, members, people = cur.fetchone()
    return {"areas_in_force": areas, "buildings_in_city": buildings, "households": households, "tubes": tubes, "members": members,
            "unsampled": people - members, "reused": True}  # fmt: skip


# ---- lifting ----


def backend_cpu(connection) -> float:
    """CPU seconds (user + system) of this connection's PostgreSQL backend so far (/proc: same machine)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(connection, fn, *, serial: bool = False) -> tuple[float, float, object]:
    """fn() timed: wall seconds, the backend's CPU seconds (all of the work when `serial`: no
    parallel workers), and its value."""
    with connection.cursor() as cur:
        cur.execute(f"SET max_parallel_workers_per_gather = {0 if serial else 'DEFAULT'}")
    cpu, started = backend_cpu(connection), time.monotonic()
    value = fn()
    wall = time.monotonic() - started
    used = backend_cpu(connection) - cpu
    with connection.cursor() as cur:
        cur.execute("RESET max_parallel_workers_per_gather")
    return wall, used, value


def measure_lifting(T: dt.datetime, database_url: str) -> dict:
    """The review's evaluation (stored residents: `keep=True`) against the live one (the registry's
    joins: the area page's and the lifting service's statement), each in parallel (as configured)
    and serial (backend CPU = all the work), and their outcomes compared."""
    import psycopg
    from django.db import connection, transaction

    from fangkong.zoning.choices import AreaStatus
    from fangkong.zoning.lifting import WORK_MEM, lifting_statuses, review_sql
    from fangkong.zoning.models import RiskArea
    from fangkong.zoning.rules import lift_rule
    from fangkong.zoning.services import lifting_review

    def areas() -> list:
        return list(RiskArea.objects.filter(status=AreaStatus.IN_FORCE, in_force_at__lte=T))

    fields = ("residents", "last_positive_at", "clock_start", "awaited_count", "unsampled_count", "due", "due_on", "overdue")

    def view(statuses: dict) -> dict:
        return {pk: tuple(getattr(s, f) for f in fields) for pk, s in statuses.items()}

    modes = {"review (stored residents)": {"keep": True}, "live (registry joins)": {}}
    runs: dict = {}
    views = {}
    for label, kw in modes.items():
        rows = runs[label] = {"wall_seconds": [], "backend_cpu_seconds": [], "serial_wall_seconds": [], "serial_backend_cpu_seconds": []}
        for serial, repeat in ((False, 2 if kw else 0), (True, 1)):  # the live statement (~1 min) serial only
            for _ in range(repeat):
                wall, cpu, statuses = timed(connection, lambda kw=kw: lifting_statuses(areas(), at=T, **kw), serial=serial)
                rows["serial_wall_seconds" if serial else "wall_seconds"].append(round(wall, 3))
                rows["serial_backend_cpu_seconds" if serial else "backend_cpu_seconds"].append(round(cpu, 3))
                print(f"  lifting, {label}{' serial' if serial else ''}: {wall:.1f} s, backend CPU {cpu:.1f} s", flush=True)
        views[label] = view(statuses)
    same = len({tuple(sorted(v.items())) for v in views.values()}) == 1
    statuses = lifting_statuses(areas(), at=T, keep=True)
    outcome = {
        "areas": len(statuses),
        "due": sum(1 for s in statuses.values() if s.due),
        "awaited_areas": sum(1 for s in statuses.values() if s.awaited_count),
        "unsampled_areas": sum(1 for s in statuses.values() if s.unsampled_count),
        "restarted": sum(1 for s in statuses.values() if s.last_positive_at is not None),
        "residents": sum(s.residents for s in statuses.values()),
        "missing_people": sum(s.missing_count for s in statuses.values()),
        "stored_equals_live": same,
    }
    started = time.monotonic()
    fresh = lifting_review(actor="bench", at=T)
    review = time.monotonic() - started
    RiskArea.objects.update(lift_proposed_at=None)
    # The review's statement (review_sql: every area, each clock dated from its residents' positives first), its
    # parameters inlined, in plain psql.
    listed = areas()
    rules = {c: lift_rule(c) for c in {a.area_class for a in listed}}
    sql, params = review_sql(rules, T)
    literal, cast = "{" + ",".join(str(a.pk) for a in listed) + "}", "bigint[]"
    sql = sql.replace("{IN}", f"= ANY(%s::{cast})")
    with psycopg.ClientCursor(connection.connection) as cur:
        text = cur.mogrify(sql, [literal, *params])
    psql_runs = []
    psql = shutil.which("psql")
    if psql:
        out = subprocess.run(
            [psql, "-X", "-q", database_url, "-c", "SET random_page_cost = 1.1", "-c", f"SET work_mem = '{WORK_MEM}'",
             "-c", "SET jit = off", "-c", "\\timing on", "-c", text],  # as lifting._evaluate sets them
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        psql_runs.append(float(re.findall(r"Time: ([\d.]+) ms", out)[-1]) / 1000)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cur.execute("SET LOCAL jit = off")
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) {text}")
        plan = [r[0] for r in cur.fetchall()]
    review_runs = runs["review (stored residents)"]
    return {
        "seconds": review_runs["wall_seconds"],
        "runs": runs,
        "review_seconds": round(review, 3),
        "review_proposed": len(fresh),
        "psql_seconds": psql_runs,
        "outcome": outcome,
        "plan": plan,
        "target_seconds": 10,
        "met": max(review_runs["wall_seconds"]) < 10,
    }


# ---- found-in ----


def measure_found_in(T: dt.datetime, probes: int = 200) -> dict:
    from django.db import connection

    from fangkong.geo.selectors import people_places
    from fangkong.zoning.found_in import found_in_for
    from fangkong.zoning.selectors import area_at

    rng = random.Random(SEED + 1)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.id FROM geo_person p JOIN geo_household h ON h.id = p.household_id "
            "JOIN zoning_riskareaplace z ON z.level = 'building' AND z.place_id = h.building_id ORDER BY p.id"
        )
        inside = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT MAX(id) FROM geo_person")
        top = cur.fetchone()[0]
    people = rng.sample(inside, min(probes // 2, len(inside)))
    people += [rng.randint(1, top) for _ in range(probes - len(people))]
    places = people_places(people)
    people = [p for p in people if p in places]
    area_ms, found_ms, matched = [], [], 0
    for pid in people:
        started = time.perf_counter()
        match = area_at(places[pid], T)
        area_ms.append((time.perf_counter() - started) * 1000)
        matched += match is not None
        started = time.perf_counter()
        found_in_for(pid, T)
        found_ms.append((time.perf_counter() - started) * 1000)
    return {
        "probes": len(people),
        "in_an_area": matched,
        "area_at_ms": {"p50": round(pct(area_ms, 50), 2), "p95": round(pct(area_ms, 95), 2), "max": round(max(area_ms), 2)},
        "found_in_ms": {"p50": round(pct(found_ms, 50), 2), "p95": round(pct(found_ms, 95), 2), "max": round(max(found_ms), 2)},
    }


# ---- public list over HTTP ----


def search_terms(n: int) -> list[str]:
    """The address a resident would type for n buildings in force: community, compound and building."""
    from fangkong.geo.models import Building
    from fangkong.zoning.models import RiskAreaPlace

    rng = random.Random(SEED + 2)
    ids = list(RiskAreaPlace.objects.filter(level="building").values_list("place_id", flat=True))
    picked = rng.sample(ids, min(n, len(ids)))
    return [
        f"{b.community.name} {b.compound.name} {b.name}"
        for b in Building.objects.filter(pk__in=picked).select_related("community", "compound")
    ]


def start_gunicorn(
    args, var_dir: Path, log: Path, *, extra_env: dict[str, str] | None = None, extra_args: tuple[str, ...] = ()
) -> subprocess.Popen:
    """gunicorn with the production settings on 127.0.0.1:args.port (also bench/movement.py's: its
    own pass signing key in `extra_env`, the request time in the access log through `extra_args`)."""
    # The production settings, but for the static files' manifest: collectstatic with
    # CompressedManifestStaticFilesStorage stops on bootstrap.min.css's reference to a source map
    # that is not vendored (reported with the results); the files are served the same way.
    (var_dir / "bench_zoning_settings.py").write_text(
        "from config.settings.prod import *  # noqa: F403\n"
        "STORAGES = {**STORAGES, 'staticfiles': {'BACKEND': 'whitenoise.storage.CompressedStaticFilesStorage'}}  # noqa: F405\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": f"{var_dir}:{ROOT}",
        "DJANGO_SETTINGS_MODULE": "bench_zoning_settings",
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FANGKONG_DATA_KEY": base64.b64encode(os.urandom(32)).decode(),
        "FANGKONG_PASS_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        "REDIS_URL": args.redis_url,
        "FANGKONG_VAR_DIR": str(var_dir),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        **(extra_env or {}),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    cmd = [gunicorn, "config.wsgi:application", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{args.port}", "--workers", "5",
           "--timeout", "120", *extra_args]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            asyncio.run(fetch(args.port, "/static/css/print.css", 0))
            return proc
        except OSError:
            time.sleep(0.5)
    stop(proc)
    raise RuntimeError(f"gunicorn did not start: see {log}")


def cpu_snapshot(pgid: int) -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) of gunicorn's processes (its process group: "gunicorn") and of the
    PostgreSQL backends serving the bench's database ("postgres"), by pid (also bench/volunteers.py's)."""
    from django.db import connection

    tick = os.sysconf("SC_CLK_TCK")
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        backends = {r[0] for r in cur.fetchall()}
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        rest = raw[raw.rfind(")") + 2 :].split()
        if int(rest[2]) == pgid or int(entry) in backends:
            out[int(entry)] = ("gunicorn" if int(rest[2]) == pgid else "postgres", (int(rest[11]) + int(rest[12])) / tick)
    return out


def cpu_split(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds spent between two snapshots, by kind (a process that appeared in between counts
    from 0; one that ended in between is not counted)."""
    out = {"gunicorn": 0.0, "postgres": 0.0}
    for pid, (kind, v) in after.items():
        out[kind] += v - before.get(pid, (kind, 0.0))[1]
    return out


def cpu_used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> float:
    """CPU seconds spent between two snapshots, gunicorn and PostgreSQL together."""
    return sum(cpu_split(before, after).values())


def redis_cpu(url: str) -> float:
    """The Redis server's CPU seconds so far (INFO cpu; the server is shared with other work)."""
    import redis

    info = redis.Redis.from_url(url).info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: gunicorn's master and its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


async def fetch(port: int, path: str, client: int) -> tuple[int, int]:
    """One request on its own connection, as a phone behind the city's proxy: (status, body bytes)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    address = f"10.{client >> 16 & 255}.{client >> 8 & 255}.{client & 255}"
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: {address}\r\nX-Forwarded-Proto: https\r\n"
        f"Accept-Language: zh-hans\r\nConnection: close\r\n\r\n".encode()
    )
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, len(body)


async def load(port: int, paths: list[str], concurrency: int, requests: int, seconds: float) -> dict:
    """`concurrency` clients, each sending one request after the other until `requests` were sent in
    all or `seconds` passed."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sizes: list[int] = []
    sent = 0
    deadline = time.monotonic() + seconds
    client_no = random.Random(SEED + 3).randrange(1 << 22)

    async def client() -> None:
        nonlocal sent, client_no
        while sent < requests and time.monotonic() < deadline:
            sent += 1
            client_no += 1
            path = paths[sent % len(paths)]
            started = time.perf_counter()
            try:
                status, size = await asyncio.wait_for(fetch(port, path, client_no), REQUEST_TIMEOUT)
            except (OSError, TimeoutError):
                status, size = 0, 0  # counted, with the time waited: a scenario ends by --seconds + REQUEST_TIMEOUT
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
            sizes.append(size)

    cpu0, started = time.process_time(), time.monotonic()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    wall = time.monotonic() - started
    return {
        "requests": len(latencies),
        "concurrency": concurrency,
        "wall_seconds": round(wall, 2),
        "per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(pct(latencies, 50), 1),
        "p95_ms": round(pct(latencies, 95), 1),
        "max_ms": round(max(latencies), 1),
        "statuses": statuses,
        "body_kib_mean": round(statistics.mean(sizes) / 1024, 1) if sizes else 0,
        "client_cpu_seconds": round(time.process_time() - cpu0, 2),
    }


def measure_http(args) -> dict:
    terms = search_terms(200)
    q = [urllib.parse.quote(t) for t in terms]
    scenarios = [
        ("static file (the limit)", ["/static/css/print.css"], args.requests),
        ("search page /zoning/public/?q=", [f"/zoning/public/?q={t}" for t in q], args.requests),
        ("search feed.json?q=", [f"/zoning/public/feed.json?q={t}" for t in q], args.requests),
        ("whole feed.json", ["/zoning/public/feed.json"], WHOLE),
        ("whole list /zoning/public/", ["/zoning/public/"], WHOLE),
    ]
    var_dir = Path(tempfile.mkdtemp(prefix="fangkong-bench-zoning-"))
    log = var_dir / "gunicorn.log"
    # Backends kept for the whole run (production's default is 60 s), so that their CPU can be read.
    proc = start_gunicorn(args, var_dir, log, extra_env={"DB_CONN_MAX_AGE": "600"})
    out = {}
    try:
        for name, paths, n in scenarios:
            asyncio.run(load(args.port, paths, min(20, args.concurrency), 40, 30))  # warm the workers
            clients = min(args.concurrency, WHOLE_CLIENTS) if n == WHOLE else args.concurrency
            load_average = [round(x, 2) for x in os.getloadavg()]
            cpu, redis0 = cpu_snapshot(proc.pid), redis_cpu(args.redis_url)
            out[name] = asyncio.run(load(args.port, paths, clients, n, args.seconds))
            used, redis_used = cpu_split(cpu, cpu_snapshot(proc.pid)), redis_cpu(args.redis_url) - redis0
            served = out[name]["requests"]
            # The server's CPU per request — gunicorn (master and workers) and the PostgreSQL backends
            # of the bench's database — the number to compare on a shared machine; Redis's is the
            # whole server's (shared with other work), the clients' is the bench's own process.
            out[name] |= {
                "load_average": load_average,
                "server_cpu_ms_per_request": round((used["gunicorn"] + used["postgres"]) / served * 1000, 2),
                "gunicorn_cpu_ms_per_request": round(used["gunicorn"] / served * 1000, 2),
                "postgres_cpu_ms_per_request": round(used["postgres"] / served * 1000, 2),
                "redis_cpu_ms_per_request": round(redis_used / served * 1000, 2),
                "client_cpu_ms_per_request": round(out[name]["client_cpu_seconds"] / served * 1000, 2),
            }
            print(f"  {name}: {out[name]}", flush=True)
    finally:
        stop(proc)
        shutil.rmtree(var_dir, ignore_errors=True)
    return out


# ---- report ----


def report(out: dict) -> None:
    m, http = out["machine"], out["http"]
    print(f"\nmachine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; load average start {out['load_average_start']} "
          f"end {out['load_average_end']}; PostgreSQL {out['postgres']}")  # fmt: skip
    s = out["sizes"]
    print(f"city: {out['people']:,} people, {s['households']:,} households, {s['buildings_in_city']:,} buildings; "
          f"{s['areas_in_force']:,} buildings in force; round: {s['members']:,} sampled in {s['tubes']:,} tubes, "
          f"{s['unsampled']:,} not sampled")  # fmt: skip
    print(f"\n{'measure':<58} {'value':>28}  target")
    if "lifting" in out:
        report_lifting(out["lifting"], out["found_in"])
    for name, r in http.items():
        target = "" if "static" in name else f"  p95 < 100 ms: {'met' if r['p95_ms'] < 100 else 'NOT met'}"
        title = f"{name} ×{r['concurrency']} p50/p95"
        print(f"{title:<58} {r['p50_ms']:>8.0f} / {r['p95_ms']:.0f} ms, {r['per_second']:.0f}/s{target}")
        if "server_cpu_ms_per_request" in r:
            parts = f"{r['gunicorn_cpu_ms_per_request']:.2f} + {r['postgres_cpu_ms_per_request']:.2f}; {r['redis_cpu_ms_per_request']:.2f}"
            print(f"{'  server CPU per request (gunicorn + PostgreSQL; Redis)':<58} {r['server_cpu_ms_per_request']:>8.2f} ms "
                  f"({parts}), load {r['load_average'][0]}")  # fmt: skip


def report_lifting(lift: dict, found: dict) -> None:
    best = min(lift["seconds"])
    print(f"{'lifting clocks + missing screenings, all areas (2 runs)':<58} {', '.join(f'{x:.2f}' for x in lift['seconds']) + ' s':>28}"
          f"  < 10 s: {'met' if max(lift['seconds']) < 10 else 'NOT met'}")  # fmt: skip
    print(f"{'  the same statement in plain psql':<58} {', '.join(f'{x:.2f}' for x in lift['psql_seconds']) + ' s':>28}"
          f"  service / psql {best / min(lift['psql_seconds']):.2f}×" if lift["psql_seconds"] else "")  # fmt: skip
    print(f"{'  lifting_review (service: + update, audit)':<58} {lift['review_seconds']:>26.2f} s  proposed {lift['review_proposed']:,}")
    o = lift["outcome"]
    print(f"{'  outcome':<58} due {o['due']:,}, awaited {o['awaited_areas']:,}, unsampled {o['unsampled_areas']:,}, "
          f"restarted {o['restarted']:,}; residents {o['residents']:,}, missing {o['missing_people']:,}")  # fmt: skip
    for key, label in (("area_at_ms", "zoning.selectors.area_at"), ("found_in_ms", "zoning.found_in.found_in_for")):
        v = found[key]
        name = f"{label} ({found['probes']} people) p50/p95/max"
        print(f"{name:<58} {v['p50']:>8.1f} / {v['p95']:.1f} / {v['max']:.1f} ms"
              f"  < 20 ms: {'met' if v['p95'] < 20 else 'NOT met'} (p95)")  # fmt: skip


def finish(args, out: dict) -> None:
    """Write the results to --json, remove the bench's var/ and drop its database (unless
    --keep-database). Also bench/movement.py's."""
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str) + "\n")
    shutil.rmtree(os.environ["FANGKONG_VAR_DIR"], ignore_errors=True)
    if not args.keep_database:
        from django.db import connections

        connections.close_all()
        import psycopg

        base, _, name = args.database_url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=FULL_CITY)
    parser.add_argument("--buildings", type=int, default=None, help="buildings in force (default 20,000 × people / 3.5 M)")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--reuse-city", action="store_true")
    parser.add_argument(
        "--reuse-inputs", action="store_true", help="with --reuse-city: keep the areas and the round already loaded (--public-only runs)"
    )
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=8153)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--public-only", action="store_true", help="only the public list over HTTP (no lifting, no found-in)")
    parser.add_argument("--json", default=str(RESULTS / "zoning.json"))
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("this bench runs on PostgreSQL")
    args.buildings = args.buildings or max(1, round(FULL_BUILDINGS * args.people / FULL_CITY))
    load_start = [round(x, 2) for x in os.getloadavg()]
    city = build_city(args)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["FANGKONG_VAR_DIR"] = tempfile.mkdtemp(prefix="fangkong-bench-zoning-var-")
    import django

    django.setup()
    T = evaluation_time()
    out: dict = {"people": args.people, "city": city, "machine": machine_facts(), "load_average_start": load_start}
    out["postgres"] = pg_settings()
    print(f"loading the areas and the round (evaluation at {T.isoformat()}) …", flush=True)
    if args.reuse_inputs and city.get("reused") and inputs_loaded(args):
        out["sizes"] = inputs_counted()  # the areas and the round of the last run, as they are
    else:
        out["sizes"] = load_inputs(args, T)
    print(f"  {out['sizes']}", flush=True)
    out["load_average_before_timing"] = [round(x, 2) for x in os.getloadavg()]
    if not args.public_only:
        out["lifting"] = measure_lifting(T, args.database_url)
        print(f"  lifting {out['lifting']['seconds']} s, psql {out['lifting']['psql_seconds']} s", flush=True)
        out["found_in"] = measure_found_in(T)
        print(f"  found-in {out['found_in']}", flush=True)
    out["http"] = {} if args.skip_http else measure_http(args)
    out["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    out["at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    report(out)
    finish(args, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
