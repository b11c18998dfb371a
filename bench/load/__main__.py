"""bench/load — the read mix under load: locust (headless, loopback only, bounded, stops by itself)
against the production stack (`python3 dev.py prod`: gunicorn with config.settings.prod, 5 workers,
the Huey consumer, Redis) with the demo city.

    .venv/bin/python bench/load [--scenarios 1,50,200,sat] [--seconds 60] [--people 50000]
                                [--keep-database] [--json bench/results/load.json]

1. Installs locust into var/bench-venv from bench/requirements.txt on first use (never into .venv:
   CI installs requirements.txt, and locust is not the application's).
2. Starts `python3 dev.py prod` on 127.0.0.1:--port against its own database (fangkong_bench_load,
   built with the demo city of --people on first use), Redis database 12 and var/bench-load/ (the
   stack's keys). PostgreSQL connections: 5 workers + the consumer, well under 100 (counted).
3. Signs in once per demo account of the mix over HTTP (the password hash is the login's cost, not
   the pages'), then gives every simulated user a session of its own (copies of those sessions rows
   under new keys, SQL), so 200 users are 200 sessions.
4. Runs the scenarios one after the other, each at most --seconds (60): 1 user one request after the
   other (the latency of one request alone), 50 and 200 users with a request every 5 s each, and a
   saturation run (--saturation-users, no think time). Statistics are reset when all users have
   started. Prints req/s, p50/p95/p99 and errors per page; writes --json with the machine and the
   load average at start and end.
5. Stops the stack by its pid, empties its Redis database, drops the database and var/bench-load/
   unless --keep-database.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from prodstack import ProdStack, redis_flush  # noqa: E402  (bench/prodstack.py)
from zoning import machine_facts  # noqa: E402  (bench/zoning.py)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fangkong_bench_load"
BENCH_VENV = ROOT / "var" / "bench-venv"
PASSWORD = "fangkong-demo"  # the demo accounts' (fangkong.demo), never a real one
# Who reads: (demo account, share of the users). Roles without a second factor in production; each
# sees the four pages in its own scope (the grid worker its grid's door-knocking list).
ACCOUNTS = [("community", 2), ("street", 1), ("district", 1)]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "高"]
PAGES = ["overview /", "door-knocking list", "transfer board /cases/", "person search"]


def ensure_locust() -> Path:
    req = ROOT / "bench" / "requirements.txt"
    digest = hashlib.sha256(req.read_bytes()).hexdigest()
    stamp = BENCH_VENV / ".installed"
    if not (stamp.exists() and stamp.read_text() == digest):
        print("· installing bench/requirements.txt into var/bench-venv (locust)", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(BENCH_VENV)
        subprocess.run(
            [str(BENCH_VENV / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(req)], check=True
        )
        stamp.write_text(digest)
    return BENCH_VENV / "bin" / "locust"


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def sql(url: str, query: str, params: tuple = ()) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def sign_in(port: int, username: str) -> tuple[str, str]:
    """(sessionid, csrftoken) of a fresh sign-in over HTTP, as prod_smoke does it."""
    cookies: dict[str, str] = {}

    def request(method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Host": f"127.0.0.1:{port}", "X-Forwarded-Proto": "https", "Accept-Language": "zh-hans"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        data = None
        if body is not None:
            data = urlencode(body).encode()
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"https://127.0.0.1:{port}{path}"}
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        content = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, content

    status, page = request("GET", "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or not token:
        raise RuntimeError(f"the login page answered {status}")
    status, _ = request(
        "POST", "/accounts/login/", {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": PASSWORD}
    )
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"signing in as {username} answered {status}")
    return cookies["sessionid"], cookies["csrftoken"]


def knock_path(url: str, username: str) -> str:
    """The door-knocking list of the open round for a grid in the account's scope (the round demo
    builds; the grid with the most households)."""
    (round_pk,) = sql(url, "SELECT max(id) FROM testing_testinground")[0]
    rows = sql(
        url,
        """SELECT g.id FROM accounts_grant gr JOIN accounts_user u ON u.id = gr.user_id
           JOIN geo_grid g ON g.community_id = gr.place_id OR g.id = gr.place_id
           WHERE u.username = %s AND gr.level IN ('community', 'grid')
           ORDER BY (SELECT count(*) FROM geo_household h WHERE h.grid_id = g.id) DESC LIMIT 1""",
        (username,),
    )
    if not rows:  # street or district: a grid of the demo community (迎宾南路社区), in their scope too
        rows = sql(
            url,
            "SELECT g.id FROM geo_grid g JOIN geo_community c ON c.id = g.community_id WHERE c.name = '迎宾南路社区' ORDER BY g.id LIMIT 1",
        )
    return f"/testing/rounds/{round_pk}/grids/{rows[0][0]}/knock/"


def sessions_for(url: str, port: int, users: int) -> list[dict]:
    """`users` sessions, shared out by ACCOUNTS' weights: one real sign-in each, copied under new keys."""
    total = sum(w for _, w in ACCOUNTS)
    out: list[dict] = []
    for username, weight in ACCOUNTS:
        sessionid, csrftoken = sign_in(port, username)
        knock = knock_path(url, username)
        n = max(1, round(users * weight / total))
        sql(
            url,
            """INSERT INTO django_session (session_key, session_data, expire_date)
               SELECT md5(%s || '-' || i || '-' || random()), session_data, expire_date
               FROM django_session, generate_series(1, %s) AS i WHERE session_key = %s""",
            (username, n, sessionid),
        )
        keys = sql(
            url,
            """SELECT s.session_key FROM django_session s JOIN django_session o ON o.session_data = s.session_data
               WHERE o.session_key = %s AND s.session_key <> o.session_key""",
            (sessionid,),
        )
        out += [{"account": username, "sessionid": k, "csrftoken": csrftoken, "knock": knock} for (k,) in keys[:n]]
    # interleave the accounts, so any number of users takes them in their shares
    return sorted(out, key=lambda s: hashlib.md5(s["sessionid"].encode()).hexdigest())


def run_scenario(
    locust: Path, plan_file: Path, *, name: str, users: int, pacing: float, seconds: int, spawn_rate: float, out_dir: Path
) -> dict:
    prefix = out_dir / name
    env = {**os.environ, "FKLOAD_PLAN": str(plan_file), "FKLOAD_PACING": str(pacing)}
    cmd = [
        str(locust), "-f", str(HERE / "locustfile.py"), "--headless", "--only-summary", "--reset-stats",
        "-u", str(users), "-r", str(spawn_rate), "-t", f"{seconds}s", "--stop-timeout", "10",
        "--csv", str(prefix), "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    load0, cpu0 = load_average(), os.times()
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=HERE, env=env, capture_output=True, text=True, timeout=seconds + 120)
    wall = time.monotonic() - started
    cpu1 = os.times()
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        raise RuntimeError(f"locust exited with {proc.returncode}")

    def num(x: str) -> float | None:
        return None if x in ("", "N/A") else float(x)

    pages = {}
    with open(f"{prefix}_stats.csv") as fh:
        for row in csv.DictReader(fh):
            pages[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "req_per_s": round(float(row["Requests/s"]), 1),
                "p50_ms": num(row["50%"]),
                "p95_ms": num(row["95%"]),
                "p99_ms": num(row["99%"]),
                "mean_ms": round(float(row["Average Response Time"]), 1),
                "max_ms": num(row["Max Response Time"]),
            }
    failures = []
    with open(f"{prefix}_failures.csv") as fh:
        failures = [{"page": r["Name"], "error": r["Error"], "count": int(r["Occurrences"])} for r in csv.DictReader(fh)]
    return {
        "users": users,
        "pacing_s": pacing,
        "seconds": seconds,
        "wall_s": round(wall, 1),
        "load_average_before": load0,
        "load_average_after": load_average(),
        "locust_cpu_s": round((cpu1.children_user + cpu1.children_system) - (cpu0.children_user + cpu0.children_system), 1),
        "pages": pages,
        "failures": failures,
    }


def print_scenario(name: str, r: dict) -> None:
    think = f"a request every {r['pacing_s']:g} s each" if r["pacing_s"] else "no think time"
    print(f"\n{name}: {r['users']} users, {think}, {r['seconds']} s; load {r['load_average_before'][0]} → {r['load_average_after'][0]}; "
          f"locust CPU {r['locust_cpu_s']} s; PostgreSQL connections {r.get('pg_connections')}")  # fmt: skip
    print(f"  {'page':<26} {'requests':>8} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'errors':>7}")
    for page in [*PAGES, "Aggregated"]:
        p = r["pages"].get(page)
        if p and p["requests"]:
            times = " ".join(f"{p[k]:>5.0f}ms" for k in ("p50_ms", "p95_ms", "p99_ms"))
            print(f"  {page:<26} {p['requests']:>8} {p['req_per_s']:>7.1f} {times} {p['errors']:>7}")
    for f in r["failures"][:5]:
        print(f"  ! {f['page']}: {f['error']} ×{f['count']}")


def drop_database(url: str) -> None:
    base, _, name = url.rpartition("/")
    sql(f"{base}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="1,50,200,sat", help="comma-separated: user counts (think time) and/or sat")
    parser.add_argument("--seconds", type=int, default=60, help="length of each scenario (at most 60 on the shared machine)")
    parser.add_argument("--pacing", type=float, default=5.0, help="seconds between one user's requests (default 5)")
    parser.add_argument("--saturation-users", type=int, default=20)
    parser.add_argument("--people", type=int, default=50_000, help="the demo city's size when it is built")
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--port", type=int, default=8231)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--keep-database", action="store_true", help="keep the database and var/bench-load/ for the next run")
    parser.add_argument("--label", default="", help="a note stored with the results (e.g. before / after)")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "load.json"))
    args = parser.parse_args()
    if args.seconds > 60:
        parser.error("at most 60 s a scenario: the machine is shared")
    if urlsplit(args.database_url).hostname not in {"127.0.0.1", "localhost"}:
        parser.error("loopback only")

    locust = ensure_locust()
    out: dict = {
        "label": args.label,
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_facts(),
        "load_average_start": load_average(),
        "workers": args.workers,
        "settings": "config.settings.prod (python3 dev.py prod)",
        "mix": {"overview /": 3, "door-knocking list": 3, "transfer board /cases/": 2, "person search": 2},
        "accounts": dict(ACCOUNTS),
        "scenarios": {},
    }
    print(f"· load average {out['load_average_start']} (1, 5, 15 min); {out['machine']['cores']} cores", flush=True)
    var_dir = ROOT / "var" / "bench-load"
    work = Path(tempfile.mkdtemp(prefix="fangkong-bench-load-"))
    redis_flush(args.redis_url)
    stack = ProdStack(port=args.port, database_url=args.database_url, redis_url=args.redis_url, var_dir=var_dir,
                      workers=args.workers, people=args.people, log=work / "stack.log")  # fmt: skip
    try:
        took = stack.start(ready_within=1200)
        (people,) = sql(args.database_url, "SELECT count(*) FROM geo_person")[0]
        out["people"] = people
        print(f"· dev.py prod ready on 127.0.0.1:{args.port} after {took:.0f} s ({people:,} people)", flush=True)
        names = [s.strip() for s in args.scenarios.split(",") if s.strip()]
        most = max([args.saturation_users] + [int(n) for n in names if n.isdigit()])
        plan = {
            "host": f"http://127.0.0.1:{args.port}",
            "origin": f"https://127.0.0.1:{args.port}",
            "sessions": sessions_for(args.database_url, args.port, most),
            "surnames": SURNAMES,
        }
        plan_file = work / "plan.json"
        plan_file.write_text(json.dumps(plan))
        # warm every worker (imports, templates, the first connection) before measuring
        run_scenario(locust, plan_file, name="warm", users=10, pacing=0, seconds=10, spawn_rate=10, out_dir=work)
        stack.drain()
        for name in names:
            if name == "sat":
                key, users, pacing = f"saturation ({args.saturation_users} users, no think time)", args.saturation_users, 0.0
            elif name == "1":
                key, users, pacing = "1 user, no think time", 1, 0.0
            else:
                users, pacing = int(name), args.pacing
                key = f"{users} users, a request every {pacing:g} s"
            r = run_scenario(locust, plan_file, name=name, users=users, pacing=pacing, seconds=args.seconds,
                             spawn_rate=max(1.0, users / 10), out_dir=work)  # fmt: skip
            (r["pg_connections"],) = sql(args.database_url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")[0]
            out["scenarios"][key] = r
            print_scenario(key, r)
            r["drained_s"] = round(stack.drain(), 1)
        (out["pg_connections_server"],) = sql(args.database_url, "SELECT count(*) FROM pg_stat_activity")[0]
        # /readyz answers 503 while the stack starts (before the consumer's first heartbeat): not an error
        lines = (work / "stack.log").read_text(errors="replace").splitlines()
        out["server_5xx_in_log"] = sum(1 for line in lines if re.search(r'"status": ?5\d\d', line) and '"/readyz"' not in line)
    finally:
        stack.stop()
        redis_flush(args.redis_url)
        out["load_average_end"] = load_average()
        out["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        if not args.keep_database:
            drop_database(args.database_url)
            shutil.rmtree(var_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n· load average at start {out['load_average_start']}, at end {out['load_average_end']}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"· wrote {Path(args.json).relative_to(ROOT) if Path(args.json).is_relative_to(ROOT) else args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
