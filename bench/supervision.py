"""Benchmark: the system's flags (issue 16, "Scale and speed": every flag rule over the city in under
30 s on the worker, incrementally thereafter).

    .venv/bin/python bench/supervision.py [--people 300000] [--reuse-city] [--keep-database]
        [--database-url postgres://…/fangkong_bench_flags] [--json PATH]

1. Its own PostgreSQL database (dropped and re-created) with make_city's synthetic city (as
   bench/zoning.py builds it; not timed; `--reuse-city` keeps a city of the right size).
2. Fixed inputs with the other benches' generators, in proportion to the target's sizes (3.5 M
   people, 50,000 cases, 20,000 risk-area buildings): bench/zoning.load_inputs (the buildings in
   force since five days before the evaluation day, a full testing round sampled that day, its
   screenings in every state; the evaluation time T is 18:00 Beijing yesterday), 1 % of the
   round's awaited tubes given a deadline before T (tubes past 24 h); bench/transfer_board.build_cases
   (cases over fourteen days, a fifth of them awaiting transfer: the earlier days' overdue); a
   second round the same day re-sampling one resident in 200 (the same people tested twice);
   `add_contacts`: 400,000 close contacts (in proportion), set-based on the server (INSERT … SELECT:
   contacts, exposures, isolation episodes at bench sites — one per community, at most one per 200
   contacts; one in 100 awaiting transfer past its deadline, the overdue-isolation rule's work).
   Every sealed compound is without a 4+N roster (all duty gaps). Then ANALYZE.
3. Timed: `flags_evaluate(at=T, full=True)` (every rule over the whole city: the first run), then
   an incremental run a minute later with nothing changed, then one after a hundred new samples
   of people already sampled that day. Per rule: wall seconds, the worker's CPU seconds (this
   process) and the PostgreSQL backend's (/proc/<pg_backend_pid()>/stat: the machine is shared, CPU
   seconds are the rules' own cost), subjects found, items.
4. Prints a table with the machine (and its load average: the machine is shared) and a linear
   extrapolation to the target's sizes, writes bench/results/supervision.json, drops its database
   (unless `--keep-database`).
"""

# ruff: noqa: E501
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import zoning as zoning_bench  # noqa: E402  (bench/zoning.py)
from make_city import recreate  # noqa: E402,F401  (bench/make_city.py)

RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fangkong_bench_flags"
FULL_CITY, FULL_CASES, FULL_BUILDINGS, FULL_CONTACTS = 3_500_000, 50_000, 20_000, 400_000
TARGET_SECONDS = 30.0
REPEAT_EVERY = 200  # one resident in this many sampled again the same day


def add_overdue_tubes(T: dt.datetime) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE testing_tube SET deadline_at = %s WHERE resulted_at IS NULL AND id %% 100 = 0",
            [T - dt.timedelta(hours=1)],
        )
        return cur.rowcount


def add_second_round(T: dt.datetime, every: int = REPEAT_EVERY, *, limit: int | None = None) -> int:
    """A second round the same day re-sampling one resident in `every` (a copy of their member row
    an hour later): the people tested twice."""
    from django.db import connection

    from fangkong.testing.choices import RoundStatus
    from fangkong.testing.models import TestingRound

    first = TestingRound.objects.order_by("number").first()
    second, _created = TestingRound.objects.get_or_create(
        number=first.number + 1,
        defaults={
            "name": "区级加测（基准）",
            "status": RoundStatus.ACTIVE,
            "starts_at": first.starts_at,
            "deadline_at": first.deadline_at,
            "result_deadline_hours": first.result_deadline_hours,
        },
    )
    cols = [f.column for f in TubeMember_fields() if f.column not in ("id", "round_id", "sampled_at", "is_resample")]
    taken = (
        ""
        if limit is None
        else f"AND m.person_id NOT IN (SELECT person_id FROM testing_tubemember WHERE round_id = {second.pk}) LIMIT {limit}"
    )
    sql = (
        f"INSERT INTO testing_tubemember (round_id, sampled_at, is_resample, {', '.join(cols)}) "
        f"SELECT %s, m.sampled_at + interval '1 hour', false, {', '.join('m.' + c for c in cols)} "
        f"FROM testing_tubemember m WHERE m.round_id = %s AND m.is_resample = false AND m.person_id %% %s = {0 if limit is None else 1} {taken}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [second.pk, first.pk, every])
        return cur.rowcount


SITE_EVERY = 200  # one bench isolation site per this many contacts (2,000 at 400,000, as bench/isolation.py)
OVERDUE_EVERY = 100  # one contact in this many identified yesterday and not isolated by its deadline
AWAITING_EVERY = 100  # one more in this many identified an hour before T, awaiting, not yet due


def add_contacts(T: dt.datetime, count: int) -> dict:
    """`count` close contacts of the bench's cases (contacts_add_bulk's rows, written set-based on the
    server: INSERT … SELECT, not its checks): registry people who are not cases, spread over the city
    (every k-th person by id), a case each in turn (≈ 8 per case at 50,000 cases); each a Contact,
    its exposure (ContactLink, before the case's confirmation) and its IsolationEpisode (one open
    episode per person). One in OVERDUE_EVERY was identified at T − 30 h and is still awaiting
    transfer past its deadline (the overdue-isolation rule's work), one in AWAITING_EVERY identified
    at T − 1 h, not yet due; the others checked in at one of count / SITE_EVERY bench isolation
    sites (identified after their case's confirmation, the deadline by the active policy; no room
    stays or scheduled tests: no flag rule reads them)."""
    from django.db import connection

    from fangkong.core.bulk import layout
    from fangkong.isolation.choices import ContactKind, EpisodeKind, EpisodeStatus, ExposureType, SiteKind
    from fangkong.isolation.models import Contact, ContactLink, IsolationEpisode, IsolationSite
    from fangkong.isolation.services.episodes import DEADLINE_KEY
    from fangkong.policy.models import RuleCitation
    from fangkong.policy.regimen import SAME_DAY, deadline_after
    from fangkong.policy.rules import rule

    deadline = rule(DEADLINE_KEY[EpisodeKind.CLOSE_CONTACT])
    citation = RuleCitation.ids_for([deadline.citation]).get(deadline.citation)
    overdue_at, due_at = T - dt.timedelta(hours=30), T - dt.timedelta(hours=1)
    overdue_by, due_by = deadline_after(deadline.value, overdue_at), deadline_after(deadline.value, due_at)
    assert overdue_by < T < due_by, (overdue_by, T, due_by)
    if deadline.value == SAME_DAY:  # deadline_after in SQL: the next Beijing midnight, or + hours
        isolate_by_sql = "(date_trunc('day', identified_at AT TIME ZONE 'Asia/Shanghai') + interval '1 day') AT TIME ZONE 'Asia/Shanghai'"
    else:
        isolate_by_sql = f"identified_at + interval '{float(deadline.value)} hours'"
    sites = max(1, count // SITE_EVERY)
    exposures = [ExposureType.HOUSEHOLD, ExposureType.WORKPLACE, ExposureType.DINING, ExposureType.SAME_SPACE]

    def insert(model, given: dict[str, str], source: str, params: list) -> int:
        """INSERT … SELECT `given` (column → SQL expression; `params` fill their %s in order) and every
        other column's empty value (core.bulk.layout) `source` (FROM …, no parameters)."""
        cols, rest = layout(model, list(given))
        sql = f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) SELECT {', '.join(given.values())}{''.join(', %s' for _ in rest)} {source}"
        with connection.cursor() as cur:
            cur.execute(sql, [*params, *rest])
            return cur.rowcount

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM geo_person")
        people = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM cases_case")
        cases = cur.fetchone()[0]
        step = max(1, (people - cases) // count)
        # The plan: one row per contact (person, case, times, status, ids from the tables' sequences).
        cur.execute(
            f"""
            CREATE TEMP TABLE bench_contact AS
            WITH c AS (SELECT id, confirmed_at, row_number() OVER (ORDER BY id) - 1 AS i FROM cases_case),
                 p AS (SELECT p.id, p.district_id, p.street_id, p.community_id, p.grid_id, p.household_id,
                              row_number() OVER (ORDER BY p.id) - 1 AS rn
                         FROM geo_person p WHERE NOT EXISTS (SELECT 1 FROM cases_case x WHERE x.person_id = p.id)),
                 picked AS (SELECT *, row_number() OVER (ORDER BY id) - 1 AS k FROM p WHERE rn %% %(step)s = 0 ORDER BY id LIMIT %(count)s)
            SELECT picked.*, c.id AS case_id, c.confirmed_at,
                   CASE WHEN k %% %(overdue_every)s = 0 THEN %(overdue_at)s
                        WHEN k %% %(awaiting_every)s = 1 THEN %(due_at)s
                        ELSE LEAST(c.confirmed_at + interval '3 hours', %(latest)s) END AS identified_at,
                   CASE WHEN k %% %(overdue_every)s = 0 OR k %% %(awaiting_every)s = 1 THEN %(awaiting)s ELSE %(checked_in)s END AS status,
                   NULL::timestamptz AS isolate_by,
                   nextval(pg_get_serial_sequence('{IsolationEpisode._meta.db_table}', 'id')) AS episode_id,
                   nextval(pg_get_serial_sequence('{Contact._meta.db_table}', 'id')) AS contact_id
              FROM picked JOIN c ON c.i = picked.k %% %(cases)s
            """,
            {
                "step": step,
                "count": count,
                "overdue_every": OVERDUE_EVERY,
                "awaiting_every": AWAITING_EVERY,
                "overdue_at": overdue_at,
                "due_at": due_at,
                "latest": T - dt.timedelta(hours=2),
                "awaiting": EpisodeStatus.AWAITING_TRANSFER,
                "checked_in": EpisodeStatus.CHECKED_IN,
                "cases": cases,
            },
        )
        cur.execute(f"UPDATE bench_contact SET isolate_by = {isolate_by_sql}")
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = %s AND isolate_by < %s) FROM bench_contact",
            [EpisodeStatus.AWAITING_TRANSFER, T],
        )
        planned, overdue = cur.fetchone()
    site_places = (
        "FROM (SELECT id, district_id, street_id, row_number() OVER (ORDER BY id) AS n FROM geo_community) g "
        f"WHERE g.n %% GREATEST(1, (SELECT count(*) FROM geo_community) / {sites}) = 0 LIMIT {sites}"
    )
    written = {
        "isolation_sites": insert(
            IsolationSite,
            {"created_at": "%s", "updated_at": "%s", "name": "'基准隔离点' || g.id", "kind": "%s", "district_id": "g.district_id",
             "street_id": "g.street_id", "community_id": "g.id", "capacity": "%s", "is_active": "true"},
            site_places,
            [T, T, SiteKind.HOTEL, SITE_EVERY],
        ),
    }  # fmt: skip
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE bench_site AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM {IsolationSite._meta.db_table} WHERE name LIKE '基准隔离点%'"
        )
        cur.execute("SELECT count(*) FROM bench_site")
        n_sites = cur.fetchone()[0]
    checked_in = "CASE WHEN b.status = %s THEN {} ELSE NULL END"
    written["episodes"] = insert(
        IsolationEpisode,
        {
            "id": "b.episode_id", "created_at": "b.identified_at", "updated_at": "b.identified_at", "person_id": "b.id", "kind": "%s",
            "source": "'流调：病例 #' || b.case_id || ' 的密接'", "status": "b.status",
            "party": "CASE WHEN b.household_id IS NULL THEN 'person:' || b.id ELSE 'household:' || b.household_id END",
            "identified_at": "b.identified_at", "isolate_by": "b.isolate_by", "isolate_by_citation_id": "%s",
            "site_id": checked_in.format("s.id"),
            "checked_in_at": checked_in.format("LEAST(b.identified_at + interval '2 hours', b.isolate_by - interval '1 minute')"),
            "district_id": "b.district_id", "street_id": "b.street_id", "community_id": "b.community_id", "grid_id": "b.grid_id",
            "household_id": "b.household_id",
        },
        f"FROM bench_contact b JOIN bench_site s ON s.i = b.k %% {n_sites}",
        [EpisodeKind.CLOSE_CONTACT, citation, EpisodeStatus.CHECKED_IN, EpisodeStatus.CHECKED_IN],
    )  # fmt: skip
    written["contacts"] = insert(
        Contact,
        {
            "id": "b.contact_id", "created_at": "b.identified_at", "updated_at": "b.identified_at", "person_id": "b.id", "kind": "%s",
            "identified_at": "b.identified_at", "episode_id": "b.episode_id", "district_id": "b.district_id", "street_id": "b.street_id",
            "community_id": "b.community_id", "grid_id": "b.grid_id", "household_id": "b.household_id",
        },
        "FROM bench_contact b",
        [ContactKind.CLOSE_CONTACT],
    )  # fmt: skip
    exposure = "(ARRAY[" + ", ".join(f"'{e.value}'" for e in exposures) + f"])[b.k %% {len(exposures)} + 1]"
    written["links"] = insert(
        ContactLink,
        {
            "contact_id": "b.contact_id", "case_id": "b.case_id", "exposure": exposure, "place": "'基准'",
            "last_exposure_at": "LEAST(b.confirmed_at, b.identified_at) - interval '1 day'", "created_at": "b.identified_at",
        },
        "FROM bench_contact b",
        [],
    )  # fmt: skip
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_contact, bench_site")
    return {**written, "planned": planned, "overdue": overdue, "every_kth_person": step, "deadline": str(deadline.value)}


def TubeMember_fields():  # noqa: N802
    from fangkong.testing.models import TubeMember

    return list(TubeMember._meta.concrete_fields)


def backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def process_cpu(pid: int) -> float:
    """A process's CPU seconds (user + system) from /proc/<pid>/stat (the PostgreSQL backend runs on
    this machine: the bench's database URL is 127.0.0.1)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_run(T: dt.datetime, *, full: bool) -> dict:
    """flags_evaluate(at=T, full=full), one rule at a time (as flags_evaluate itself runs them, in
    order) so that each rule gets its wall time, the worker's CPU (this process: time.process_time)
    and the PostgreSQL backend's CPU (/proc/<pg_backend_pid()>/stat): the machine is shared, and CPU
    seconds are what the rules cost whatever else runs beside them. Not counted: a parallel plan's
    workers (separate processes; EXPLAIN's `Workers Launched` shows where the planner used them)."""
    from fangkong.flags.rules import RULES
    from fangkong.flags.services import flags_evaluate

    pid = backend_pid()
    rules, worker_cpu, backend_cpu = {}, 0.0, 0.0
    started = time.perf_counter()
    for rule in RULES:
        wall0, cpu0, db0 = time.perf_counter(), time.process_time(), process_cpu(pid)
        (r,) = flags_evaluate(at=T, full=full, rules=[rule])
        wall, cpu, db = time.perf_counter() - wall0, time.process_time() - cpu0, process_cpu(pid) - db0
        worker_cpu, backend_cpu = worker_cpu + cpu, backend_cpu + db
        rules[r.rule.split(".")[-1]] = {
            "seconds": round(r.seconds, 2),
            "wall_seconds": round(wall, 2),
            "worker_cpu_seconds": round(cpu, 2),
            "backend_cpu_seconds": round(db, 2),
            "found": r.found,
            "items": r.items,
            "raised": r.raised,
            "cleared": r.cleared,
            "skipped": r.skipped,
        }
    total = time.perf_counter() - started
    assert backend_pid() == pid, "the flags ran on another connection: its CPU was not measured"
    return {
        "seconds": round(total, 2),
        "worker_cpu_seconds": round(worker_cpu, 2),
        "backend_cpu_seconds": round(backend_cpu, 2),
        "cpu_seconds": round(worker_cpu + backend_cpu, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "rules": rules,
    }


def sizes_now() -> dict:
    from fangkong.cases.models import Case, Transfer
    from fangkong.geo.models import Person
    from fangkong.isolation.models import Contact, ContactLink, IsolationEpisode
    from fangkong.testing.models import Tube, TubeMember
    from fangkong.zoning.models import RiskArea, RiskAreaPlace

    return {
        "people": Person.objects.count(),
        "cases": Case.objects.count(),
        "transfers": Transfer.objects.count(),
        "contacts": Contact.objects.count(),
        "contact_links": ContactLink.objects.count(),
        "isolation_episodes": IsolationEpisode.objects.count(),
        "areas": RiskArea.objects.count(),
        "area_places": RiskAreaPlace.objects.count(),
        "tubes": Tube.objects.count(),
        "members": TubeMember.objects.count(),
    }


def report(out: dict) -> None:
    m = out["machine"]
    print()
    print(
        f"flags bench — {out['people']:,} people on {m.get('cpu', '?')} ({m.get('cores', '?')} cores), PostgreSQL; machine shared with other work (load average {out['load_average_start']} → {out['load_average_end']})"
    )
    print(f"sizes: {out['sizes']}")
    for name in ("full", "incremental_idle", "incremental_new_samples"):
        run = out[name]
        print(
            f"\n{name}: {run['seconds']} s wall, CPU {run['cpu_seconds']} s (worker {run['worker_cpu_seconds']} s + PostgreSQL backend {run['backend_cpu_seconds']} s), load average after {run['load_average']}"
        )
        print(f"  {'rule':<22} {'wall s':>8} {'worker':>8} {'backend':>8} {'found':>7} {'items':>8} {'raised':>7} {'cleared':>7}")
        for rule, r in run["rules"].items():
            print(
                f"  {rule:<22} {r['wall_seconds']:>8} {r['worker_cpu_seconds']:>8} {r['backend_cpu_seconds']:>8} {r['found']:>7} {r['items']:>8} {r['raised']:>7} {r['cleared']:>7}{'  (skipped)' if r['skipped'] else ''}"
            )
    e = out["extrapolated"]
    print(f"\nextrapolated to {FULL_CITY:,} people, {FULL_CASES:,} cases, {FULL_BUILDINGS:,} buildings (linear, ×{e['factor']}):")
    print(
        f"  full run ≈ {e['full_seconds']} s (CPU {e['full_cpu_seconds']} s), incremental idle ≈ {e['incremental_idle_seconds']} s (target < {TARGET_SECONDS:.0f} s); measured, not extrapolated: the lifting rule at 3.5 M in bench/zoning.py's results ({e.get('zoning_bench_lifting_seconds', '—')} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--reuse-city", action="store_true")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--json", default=str(RESULTS / "supervision.json"))
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("this bench runs on PostgreSQL")
    scale = args.people / FULL_CITY
    load_start = [round(x, 2) for x in os.getloadavg()]
    print(f"building the city ({args.people:,} people) …", flush=True)
    city = zoning_bench.build_city(args)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["FANGKONG_VAR_DIR"] = tempfile.mkdtemp(prefix="fangkong-bench-flags-var-")
    import django

    django.setup()
    import transfer_board  # bench/transfer_board.py
    from django.db import connection

    T = zoning_bench.evaluation_time()
    out: dict = {
        "people": args.people,
        "city": city,
        "machine": zoning_bench.machine_facts(),
        "load_average_start": load_start,
        "evaluated_at": T.isoformat(),
    }
    print(f"loading areas and the round (T = {T.isoformat()}) …", flush=True)
    zoning_args = SimpleNamespace(buildings=max(1, round(FULL_BUILDINGS * scale)))
    loaded = {"zoning": zoning_bench.load_inputs(zoning_args, T)}
    loaded["overdue_tubes"] = add_overdue_tubes(T)
    cases = max(10, round(FULL_CASES * scale))
    print(f"loading {cases:,} cases …", flush=True)
    loaded["cases"] = transfer_board.build_cases(cases=cases, awaiting=max(2, cases // 5), facilities=max(5, round(300 * scale)), now=T)
    contacts = max(10, round(FULL_CONTACTS * scale))
    print(f"loading {contacts:,} contacts …", flush=True)
    started = time.perf_counter()
    loaded["contacts"] = add_contacts(T, contacts)
    loaded["contacts"]["load_seconds"] = round(time.perf_counter() - started, 1)
    loaded["repeated_members"] = add_second_round(T)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    out["loaded"] = {
        k: (v if not isinstance(v, dict) else {kk: vv for kk, vv in v.items() if isinstance(vv, int | float | str)})
        for k, v in loaded.items()
    }
    out["sizes"] = sizes_now()
    print(f"  {out['sizes']}", flush=True)
    out["load_average_before_timing"] = [round(x, 2) for x in os.getloadavg()]
    # The zoning worker's lifting review (every 10 minutes in production) keeps each area's figures;
    # the "kept past the lifting date" rule reads them. Timed apart, not part of the flags' run.
    from fangkong.zoning.services import lifting_review

    started = time.perf_counter()
    lifting_review(actor="bench", at=T)
    out["lifting_review_seconds"] = round(time.perf_counter() - started, 2)
    print(f"  lifting review (zoning's worker): {out['lifting_review_seconds']} s", flush=True)
    print("timing the full run …", flush=True)
    out["full"] = timed_run(T, full=True)
    out["incremental_idle"] = timed_run(T + dt.timedelta(minutes=1), full=False)
    add_second_round(T, every=REPEAT_EVERY, limit=100)  # a hundred more people sampled twice
    out["incremental_new_samples"] = timed_run(T + dt.timedelta(minutes=2), full=False)
    out["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    factor = round(FULL_CITY / args.people, 2)
    out["extrapolated"] = {
        "factor": factor,
        "full_seconds": round(out["full"]["seconds"] * factor, 1),
        "full_cpu_seconds": round(out["full"]["cpu_seconds"] * factor, 1),
        "incremental_idle_seconds": round(out["incremental_idle"]["seconds"] * factor, 1),
        "method": "linear in the city's size (every input is in proportion to it)",
        "cpu_note": "backend CPU is the session's own process: a parallel plan's workers are not counted",
    }
    zoning_json = RESULTS / "zoning.json"
    if zoning_json.exists():
        lifting = json.loads(zoning_json.read_text()).get("lifting", {}).get("seconds")
        out["extrapolated"]["zoning_bench_lifting_seconds"] = lifting
    out["at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    report(out)
    if not args.keep_database:
        connection.close()
        import psycopg

        base = args.database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.database_url.rsplit("/", 1)[1]}"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
