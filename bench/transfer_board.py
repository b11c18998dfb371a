"""Benchmark: the 快转 dispatch board and day figures at city scale, and twenty dispatchers allocating
beds at once.

    .venv/bin/python bench/transfer_board.py [--cases 50000] [--awaiting 10000] [--facilities 300]
        [--threads 20] [--seconds 60] [--database-url postgres://…/fangkong_bench_cases] [--keep-database]

1. Creates a separate PostgreSQL database (dropped and re-created), migrates it and builds a
   synthetic city with one resident per case (bench/testing_round.build_city). Then, with
   fangkong.core.bulk (COPY; not timed): `--facilities` treatment facilities (a fifth designated
   hospitals with general and ICU beds, the rest Fangcang), and `--cases` cases confirmed over the
   past fourteen days, each with its classification (one asymptomatic case in twelve turned mild a
   day or two later) and transfer: `--awaiting` waiting on the
   board (those of earlier days past their deadline), half the rest admitted, the others
   discharged (home monitoring in progress) or closed. Every facility's occupied beds equal its
   admitted cases; forty facilities are left with one to four free beds, the rest with 20–200.
2. p50/p95 of the dispatch board's first page (services as the API calls them:
   selectors.transfer_board_count + transfer_board(limit=50)) and of selectors.day_figures for a
   random day, `--probes` each, for the command centre (city) and a district office.
3. `--threads` dispatchers (threads, each with its own database connection) for `--seconds`: each
   takes a random transfer among the first 200 awaiting on the board, dispatches it to one of the
   five facilities of the right kind with the fewest free beds (so they race for the last beds),
   picks it up and admits it through the services. An admission that finds the bed taken is
   refused (`cases.bed_capacity`); the dispatcher records the refusal (the case goes back on the
   board) and tries another facility, up to three times. Counts allocations/s, conflicts retried,
   allocations given up, transfers lost to another dispatcher, deadlocks and other database errors,
   and p50/p95 of an allocation (first dispatch → admission, retries included).
4. Verifies no over-allocation: occupied ≤ capacity everywhere and occupied = admitted cases per
   facility and bed type; no case with two transfers in flight.
Prints a table, writes bench/results/transfer_board.json and drops the database (unless --keep-database).
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
import threading
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

DEADLINE_RULE = "transfer.deadline = same_day"

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results"
BEIJING = ZoneInfo("Asia/Shanghai")
TIGHT_FACILITIES = 40
PAGE = 50
MAX_ATTEMPTS = 3


def pct(values: list[float], p: int) -> float | None:
    if not values:
        return None
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def drop_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---- setup: facilities and cases with COPY ----


def row_for(model, values: dict) -> tuple[list[str], tuple]:
    """All concrete columns of `model`: the given values, else NULL / '' / the field default."""
    from django.db import models

    columns, out = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.column not in values:
            continue  # the sequence numbers it
        columns.append(f.column)
        if f.column in values:
            v = values[f.column]
        elif f.name in values:
            v = values[f.name]
        elif f.null:
            v = None
        elif f.has_default():
            v = f.get_default()
        elif isinstance(f, (models.CharField, models.TextField)):
            v = ""
        else:
            raise KeyError(f"{model.__name__}.{f.name} needs a value")
        if isinstance(f, models.JSONField) and v is not None:
            v = json.dumps(v, ensure_ascii=False)
        out.append(v)
    return columns, tuple(out)


class Table:
    """Rows of one model, written with fangkong.core.bulk.BulkWriter (COPY)."""

    def __init__(self, model) -> None:
        self.model, self.rows, self.columns = model, [], None

    def add(self, **values) -> None:
        columns, row = row_for(self.model, values)
        self.columns = self.columns or columns
        self.rows.append(row)

    def write(self) -> int:
        from fangkong.core.bulk import BulkWriter

        n = BulkWriter(self.model, self.columns).write(self.rows) if self.rows else 0
        self.rows = []
        return n


def build_cases(*, cases: int, awaiting: int, facilities: int, now: dt.datetime, seed: int = 2022) -> dict:
    from django.db import transaction

    from fangkong.cases.choices import BedType, CaseStatus, Classification, FacilityKind, MonitoringStatus, TransferStatus
    from fangkong.cases.models import Case, CaseClassification, Discharge, FacilityBeds, HealthMonitoring, Transfer, TreatmentFacility
    from fangkong.core.bulk import reserve_ids
    from fangkong.geo.models import District, Person
    from fangkong.policy.models import RuleCitation
    from fangkong.policy.regimen import local_midnight

    rng = random.Random(seed)
    districts = list(District.objects.order_by("code").values_list("id", flat=True))
    people = list(
        Person.objects.order_by("id").values_list(
            "id", "district_id", "street_id", "community_id", "grid_id", "household_id", "birth_year"
        )[:cases]
    )
    if len(people) < cases:
        raise SystemExit(f"only {len(people)} people for {cases} cases")
    today = timezone_date(now)

    with transaction.atomic():
        # Facilities: a fifth hospitals (general + ICU), the rest Fangcang (general).
        fac_ids = reserve_ids(TreatmentFacility, facilities)
        n_hosp = max(2, facilities // 5)
        kinds = {fid: (FacilityKind.HOSPITAL if i < n_hosp else FacilityKind.FANGCANG) for i, fid in enumerate(fac_ids)}
        ft = Table(TreatmentFacility)
        for i, fid in enumerate(fac_ids):
            kind = kinds[fid]
            name = f"{'定点医院' if kind == FacilityKind.HOSPITAL else '方舱医院'}{i + 1:03d}"
            ft.add(
                id=fid,
                created_at=now,
                updated_at=now,
                kind=kind,
                name=name,
                district_id=districts[i % len(districts)],
                is_active=True,
                admission_classes=[],
            )
        ft.write()
        hospitals = [f for f in fac_ids if kinds[f] == FacilityKind.HOSPITAL]
        fangcang = [f for f in fac_ids if kinds[f] == FacilityKind.FANGCANG]

        classes = rng.choices(
            [Classification.ASYMPTOMATIC, Classification.MILD, Classification.MODERATE, Classification.SEVERE, Classification.CRITICAL],
            weights=[75, 18, 5, 1.5, 0.5],
            k=cases,
        )
        case_ids = reserve_ids(Case, cases)
        transfer_ids = reserve_ids(Transfer, cases)
        statuses = [CaseStatus.OPEN] * awaiting
        rest = cases - awaiting
        statuses += (
            [CaseStatus.ADMITTED] * (rest // 2)
            + [CaseStatus.DISCHARGED] * (rest // 5)
            + [CaseStatus.CLOSED] * (rest - rest // 2 - rest // 5)
        )
        occupied: Counter = Counter()
        final: Counter = Counter()
        cited = RuleCitation.ids_for([DEADLINE_RULE, "bench"])  # the rows point at stored citations (decision 0010)
        ct, kt, tt, mt, dt_ = Table(Case), Table(CaseClassification), Table(Transfer), Table(HealthMonitoring), Table(Discharge)
        monitoring_ids = reserve_ids(HealthMonitoring, sum(1 for s in statuses if s in (CaseStatus.DISCHARGED, CaseStatus.CLOSED)))
        mon = iter(monitoring_ids)
        for n, (cid, tid, status, cls, person) in enumerate(zip(case_ids, transfer_ids, statuses, classes, people, strict=True)):
            pid, d, s, c, g, h, birth_year = person
            places = {"district_id": d, "street_id": s, "community_id": c, "grid_id": g, "household_id": h}
            age = today.year - birth_year if birth_year else 40  # a fixture's choice: the birth year is close enough
            hospital = cls in (Classification.MODERATE, Classification.SEVERE, Classification.CRITICAL) or age >= 65
            bed = BedType.ICU if cls in (Classification.SEVERE, Classification.CRITICAL) else BedType.GENERAL
            kind = FacilityKind.HOSPITAL if hospital else FacilityKind.FANGCANG
            # Awaiting: confirmed over the past three days (earlier days overdue); the others over fourteen.
            days_ago = rng.choice([0, 0, 0, 1, 2]) if status == CaseStatus.OPEN else rng.randint(1, 14)
            confirmed = local_midnight(today - dt.timedelta(days=days_ago)) + dt.timedelta(minutes=rng.randint(6 * 60, 22 * 60))
            confirmed = min(confirmed, now - dt.timedelta(minutes=rng.randint(5, 300)))
            deadline = local_midnight(timezone_date(confirmed) + dt.timedelta(days=1))
            facility = None
            admitted = discharged = closed = None
            if status != CaseStatus.OPEN:
                facility = rng.choice(hospitals if hospital else fangcang)
                admitted = confirmed + dt.timedelta(minutes=rng.randint(60, 600))
            if status == CaseStatus.ADMITTED:
                occupied[(facility, bed)] += 1
            if status in (CaseStatus.DISCHARGED, CaseStatus.CLOSED):
                discharged = min(admitted + dt.timedelta(days=rng.randint(2, 6)), now - dt.timedelta(hours=1))
                if status == CaseStatus.CLOSED:
                    closed = discharged + dt.timedelta(days=7)
                    if closed > now:
                        status, closed = CaseStatus.DISCHARGED, None
            final[status] += 1
            # One asymptomatic case in twelve turns mild a day or two later (a classification after the day's end).
            first = cls
            later = confirmed + dt.timedelta(hours=rng.randint(18, 48))
            if cls == Classification.ASYMPTOMATIC and rng.random() < 1 / 12 and later < now:
                cls = Classification.MILD
                kt.add(case_id=cid, classification=cls, previous=first, risk_factors=[], classified_at=later, note="bench: 转为确诊")
            ct.add(
                id=cid, created_at=now, updated_at=now, **places, person_id=pid, classification=cls, initial_classification=first,
                peak_classification=cls, risk_factors=[], is_imported=False, positive_at=confirmed, confirmed_at=confirmed,
                found_in=rng.choice(["controlled", "community", "isolation_site"]), found_in_basis="bench", source="queue",
                status=status, facility_id=facility, bed_type=bed if facility else "", first_admitted_at=admitted, admitted_at=admitted,
                discharged_at=discharged, closed_at=closed, opened_at=confirmed,
            )  # fmt: skip
            kt.add(case_id=cid, classification=first, previous="", risk_factors=[], classified_at=confirmed, note="bench")
            tt.add(
                id=tid, created_at=now, updated_at=now, **places, case_id=cid, reason="first",
                status=TransferStatus.AWAITING if status == CaseStatus.OPEN else TransferStatus.ADMITTED,
                queued_at=confirmed, deadline_at=deadline, deadline_citation_id=cited[DEADLINE_RULE], triage_kind=kind,
                triage_bed_type=bed, triage_citation_id=cited["bench"], assigned_facility_id=facility, assigned_bed_type=bed if facility else "",
                dispatched_at=admitted and admitted - dt.timedelta(minutes=50), picked_up_at=admitted and admitted - dt.timedelta(minutes=20),
                admitted_at=admitted,
            )  # fmt: skip
            if discharged:
                mid = next(mon)
                ends = local_midnight(timezone_date(discharged) + dt.timedelta(days=7))
                mt.add(
                    id=mid, created_at=now, updated_at=now, **places, case_id=cid, person_id=pid,
                    status=MonitoringStatus.COMPLETED if closed else MonitoringStatus.ACTIVE, days=7, citation_id=cited["bench"],
                    starts_at=discharged, ends_at=ends, completed_at=closed,
                )  # fmt: skip
                dt_.add(
                    case_id=cid,
                    facility_id=facility,
                    bed_type=bed,
                    discharged_at=discharged,
                    criteria=[],
                    clinical_affirmed=[],
                    monitoring_id=mid,
                )
            if n % 10_000 == 9_999:
                for t in (ct, kt, tt, mt, dt_):
                    t.write()
        for t in (ct, kt, tt, mt, dt_):
            t.write()

        # Beds: occupied = admitted; forty facilities with one to four free beds, the rest 20–200.
        tight = set(rng.sample(fac_ids, min(TIGHT_FACILITIES, len(fac_ids))))
        bt = Table(FacilityBeds)
        free_beds = 0
        for fid in fac_ids:
            types = [BedType.GENERAL, BedType.ICU] if kinds[fid] == FacilityKind.HOSPITAL else [BedType.GENERAL]
            for bed in types:
                free = rng.randint(1, 4) if fid in tight else rng.randint(20, 200 if bed == BedType.GENERAL else 40)
                free_beds += free
                used = occupied[(fid, bed)]
                bt.add(facility_id=fid, bed_type=bed, capacity=used + free, occupied=used, updated_at=now)
        bt.write()
    return {
        "facilities": facilities,
        "hospitals": len(hospitals),
        "fangcang": len(fangcang),
        "tight_facilities": len(tight),
        "cases": cases,
        "by_status": {str(k): v for k, v in final.items()},
        "admitted_at_start": sum(occupied.values()),
        "free_beds_at_start": free_beds,
    }


def timezone_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(BEIJING).date()


# ---- latency probes ----


def probe(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


# ---- twenty dispatchers ----


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.allocations = 0
        self.conflicts_retried = 0  # admission refused (bed taken meanwhile): refusal recorded, another facility tried
        self.dispatch_full = 0  # dispatch refused: the facility had no free bed any more
        self.gave_up = 0  # still no bed after MAX_ATTEMPTS: left on the board
        self.lost_race = 0  # another dispatcher took the transfer first
        self.no_bed = 0
        self.deadlocks = 0
        self.db_errors: Counter = Counter()
        self.other_refusals: Counter = Counter()
        self.latency_ms: list[float] = []
        self.admit_ms: list[float] = []

    def add(self, **counts) -> None:
        with self.lock:
            for k, v in counts.items():
                setattr(self, k, getattr(self, k) + v)


def dispatcher(n: int, stop_at: float, tally: Tally) -> None:
    from django.db import DatabaseError, connection
    from django.db.models import F

    from fangkong.accounts.models import User
    from fangkong.cases.models import FacilityBeds, Transfer, TreatmentFacility
    from fangkong.cases.services import transfer_admit, transfer_dispatch, transfer_pick_up, transfer_refuse
    from fangkong.core.errors import DomainError

    rng = random.Random(1000 + n)
    user = User.objects.get(username=f"bench-dispatcher-{n:02d}")
    facilities = {f.pk: f for f in TreatmentFacility.objects.all()}

    def tightest(kind: str, bed: str, exclude: set[int]) -> TreatmentFacility | None:
        ids = list(
            FacilityBeds.objects.filter(facility__kind=kind, bed_type=bed, occupied__lt=F("capacity"))
            .exclude(facility_id__in=exclude)
            .annotate(free=F("capacity") - F("occupied"))
            .order_by("free", "facility_id")
            .values_list("facility_id", flat=True)[:5]
        )
        return facilities[rng.choice(ids)] if ids else None

    def allocate(tid: int, case_id: int, kind: str, bed: str) -> None:
        """Dispatch, pick up, admit; a bed taken meanwhile → refusal recorded, another facility."""
        transfer = Transfer(pk=tid, case_id=case_id)
        started = time.perf_counter()
        tried: set[int] = set()
        for _attempt in range(MAX_ATTEMPTS):
            facility = tightest(kind, bed, tried)
            if facility is None:
                tally.add(no_bed=1)
                return
            tried.add(facility.pk)
            try:
                t = transfer_dispatch(
                    actor=user, transfer=transfer, vehicle=f"蒙A·{n:02d}{rng.randint(0, 999):03d}", facility=facility, bed_type=bed
                )
            except DomainError as exc:
                if exc.rule == "cases.bed_capacity":
                    tally.add(dispatch_full=1)
                    continue
                if exc.rule == "cases.transfer_transitions":
                    tally.add(lost_race=1)
                else:
                    with tally.lock:
                        tally.other_refusals[exc.rule or exc.message[:40]] += 1
                return
            t = transfer_pick_up(actor=user, transfer=t)
            a = time.perf_counter()
            try:
                transfer_admit(actor=user, transfer=t)
            except DomainError as exc:
                if exc.rule != "cases.bed_capacity":
                    with tally.lock:
                        tally.other_refusals[exc.rule or exc.message[:40]] += 1
                    return
                # The last bed went to another dispatcher's patient: record the refusal, try elsewhere.
                transfer = transfer_refuse(actor=user, transfer=t, reason="床位已被占用（并发收治），改派其他机构")
                tally.add(conflicts_retried=1)
                continue
            done = time.perf_counter()
            with tally.lock:
                tally.allocations += 1
                tally.latency_ms.append((done - started) * 1000)
                tally.admit_ms.append((done - a) * 1000)
            return
        tally.add(gave_up=1)

    try:
        while time.perf_counter() < stop_at:
            board = list(
                Transfer.objects.filter(status="awaiting")
                .order_by("deadline_at", "queued_at", "id")
                .values_list("id", "case_id", "triage_kind", "triage_bed_type")[:200]
            )
            if not board:
                break
            try:
                allocate(*rng.choice(board))
            except DomainError as exc:  # a refusal not foreseen above
                with tally.lock:
                    tally.other_refusals[exc.rule or exc.message[:40]] += 1
            except DatabaseError as exc:  # the service's transaction rolled back; count it and go on
                with tally.lock:
                    if "deadlock" in str(exc).lower():
                        tally.deadlocks += 1
                    else:
                        tally.db_errors[type(exc).__name__ + ": " + str(exc)[:80]] += 1
    finally:
        connection.close()


def verify() -> dict:
    from django.db.models import Count

    from fangkong.cases.choices import TRANSFER_IN_FLIGHT, CaseStatus
    from fangkong.cases.models import Case, FacilityBeds, Transfer

    admitted = {
        (f, b): n
        for f, b, n in Case.objects.filter(status=CaseStatus.ADMITTED)
        .values_list("facility_id", "bed_type")
        .annotate(n=Count("id"))
        .order_by()
    }
    over, mismatched, full = 0, 0, 0
    for b in FacilityBeds.objects.all():
        over += b.occupied > b.capacity
        mismatched += b.occupied != admitted.get((b.facility_id, b.bed_type), 0)
        full += b.occupied == b.capacity
    double = Transfer.objects.filter(status__in=TRANSFER_IN_FLIGHT).values("case_id").annotate(n=Count("id")).filter(n__gt=1).count()
    return {
        "bed_rows": FacilityBeds.objects.count(),
        "over_capacity": over,
        "occupied_not_admitted": mismatched,
        "full_bed_rows": full,
        "cases_with_two_transfers_in_flight": double,
        "ok": over == 0 and mismatched == 0 and double == 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--awaiting", type=int, default=10_000)
    parser.add_argument("--facilities", type=int, default=300)
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--probes", type=int, default=50)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/fangkong_bench_cases")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--out", default=str(RESULTS / "transfer_board.json"), help="where to write the JSON")
    args = parser.parse_args()
    load_at_start = os.getloadavg()
    print(f"load average at start: {load_at_start[0]:.2f} {load_at_start[1]:.2f} {load_at_start[2]:.2f}", flush=True)

    from testing_round import build_city, make_database

    make_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone

    from fangkong.accounts.models import Grant, User
    from fangkong.cases.selectors import day_figures, transfer_board, transfer_board_count
    from fangkong.core.roles import Role
    from fangkong.geo.models import District

    try:
        call_command("migrate", verbosity=0)
        t = time.perf_counter()
        city = build_city(args.cases)
        now = timezone.now()
        data = build_cases(cases=args.cases, awaiting=args.awaiting, facilities=args.facilities, now=now)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        setup_seconds = time.perf_counter() - t
        print(f"setup: {city['people']:,} people, {data} in {setup_seconds:.1f}s", flush=True)

        def account(username: str, role: str, level: str, place_id: int | None = None) -> User:
            user = User(username=username, role=role, full_name=username, is_active=True)
            user.set_unusable_password()
            user.save()
            Grant.objects.create(user=user, level=level, place_id=place_id)
            return User.objects.get(pk=user.pk)

        command = account("bench-command", Role.COMMAND_CENTRE, "city")
        district_id = District.objects.order_by("code").values_list("id", flat=True).first()
        district = account("bench-district", Role.DISTRICT_OFFICE, "district", district_id)
        for n in range(args.threads):
            account(f"bench-dispatcher-{n:02d}", Role.COMMAND_CENTRE, "city")

        # Latency of the board's first page and of the day figures.
        rng = random.Random(7)
        today = timezone_date(now)
        latencies = {}
        for label, user in (("city", command), ("district", district)):

            def board(user=user):
                transfer_board_count(user=user)
                return transfer_board(user=user, limit=PAGE)

            def figures(user=user):
                return day_figures(date=today - dt.timedelta(days=rng.randint(0, 13)), user=user)

            board()  # warm the connection and the caches once
            latencies[f"board_first_page_{label}"] = probe(board, args.probes)
            latencies[f"day_figures_{label}"] = probe(figures, args.probes)
        first_page = transfer_board(user=command, limit=PAGE)
        board_rows = transfer_board_count(user=command)
        for k, v in latencies.items():
            print(f"{k}: p50 {pct(v, 50):.0f} ms p95 {pct(v, 95):.0f} ms", flush=True)

        # Twenty dispatchers at once.
        connection.close()
        tally = Tally()
        load_before = os.getloadavg()
        stop_at = time.perf_counter() + args.seconds
        started = time.perf_counter()
        threads = [threading.Thread(target=dispatcher, args=(n, stop_at, tally)) for n in range(args.threads)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - started
        load_after = os.getloadavg()
        checks = verify()
        conc = {
            "threads": args.threads,
            "seconds": elapsed,
            "allocations": tally.allocations,
            "allocations_per_s": tally.allocations / elapsed,
            "conflicts_retried": tally.conflicts_retried,
            "dispatch_refused_full": tally.dispatch_full,
            "gave_up": tally.gave_up,
            "lost_race_for_transfer": tally.lost_race,
            "no_bed_of_that_kind": tally.no_bed,
            "deadlocks": tally.deadlocks,
            "db_errors": dict(tally.db_errors),
            "other_refusals": dict(tally.other_refusals),
            "allocation_ms": {
                "p50": pct(tally.latency_ms, 50),
                "p95": pct(tally.latency_ms, 95),
                "max": max(tally.latency_ms, default=None),
            },
            "admit_call_ms": {"p50": pct(tally.admit_ms, 50), "p95": pct(tally.admit_ms, 95)},
            "load_average_before": load_before,
            "load_average_after": load_after,
        }
        with connection.cursor() as cur:
            cur.execute("SELECT version()")
            pg_version = cur.fetchone()[0].split(",")[0]
            cur.execute("SHOW shared_buffers")
            shared_buffers = cur.fetchone()[0]

        out = {
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "database": pg_version,
                "shared_buffers": shared_buffers,
                "load_average_at_start": load_at_start,
                "load_average_at_end": os.getloadavg(),
            },
            "data": {
                **data,
                "people": city["people"],
                "setup_seconds": setup_seconds,
                "board_rows": board_rows,
                "first_page_rows": len(first_page),
            },
            "latency_ms": {k: {"p50": pct(v, 50), "p95": pct(v, 95), "max": max(v)} for k, v in latencies.items()},
            "concurrency": conc,
            "verification": checks,
            "targets": {"board_p95_ms": 300, "day_figures_p95_ms": 300},
        }
        print()
        print(f"{'measure':<44} {'p50 ms':>8} {'p95 ms':>8}")
        for k, v in out["latency_ms"].items():
            print(f"{k:<44} {v['p50']:>8.0f} {v['p95']:>8.0f}")
        print(
            f"{'allocation (dispatch → admitted, retries)':<44} {conc['allocation_ms']['p50'] or 0:>8.0f} {conc['allocation_ms']['p95'] or 0:>8.0f}"
        )
        print(f"{'admission call':<44} {conc['admit_call_ms']['p50'] or 0:>8.0f} {conc['admit_call_ms']['p95'] or 0:>8.0f}")
        print()
        print(f"{args.threads} dispatchers for {elapsed:.1f}s: {tally.allocations:,} allocations ({conc['allocations_per_s']:.1f}/s)")
        print(
            f"conflicts: {tally.conflicts_retried} admissions refused for a bed taken meanwhile (retried elsewhere), "
            f"{tally.dispatch_full} dispatches refused (full), {tally.gave_up} given up after {MAX_ATTEMPTS} tries, "
            f"{tally.lost_race} transfers taken by another dispatcher first"
        )
        print(
            f"deadlocks {tally.deadlocks}, other database errors {sum(tally.db_errors.values())}, other refusals {dict(tally.other_refusals)}"
        )
        print(
            f"verification: {checks['bed_rows']} bed rows, over capacity {checks['over_capacity']}, occupied ≠ admitted {checks['occupied_not_admitted']}, "
            f"full {checks['full_bed_rows']}, two transfers in flight {checks['cases_with_two_transfers_in_flight']} → {'OK' if checks['ok'] else 'FAILED'}"
        )
        print(f"load average: start {load_at_start[0]:.2f}, before the dispatchers {load_before[0]:.2f}, after {load_after[0]:.2f}")
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    finally:
        connections.close_all()
        if not args.keep_database:
            drop_database(args.database_url)
            print(f"dropped {args.database_url.rpartition('/')[2]}")


if __name__ == "__main__":
    main()
