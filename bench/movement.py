"""Benchmark: orderly movement on PostgreSQL (issue 19, "Scale and speed").

    .venv/bin/python bench/movement.py [--people 200000] [--applications 50000] [--passes 200]
        [--scans-per-pass 5] [--seconds 60] [--port 8154] [--buildings N] [--reuse-city] [--keep-database]
        [--database-url postgres://…/fangkong_bench_movement] [--redis-url redis://127.0.0.1:6379/13]

1. Its own database with make_city's synthetic city and bench/zoning.py's fixed inputs (not timed):
   `--buildings` in force as high-risk areas (default 2,000 × people / 3.5 M), a full testing round sampled on
   the evaluation day (10-in-1 tubes, single tubes in the areas, 2 % not sampled, some awaited and
   positive), the 20 measures profile.
2. **eligibility**: `--applications` departure applications (distinct people, a fixed seed) written
   with COPY, then `applications_decide` — the service the 审核 button runs: every submitted
   application decided set-based against the round's results, the areas in force and the people's
   states, the decision and its rules written back, audited. Timed from the call to its return.
3. **scans over HTTP**: gunicorn with the production settings (`--workers 5` as in the operator
   guide, the request time in the access log) on 127.0.0.1; `--passes` approved passes, one per
   client; the clients sign in once (a district office account), then all at once, each POSTs
   `--scans-per-pass` scans of its own pass to /movement/check/scan/ (signature, pass, rules, the
   recorded row, its audit event), bounded by `--seconds`. Reported: the server's time per scan
   (gunicorn's %(M)s) and the client's, p50 / p95 / max, outcomes.
4. Prints a table and writes bench/results/movement.json with the machine and load averages (the
   machine may be shared). Drops its database at the end (unless `--keep-database`); the gunicorn it
   started is stopped by its pid.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import http.client
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import zoning  # noqa: E402  (bench/zoning.py: the city, the round and the areas, gunicorn)

RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fangkong_bench_movement"
PASSWORD = "bench-Movement-2026!"
SEED = 19
AREAS_AT_FULL_SIZE = 2_000  # buildings in force at 3.5 M people: a tenth of bench/zoning's height of an outbreak


def make_applications(n: int) -> dict:
    """`n` submitted applications of distinct people (a fixed seed), with COPY."""
    from django.db import connection, transaction
    from django.utils import timezone

    from fangkong.core.bulk import BulkWriter
    from fangkong.movement.models import DepartureApplication

    with connection.cursor() as cur:
        cur.execute("TRUNCATE movement_departureapplication RESTART IDENTITY CASCADE")
        cur.execute("SELECT id, district_id, street_id, community_id, grid_id FROM geo_person ORDER BY id")
        people = cur.fetchall()
    chosen = random.Random(SEED).sample(people, min(n, len(people)))
    now = timezone.now()
    travel = timezone.localdate() + dt.timedelta(days=1)
    columns = ["created_at", "updated_at", "person_id", "mode", "destination", "travel_date", "status", "decision", "profile_code",
               "district_id", "street_id", "community_id", "grid_id"]  # fmt: skip
    with transaction.atomic():
        BulkWriter(DepartureApplication, columns).write(
            [(now, now, pid, "car", "赤峰市", travel, "submitted", "[]", "", d, s, c, g) for pid, d, s, c, g in chosen]
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE movement_departureapplication")
    return {"applications": len(chosen)}


def measure_eligibility(T: dt.datetime) -> dict:
    from fangkong.accounts.models import GrantLevel
    from fangkong.accounts.services.service_accounts import service_account
    from fangkong.core.roles import Role
    from fangkong.movement.models import DepartureApplication
    from fangkong.movement.services.departures import applications_decide

    command = service_account("bench-command", Role.COMMAND_CENTRE, "bench", level=GrantLevel.CITY, reason="bench")
    started = time.perf_counter()
    counts = applications_decide(actor=command, at=T)
    seconds = time.perf_counter() - started
    refused = {}
    for app in DepartureApplication.objects.filter(status="refused").only("decision").iterator(chunk_size=5000):
        for rule in app.decision:
            if not rule.get("met"):
                refused[rule["rule"]] = refused.get(rule["rule"], 0) + 1
    return {"seconds": round(seconds, 2), "decided": counts, "refused_by_rule": refused}


def make_passes(n: int) -> dict:
    """`n` approved passes (distinct plates) valid now, one checkpoint, and the account that scans."""
    from django.utils import timezone

    from fangkong.accounts.models import Grant, GrantLevel, User
    from fangkong.accounts.services.service_accounts import service_account
    from fangkong.core.roles import Role
    from fangkong.geo.models import District
    from fangkong.movement import codes
    from fangkong.movement.models import Checkpoint
    from fangkong.movement.services.passes import pass_approve, pass_request

    district = District.objects.order_by("code").first()
    kw = {"level": GrantLevel.DISTRICT, "place_id": district.pk, "reason": "bench"}
    a = service_account("bench-traffic-a", Role.DISTRICT_OFFICE, "bench", **kw)
    b = service_account("bench-traffic-b", Role.DISTRICT_OFFICE, "bench", **kw)
    checker = User.objects.filter(username="bench-checker").first()
    if checker is None:
        checker = User.objects.create_user(username="bench-checker", password=PASSWORD, role=Role.DISTRICT_OFFICE, full_name="卡口")
        Grant.objects.create(user=checker, level=GrantLevel.DISTRICT, place_id=district.pk)
    checkpoint = Checkpoint.objects.create(name="基准卡口", road="G6", district_id=district.pk, status="approved")
    start = timezone.now() - dt.timedelta(hours=1)
    tokens = []
    for i in range(n):
        plate = f"蒙A{i:05d}"
        vp = pass_request(
            actor=a, district=district, plate=plate, purpose="物资运输", origin="呼和浩特", destination="包头",
            valid_from=start, valid_until=start + dt.timedelta(hours=24), driver_name="司机", driver_id="15010219800517901X",
        )  # fmt: skip
        vp = pass_approve(actor=b, vehicle_pass=vp)
        tokens.append((plate, codes.pass_token(vp)))
    return {"checkpoint": checkpoint.pk, "tokens": tokens}


def sign_in(port: int) -> dict[str, str]:
    """The checkpoint account's cookies, through the login page as a browser behind the proxy."""
    cookies: dict[str, str] = {}

    def request(method: str, path: str, body: dict | None = None) -> tuple[int, bytes, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Host": "localhost", "X-Forwarded-Proto": "https", "Referer": "https://localhost/accounts/login/"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        data = urlencode(body).encode() if body is not None else None
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=headers)
        answer = conn.getresponse()
        content = answer.read()
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key.strip()] = rest.split(";", 1)[0]
        conn.close()
        return answer.status, content, dict(answer.getheaders())

    _, page, _ = request("GET", "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    status, _, _ = request("POST", "/accounts/login/", {"csrfmiddlewaretoken": token, "username": "bench-checker", "password": PASSWORD})
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"sign-in failed ({status})")
    return cookies


async def post_scan(port: int, cookies: dict[str, str], body: bytes) -> tuple[int, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    writer.write(
        (
            f"POST /movement/check/scan/ HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\nOrigin: https://localhost\r\n"
            f"Referer: https://localhost/movement/check/\r\nX-CSRFToken: {cookies['csrftoken']}\r\nCookie: {cookie}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        + body
    )
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, payload = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    try:
        outcome = json.loads(payload).get("outcome", "") if status == 200 else ""
    except ValueError:
        outcome = ""
    return status, outcome


async def scan_load(port: int, cookies: dict[str, str], checkpoint: int, tokens: list, per_pass: int, seconds: float) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    outcomes: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    gate = asyncio.Event()

    async def client(plate: str, token: str) -> None:
        await gate.wait()  # every client starts at once
        for _ in range(per_pass):
            if time.monotonic() > deadline:
                return
            body = json.dumps({"checkpoint": checkpoint, "token": token, "client_ref": uuid.uuid4().hex, "plate": plate}).encode()
            started = time.perf_counter()
            try:
                status, outcome = await asyncio.wait_for(post_scan(port, cookies, body), zoning.REQUEST_TIMEOUT)
            except (OSError, TimeoutError):
                status, outcome = 0, ""
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    tasks = [asyncio.create_task(client(p, t)) for p, t in tokens]
    started = time.monotonic()
    gate.set()
    await asyncio.gather(*tasks)
    wall = time.monotonic() - started
    return {
        "clients": len(tokens),
        "requests": len(latencies),
        "wall_seconds": round(wall, 2),
        "per_second": round(len(latencies) / wall, 1),
        "client_p50_ms": round(zoning.pct(latencies, 50), 1),
        "client_p95_ms": round(zoning.pct(latencies, 95), 1),
        "client_max_ms": round(max(latencies), 1),
        "statuses": statuses,
        "outcomes": outcomes,
    }


def measure_scans(args, passes: dict, pass_key: str) -> dict:
    var_dir = Path(tempfile.mkdtemp(prefix="fangkong-bench-movement-"))
    log = var_dir / "gunicorn.log"
    fmt = '%(h)s "%(r)s" %(s)s %(M)sms'  # the request's time in ms, as gunicorn measured it
    proc = zoning.start_gunicorn(
        args, var_dir, log, extra_env={"FANGKONG_PASS_SIGNING_KEY": pass_key}, extra_args=("--access-logformat", fmt)
    )
    try:
        cookies = sign_in(args.port)
        tokens = passes["tokens"]
        # warm the workers (a few scans of the first pass, not counted)
        asyncio.run(scan_load(args.port, cookies, passes["checkpoint"], tokens[:10], 1, 30))
        offset = log.stat().st_size  # count only the timed run's lines
        timed = asyncio.run(scan_load(args.port, cookies, passes["checkpoint"], tokens, args.scans_per_pass, args.seconds))
    finally:
        zoning.stop(proc)
    with log.open("rb") as fh:
        fh.seek(offset)
        text = fh.read().decode(errors="replace")
    found = [int(m.group(1)) for m in re.finditer(r'"POST /movement/check/scan/ [^"]*" \d+ (\d+)ms', text)]
    shutil.rmtree(var_dir, ignore_errors=True)
    return {
        **timed,
        "server_scans": len(found),
        "server_p50_ms": zoning.pct(found, 50),
        "server_p95_ms": zoning.pct(found, 95),
        "server_max_ms": max(found) if found else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--applications", type=int, default=50_000)
    parser.add_argument("--passes", type=int, default=200, help="concurrent clients, one pass each")
    parser.add_argument("--scans-per-pass", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=8154)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--buildings", type=int, default=None, help="buildings in force (default 2,000 × people / 3.5 M)")
    parser.add_argument("--reuse-city", action="store_true")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--json", default=str(RESULTS / "movement.json"))
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("this bench runs on PostgreSQL")
    args.buildings = args.buildings or max(1, round(AREAS_AT_FULL_SIZE * args.people / zoning.FULL_CITY))
    load_start = [round(x, 2) for x in os.getloadavg()]
    city = zoning.build_city(args)
    pass_key = base64.b64encode(os.urandom(32)).decode()
    os.environ.update(
        DATABASE_URL=args.database_url,
        FANGKONG_PASS_SIGNING_KEY=pass_key,
        FANGKONG_VAR_DIR=tempfile.mkdtemp(prefix="fangkong-bench-movement-var-"),
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    T = zoning.evaluation_time()
    out: dict = {"people": args.people, "city": city, "machine": zoning.machine_facts(), "load_average_start": load_start}
    out["postgres"] = zoning.pg_settings()
    print(f"loading the round and the areas (evaluation at {T.isoformat()}) …", flush=True)
    out["sizes"] = zoning.load_inputs(args, T)
    out["sizes"].update(make_applications(args.applications))
    print(f"  {out['sizes']}", flush=True)
    out["load_average_before_timing"] = [round(x, 2) for x in os.getloadavg()]
    out["eligibility"] = measure_eligibility(T)
    print(f"  eligibility {out['eligibility']}", flush=True)
    if not args.skip_http:
        passes = make_passes(args.passes)
        out["scans"] = measure_scans(args, passes, pass_key)
        print(f"  scans {out['scans']}", flush=True)
    out["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    out["at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    e = out["eligibility"]
    print(f"\n{'applications decided':<28}{out['sizes']['applications']:,} in {e['seconds']} s  {e['decided']}  (target < 30 s)")
    if "scans" in out:
        s = out["scans"]
        print(
            f"{'scans, server p50/p95/max':<28}{s['server_p50_ms']} / {s['server_p95_ms']} / {s['server_max_ms']} ms"
            f"  ({s['server_scans']} scans, {s['clients']} clients at once; target p95 < 50 ms)"
        )
        print(f"{'scans, client p50/p95/max':<28}{s['client_p50_ms']} / {s['client_p95_ms']} / {s['client_max_ms']} ms  {s['outcomes']}")
    print(f"{'machine':<28}{out['machine']['cpu']}, {out['machine']['cores']} cores (shared)")
    print(f"{'load (1/5/15 min)':<28}{load_start} → {out['load_average_end']}")
    zoning.finish(args, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
