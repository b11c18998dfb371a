"""Orderly movement: set-based departure eligibility and the checkpoint scan, on the configured
database (the demo city by default: `python3 dev.py demo --no-serve`; a PostgreSQL city with
DATABASE_URL=…). Writes nothing that stays: the scans run in a transaction rolled back at the end.

    .venv/bin/python bench/movement.py [--people 50000] [--scans 200]

1. eligibility: the three rules (risk areas in force, people's states, a negative within the window
   from the test history) for up to --people registered people at once, read set-based;
2. scan: --scans sequential `pass_scan` calls (signature, pass, rules, the recorded row and its
   audit event) of one approved pass at one checkpoint; p50 / p95 / max in ms.

Prints a table and writes bench/results/movement.json. Sequential, one process: the 200-concurrent
target of issue 19 is not measured here.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from fangkong.accounts.models import GrantLevel  # noqa: E402
from fangkong.accounts.services.service_accounts import service_account  # noqa: E402
from fangkong.core.roles import Role  # noqa: E402
from fangkong.geo.models import District, Person  # noqa: E402
from fangkong.movement import codes  # noqa: E402
from fangkong.movement.eligibility import eligibility  # noqa: E402
from fangkong.movement.models import Checkpoint  # noqa: E402
from fangkong.movement.services.passes import pass_approve, pass_request  # noqa: E402
from fangkong.movement.services.scans import pass_scan  # noqa: E402


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--scans", type=int, default=200)
    args = parser.parse_args()
    load_start = os.getloadavg()
    ids = list(Person.objects.order_by("id").values_list("id", flat=True)[: args.people])
    at = timezone.now()
    started = time.perf_counter()
    decided = eligibility(ids, at=at)
    eligibility_s = time.perf_counter() - started
    eligible = sum(1 for rules in decided.values() if all(r.met for r in rules))

    timings: list[float] = []
    try:
        with transaction.atomic():
            district = District.objects.order_by("code").first()
            a = service_account(
                "bench-movement-a", Role.DISTRICT_OFFICE, "bench", level=GrantLevel.DISTRICT, place_id=district.pk, reason="bench"
            )
            b = service_account(
                "bench-movement-b", Role.DISTRICT_OFFICE, "bench", level=GrantLevel.DISTRICT, place_id=district.pk, reason="bench"
            )
            start = at - dt.timedelta(hours=1)
            vp = pass_request(
                actor=a,
                district=district,
                plate="蒙A0B123",
                purpose="bench",
                origin="a",
                destination="b",
                valid_from=start,
                valid_until=start + dt.timedelta(hours=24),
                driver_name="bench",
                driver_id="15010219800517901X",
            )
            vp = pass_approve(actor=b, vehicle_pass=vp)
            cp = Checkpoint.objects.create(name="bench", district_id=district.pk)
            token = codes.pass_token(vp)
            for i in range(args.scans):
                t = time.perf_counter()
                pass_scan(actor=a, checkpoint=cp, token=token, client_ref=f"bench-{i}", plate="蒙A0B123")
                timings.append((time.perf_counter() - t) * 1000)
            raise Rollback
    except Rollback:
        pass
    timings.sort()
    result = {
        "database": connection.vendor,
        "people": len(ids),
        "eligibility_seconds": round(eligibility_s, 3),
        "eligible": eligible,
        "scans": len(timings),
        "scan_ms_p50": round(statistics.median(timings), 2),
        "scan_ms_p95": round(timings[int(len(timings) * 0.95) - 1], 2),
        "scan_ms_max": round(timings[-1], 2),
        "load_start": load_start,
        "load_end": os.getloadavg(),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
    }
    print(f"{'database':<22}{result['database']}")
    print(f"{'people checked':<22}{result['people']:,}  ({result['eligible']:,} eligible)")
    print(f"{'eligibility':<22}{result['eligibility_seconds']} s")
    ms = f"{result['scan_ms_p50']} / {result['scan_ms_p95']} / {result['scan_ms_max']} ms"
    print(f"{'scan p50 / p95 / max':<22}{ms}  ({result['scans']} sequential)")
    print(f"{'load (1/5/15 min)':<22}{load_start} → {result['load_end']}")
    out = Path(__file__).resolve().parent / "results" / "movement.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
