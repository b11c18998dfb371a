"""The worker's two per-minute jobs behind the 三快一严 board, measured for bench/command.py (issue 15,
"Scale and speed"): the board's snapshot (fangkong.reports.tasks.board_snapshot_every_minute) and the
notification pass (fangkong.notifications.tasks.notifications_deliver), at the bench's size.

- `office_accounts`: the city's offices and workers as the alerts' audience (kept in the database,
  made once): 5 command-centre users (city), 3 district-office users per district, 2 street-office
  users per street, 2 community workers per community, 1 grid worker per grid, 2 supervisors per
  district (district grant), 20 laboratories with 2 users each. One in ten community and grid
  workers mutes "a positive in my community". Every office's jurisdiction is also a set of kept trend
  days for the snapshot (one per district and street office).
- `snapshot_runs`: the kept trend days are deleted (the day's first build keeps them all again);
  then `--snapshot-runs` times the function pair the Huey task runs each minute — `snapshot_build()`
  then `trends_close()`, forced on the first run as `manage.py board_snapshot --trends` does. Each
  run: wall, this process's CPU, its PostgreSQL backend's CPU (the leader; a parallel worker's CPU is
  not in it), the machine's busy CPU (/proc/stat: every process, parallel workers included — other
  jobs too on a shared machine), the snapshot's own `built_seconds`, rows and trend days written.
- `notification_pass`: one transaction, rolled back at the end (the kept database is left as it was;
  the bench can run again): a synthetic busy minute (`synthetic_minute`), then every registered rule
  (fangkong.notifications.rules) timed over it — its finder alone over the minute; the pass as the
  worker runs it (`deliver_rule` from a watermark one minute old: the window is the minute plus the
  5-minute OVERLAP; finder seconds inside it, events, (event, recipient) pairs evaluated,
  notifications written); the next minute's pass (every event found again and already notified:
  the duplicates path); and a day's catch-up (`since` = now − 1 day: the worker down for a day).
  Webhooks: none configured (nothing is queued).
"""

# ruff: noqa: E501
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import re
import time
import uuid
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ACCOUNT_PREFIX = "bench-aud-"
LABORATORIES = 20
DAY = dt.timedelta(days=1)


# ---- measuring ----


def _proc_cpu(pid: int) -> float | None:
    from testing_round import backend_cpu  # bench/ is on sys.path (bench/command.py)

    return backend_cpu(pid)


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy so far (every core: user, nice, system, irq, softirq, steal)."""
    with open("/proc/stat") as fh:
        parts = [int(x) for x in fh.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = parts
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


class Meter:
    """Wall seconds, this process's CPU, its database backend's CPU (the leader's, from /proc: the
    server on this machine) and the machine's busy CPU over a `with` block."""

    def __enter__(self) -> Meter:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            self.pid = cur.fetchone()[0]
        self.backend0 = _proc_cpu(self.pid)
        self.machine0 = _machine_busy()
        self.cpu0 = time.process_time()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        self.cpu = time.process_time() - self.cpu0
        self.machine = _machine_busy() - self.machine0
        end = _proc_cpu(self.pid)
        self.backend = end - self.backend0 if end is not None and self.backend0 is not None else None

    def as_dict(self) -> dict[str, float | None]:
        return {
            "wall_seconds": round(self.wall, 3),
            "process_cpu_seconds": round(self.cpu, 3),
            "backend_cpu_seconds": None if self.backend is None else round(self.backend, 3),
            "machine_cpu_seconds": round(self.machine, 2),
        }


# ---- the audience ----


def office_accounts() -> dict[str, int]:
    """The offices and workers (see the module's docstring); made once, kept. Returns their counts by role."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import Count

    from fangkong.accounts.models import Grant, User
    from fangkong.cases.alerts import POSITIVE_IN_COMMUNITY
    from fangkong.core.roles import Role
    from fangkong.geo.models import Community, District, Grid, Street
    from fangkong.notifications.models import Mute
    from fangkong.testing.models import Laboratory

    def counts() -> dict[str, int]:
        rows = (
            User.objects.filter(username__startswith=ACCOUNT_PREFIX, is_active=True)
            .values_list("role")
            .annotate(n=Count("id"))
            .order_by("role")
        )
        return dict(rows)

    if User.objects.filter(username=f"{ACCOUNT_PREFIX}done").exists():
        return counts()
    labs = []
    for i in range(LABORATORIES):
        lab, _ = Laboratory.objects.get_or_create(code=f"BENCH-LAB-{i + 1:02d}", defaults={"name": f"基准检测实验室{i + 1:02d}"})
        labs.append(lab.pk)
    specs: list[tuple[str, str, int | None, str]] = [(Role.COMMAND_CENTRE, "city", None, "")] * 5
    for d in District.objects.order_by("id").values_list("id", flat=True):
        specs += [(Role.DISTRICT_OFFICE, "district", d, "")] * 3 + [(Role.SUPERVISOR, "district", d, "")] * 2
    for s in Street.objects.order_by("id").values_list("id", flat=True):
        specs += [(Role.STREET_OFFICE, "street", s, "")] * 2
    for c in Community.objects.order_by("id").values_list("id", flat=True):
        specs += [(Role.COMMUNITY_WORKER, "community", c, "")] * 2
    specs += [(Role.GRID_WORKER, "grid", g, "") for g in Grid.objects.order_by("id").values_list("id", flat=True)]
    for lab in labs:
        specs += [(Role.LABORATORY, "facility", lab, "laboratory")] * 2
    password = make_password("bench")  # a usable password: service accounts are never told
    rng = random.Random(15)
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(username=f"{ACCOUNT_PREFIX}{i}", role=role, password=password, full_name=f"基准{i}", is_active=True)
                for i, (role, *_rest) in enumerate(specs)
            ],
            batch_size=2000,
        )
        Grant.objects.bulk_create(
            [Grant(user=u, level=level, place_id=pk, facility_kind=kind) for u, (_r, level, pk, kind) in zip(users, specs, strict=True)],
            batch_size=2000,
        )
        Mute.objects.bulk_create(
            [
                Mute(user=u, rule=POSITIVE_IN_COMMUNITY)
                for u, (role, *_rest) in zip(users, specs, strict=True)
                if role in (Role.COMMUNITY_WORKER, Role.GRID_WORKER) and rng.random() < 0.1
            ],
            batch_size=2000,
        )
        User(username=f"{ACCOUNT_PREFIX}done", role="", is_active=False).save()  # made: a kept database is not filled twice
    return counts()


# ---- the board's snapshot ----


def snapshot_runs(runs: int) -> dict[str, Any]:
    """The worker's per-minute job `runs` times (the first as the day's first: every office's closed
    trend days kept again)."""
    from fangkong.reports.models import BoardSnapshot, SnapshotRow, TrendDay
    from fangkong.reports.snapshot.services import office_jurisdictions, snapshot_build, trends_close

    deleted = TrendDay.objects.all().delete()[0]
    out: list[dict[str, Any]] = []
    for i in range(runs):
        with Meter() as whole:
            with Meter() as build:
                snap = snapshot_build()
            with Meter() as trends:
                days = trends_close(force=i == 0)
        snap = BoardSnapshot.objects.get(pk=snap.pk)
        out.append(
            {
                "run": i + 1,
                "trends": i == 0,
                **whole.as_dict(),
                "built_seconds": snap.built_seconds,
                "build": build.as_dict(),
                "trends_close": trends.as_dict(),
                "trend_days_kept": days,
                "rows": SnapshotRow.objects.filter(snapshot=snap).count(),
                "snapshot_id": snap.pk,
            }
        )
    return {"jurisdictions": len(office_jurisdictions()), "trend_days_deleted_first": deleted, "runs": out}


def fresh_snapshot(max_age: dt.timedelta = dt.timedelta(minutes=2)) -> tuple[Any, bool]:
    """The newest snapshot, built again first if it is older than `max_age` (the board reads one at
    most STALE_AFTER = 3 minutes old). Returns it and whether it was built here."""
    from django.utils import timezone

    from fangkong.reports.models import BoardSnapshot
    from fangkong.reports.snapshot.services import snapshot_build

    snap = BoardSnapshot.objects.filter(complete=True).order_by("-taken_at", "-id").first()
    if snap is not None and timezone.now() - snap.taken_at <= max_age:
        return snap, False
    return snapshot_build(), True


def reads_snapshot(content: bytes, snap: Any) -> bool:
    """The board's HTML was drawn from `snap`: it says "截至 HH:MM" (data-as-of) and its drill-down
    links carry the snapshot's id."""
    return b"data-as-of" in content and re.search(rb"[?&;]at=%d(?!\d)" % snap.pk, content) is not None


# ---- the notification pass ----


def _timed_rule(rule: Any) -> Any:
    """The rule with its finder timed (seconds and events of the last call in `rule.timing`)."""
    from fangkong.notifications.rules import Rule

    @dataclasses.dataclass(frozen=True)
    class TimedRule(Rule):
        timing: dict = dataclasses.field(default_factory=dict, compare=False, hash=False)

        def finder(self) -> Any:
            real = super().finder()

            def timed(**window: Any) -> list:
                t = time.perf_counter()
                events = list(real(**window))
                self.timing.update(finder_seconds=time.perf_counter() - t, finder_events=len(events))
                return events

            return timed

    return TimedRule(**{f.name: getattr(rule, f.name) for f in dataclasses.fields(rule)})


def _ago(rng: random.Random, now: dt.datetime, base: dt.timedelta = dt.timedelta()) -> dt.datetime:
    return now - base - dt.timedelta(seconds=rng.uniform(1, 55))


def synthetic_minute(command: Any, n: int, seed: int = 15) -> dict[str, int]:
    """A busy minute, written just before the pass (its moments in the last minute, `n` per kind):
    - n positives: cases opened by hand (cases.services.case_open_by_hand: a hospital's report, the
      case and its transfer as a desk writes them) for people without a case, anywhere in the city;
    - n transfers past their deadline: n transfers in flight get a deadline within the last minute;
    - n late items crossing the escalation threshold: n other transfers in flight get a deadline
      k × escalation_hours (k = 1, 2, 3 in turn) plus under a minute ago — raised to the street, the
      district or the command within the minute;
    - 10 × n tubes overdue at the laboratories: tubes still without a result get one of the 20
      bench laboratories and a result deadline within the last minute (events: one per laboratory,
      round and hour);
    - n/5 risk areas due to lift (lift_proposed_at within the minute);
    - n flags raised (flags.flag_raised: 阳性人员超时未转运, one per random community);
    - n/5 refused scans (a forged pass code at a bench checkpoint: movement.scan_flagged).
    Not made: supervision's rectifications, livelihood's shortages, destination notices (their
    finders run over what the database holds)."""
    from django.db.models import Max, Min
    from django.utils import timezone

    from fangkong.cases.choices import TRANSFER_IN_FLIGHT, CaseSource, Classification
    from fangkong.cases.models import Case, Transfer
    from fangkong.cases.services import case_open_by_hand
    from fangkong.flags.choices import FlagKind, FlagRuleCode
    from fangkong.flags.models import Flag
    from fangkong.geo.models import Community, Person
    from fangkong.movement.choices import ScanOutcome, ScanRefusal
    from fangkong.movement.models import Checkpoint, PassScan
    from fangkong.reports import board
    from fangkong.testing.models import Laboratory, Tube
    from fangkong.zoning.choices import AreaStatus
    from fangkong.zoning.models import RiskArea

    rng = random.Random(seed)
    made: dict[str, int] = {}
    # Positives, through the service.
    low, high = Person.objects.aggregate(a=Min("id"), b=Max("id")).values()
    chosen: dict[int, Any] = {}
    while len(chosen) < n:
        ids = {rng.randint(low, high) for _ in range(3 * n)} - set(chosen)
        ids -= set(Case.objects.filter(person_id__in=ids).values_list("person_id", flat=True))  # no second case
        chosen |= {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    people = list(chosen.values())[:n]
    t = time.perf_counter()
    for person in people:
        case_open_by_hand(
            actor=command,
            person=person,
            classification=Classification.ASYMPTOMATIC,
            confirmed_at=_ago(rng, timezone.now()),
            source=CaseSource.HOSPITAL_REPORT,
            source_note="基准：医疗机构报告",
        )
    made["positives"] = n
    made["positives_seconds"] = round(time.perf_counter() - t, 2)
    # Transfers overdue, and late transfers crossing the escalation threshold.
    now = timezone.now()
    hours = board.escalation_hours()
    in_flight = list(
        Transfer.objects.filter(status__in=TRANSFER_IN_FLIGHT)
        .exclude(case__person_id__in=list(chosen))
        .order_by("?")
        .values_list("pk", flat=True)[: 2 * n]
    )
    changed = []
    for i, pk in enumerate(in_flight):
        late = dt.timedelta() if i < n else dt.timedelta(hours=hours * (1 + (i - n) % 3))
        changed.append(Transfer(pk=pk, deadline_at=_ago(rng, now, late)))
    Transfer.objects.bulk_update(changed, ["deadline_at"], batch_size=1000)
    made["transfers_overdue"] = min(n, len(in_flight))
    made["escalation_crossings"] = max(0, len(in_flight) - n)
    # Tubes overdue at the laboratories.
    labs = list(Laboratory.objects.filter(code__startswith="BENCH-LAB-").values_list("pk", flat=True))
    tubes = list(Tube.objects.filter(resulted_at__isnull=True).values_list("pk", flat=True)[: 10 * n])
    Tube.objects.bulk_update(
        [Tube(pk=pk, laboratory_id=labs[i % len(labs)], deadline_at=_ago(rng, now)) for i, pk in enumerate(tubes)],
        ["laboratory_id", "deadline_at"],
        batch_size=1000,
    )
    made["tubes_overdue"] = len(tubes)
    # Risk areas found due to lift.
    areas = list(RiskArea.objects.filter(status=AreaStatus.IN_FORCE).order_by("pk").values_list("pk", flat=True)[: max(1, n // 5)])
    # Marked without the day their rule was met (lift_due_on): the next review adds it, as to a mark of before.
    marks = [RiskArea(pk=pk, lift_proposed_at=_ago(rng, now), lift_due_on=None) for pk in areas]
    RiskArea.objects.bulk_update(marks, ["lift_proposed_at", "lift_due_on"])
    made["areas_due_to_lift"] = len(areas)
    # Flags raised.
    communities = list(Community.objects.values_list("pk", "district_id", "street_id", "name"))
    flags = []
    for i in range(n):
        c, d, s, name = rng.choice(communities)
        at = _ago(rng, now)
        flags.append(
            Flag(
                rule=FlagRuleCode.TRANSFER_OVERDUE, kind=FlagKind.UNDER, subject=f"bench:{uuid.uuid4().hex[:16]}", title=f"基准预警{i}",
                district_id=d, street_id=s, community_id=c, place_name=name, raised_at=at, seen_at=at, item_count=1,
            )
        )  # fmt: skip
    Flag.objects.bulk_create(flags)
    made["flags_raised"] = len(flags)
    # Refused scans (forged codes) at a checkpoint.
    d = communities[0][1]
    checkpoint = Checkpoint.objects.create(name="基准卡口", road="基准道路", district_id=d, status="approved")
    scans = []
    for _ in range(max(1, n // 5)):
        at = _ago(rng, now)
        scans.append(
            PassScan(
                vehicle_pass=None, checkpoint=checkpoint, client_ref=uuid.uuid4().hex, scanned_at=at, recorded_at=at,
                outcome=ScanOutcome.REFUSED, refusal=ScanRefusal.FORGED, plate_seen="蒙A00000", district_id=d,
            )
        )  # fmt: skip
    PassScan.objects.bulk_create(scans)
    made["scans_refused"] = len(scans)
    return made


def _deliver(rule: Any, *, now: dt.datetime, since: dt.datetime | None = None) -> dict[str, Any]:
    """deliver_rule for a timed rule in its own savepoint (a failing rule is recorded, the others run)."""
    from django.db import transaction

    from fangkong.notifications.services import deliver_rule

    timed = _timed_rule(rule)
    try:
        with transaction.atomic():
            stats = deliver_rule(timed, now=now, since=since)
    except Exception as exc:  # recorded: the worker logs it and keeps the watermark
        return {"error": repr(exc)[:300]}
    return {
        "seconds": round(stats.seconds, 3),
        "finder_seconds": round(timed.timing.get("finder_seconds", 0.0), 3),
        "events": stats.events,
        "pairs": stats.candidates,
        "written": stats.notified,
        "webhooks": stats.webhooks,
    }


def _pass(rules: list, *, now: dt.datetime, since: dt.datetime | None = None) -> dict[str, Any]:
    with Meter() as m:
        per_rule = {rule.key: _deliver(rule, now=now, since=since) for rule in rules}
    ok = [r for r in per_rule.values() if "error" not in r]
    total = {
        **m.as_dict(),
        "events": sum(r["events"] for r in ok),
        "pairs": sum(r["pairs"] for r in ok),
        "written": sum(r["written"] for r in ok),
        "finder_seconds": round(sum(r["finder_seconds"] for r in ok), 3),
        "errors": len(per_rule) - len(ok),
    }
    wall = total["wall_seconds"] or 1e-9
    total["pairs_per_second"] = round(total["pairs"] / wall)
    total["evaluations_per_minute"] = round(total["pairs"] / wall * 60)
    total["events_per_minute"] = round(total["events"] / wall * 60)
    return {"rules": per_rule, "total": total}


def notification_pass(command: Any, n: int) -> dict[str, Any]:
    """The synthetic minute and the passes over it (see the module's docstring), rolled back."""
    from django.db import transaction
    from django.utils import timezone

    from fangkong.notifications.models import Watermark
    from fangkong.notifications.rules import rules
    from fangkong.notifications.services.delivery import OVERLAP

    every = rules.all()
    out: dict[str, Any] = {"rules": [r.key for r in every], "overlap_seconds": OVERLAP.total_seconds()}
    with transaction.atomic():
        started = timezone.now()
        out["activity"] = synthetic_minute(command, n)
        now = timezone.now()
        since = min(started, now - dt.timedelta(minutes=1))
        out["minute"] = {"since": since.isoformat(), "until": now.isoformat(), "seconds": round((now - since).total_seconds(), 1)}
        # 1. Each finder alone over the minute.
        finders = {}
        for rule in every:
            t = time.perf_counter()
            events = list(rule.finder()(since=since, until=now))
            finders[rule.key] = {"seconds": round(time.perf_counter() - t, 3), "events": len(events)}
        out["finders_minute"] = finders
        # 2. The worker's pass: every watermark at the minute's start (window: the minute + OVERLAP).
        for rule in every:
            Watermark.objects.update_or_create(rule=rule.key, defaults={"until": since})
        out["pass"] = _pass(every, now=now)
        # 3. The next minute's pass: the same events again, all notified already.
        out["pass_next_minute"] = _pass(every, now=now + dt.timedelta(minutes=1))
        # 4. A day's catch-up (the worker was down): every rule from now − 1 day.
        out["pass_day"] = _pass(every, now=now, since=now - DAY)
        transaction.set_rollback(True)
    out["rolled_back"] = True
    return out


# ---- the printed tables ----


def print_snapshot(snap: dict[str, Any]) -> None:
    print(
        f"\nboard snapshot (the worker each minute: snapshot_build + trends_close), {snap['jurisdictions']} jurisdictions with kept trend days"
    )
    print(
        f"{'run':>3} {'trends':>6} {'wall s':>8} {'built s':>8} {'trends s':>8} {'proc CPU':>8} {'PG CPU':>8} {'machine':>8} {'rows':>10} {'days kept':>9}"
    )
    for r in snap["runs"]:
        pg = r["backend_cpu_seconds"]
        print(
            f"{r['run']:>3} {'yes' if r['trends'] else 'no':>6} {r['wall_seconds']:>8.2f} {r['built_seconds']:>8.2f} "
            f"{r['trends_close']['wall_seconds']:>8.2f} {r['process_cpu_seconds']:>8.2f} {'—' if pg is None else f'{pg:.2f}':>8} "
            f"{r['machine_cpu_seconds']:>8.2f} {r['rows']:>10,} {r['trend_days_kept']:>9,}"
        )


def print_notifications(note: dict[str, Any]) -> None:
    print(f"\nnotification pass — synthetic minute: {note['activity']}")
    p, f, nxt, day = note["pass"], note["finders_minute"], note["pass_next_minute"], note["pass_day"]
    print(
        f"{'rule':<36} {'finder 1m s':>11} {'ev':>5} | {'pass s':>7} {'find s':>7} {'events':>7} {'pairs':>7} {'written':>7} | {'next s':>7} | {'day s':>7} {'events':>7} {'pairs':>8} {'written':>8}"
    )
    for key in note["rules"]:
        a, b, c = p["rules"][key], nxt["rules"][key], day["rules"][key]
        if "error" in a or "error" in c:
            print(f"{key:<36} error: {a.get('error') or c.get('error')}")
            continue
        print(
            f"{key:<36} {f[key]['seconds']:>11.3f} {f[key]['events']:>5} | {a['seconds']:>7.3f} {a['finder_seconds']:>7.3f} {a['events']:>7,} "
            f"{a['pairs']:>7,} {a['written']:>7,} | {b.get('seconds', float('nan')):>7.3f} | {c['seconds']:>7.3f} {c['events']:>7,} {c['pairs']:>8,} {c['written']:>8,}"
        )
    for label, run in (("per-minute pass", p), ("next minute (all notified)", nxt), ("a day's catch-up", day)):
        t = run["total"]
        pg = t["backend_cpu_seconds"]
        print(
            f"{label:<28} {t['wall_seconds']:>7.2f} s wall (proc CPU {t['process_cpu_seconds']:.2f}, PG {'—' if pg is None else f'{pg:.2f}'}, "
            f"machine {t['machine_cpu_seconds']:.2f}); {t['events']:,} events, {t['pairs']:,} pairs, {t['written']:,} written; "
            f"{t['evaluations_per_minute']:,} evaluations/min capacity"
        )
    t = p["total"]
    print(
        f"per-minute pass {t['wall_seconds']:.2f} s of 60 s ({'within' if t['wall_seconds'] < 30 else 'NOT well within'} the minute); "
        f"capacity {t['evaluations_per_minute']:,} rule evaluations a minute at this pass's rate (goal 10,000)"
    )
