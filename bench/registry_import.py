"""Benchmark: import a synthetic registry (default 3.5 million people) through the real importer.

    .venv/bin/python bench/registry_import.py [--people N] [--database-url postgres://…] [--allow-sqlite]

1. Generates var/bench/registry-<N>.csv once (the import template's columns; valid ID numbers
   from fangkong.geo.idnumbers.make_resident_id; ~2.8 people per household, 10 households per
   unit, 2–4 units per building…).
2. Creates a separate database (fangkong_bench, dropped and re-created) and migrates it, so dev
   data is never touched.
3. Imports the file in a child process through the same path as `manage.py import_people`
   (strict mode), measuring wall time, rows/s and the child's peak RSS, and whether the importer
   took the initial-load fast path (fangkong.core.bulk.deferred_indexes) with its drop/rebuild times.
4. Dumps the sealed person rows and, in the same run and database, times two plain COPYs of
   exactly those rows into geo_person, each in one transaction including COMMIT:
   (a) "same strategy": the table emptied as the importer found it and, if the importer used the
       fast path, the same drop / COPY / rebuild of indexes and constraints (deferred_indexes);
   (b) "indexed": a plain COPY into the empty table with all its indexes and foreign keys live.
   Prints the ratio importer / each baseline.
Also records the load average at start and end, PostgreSQL's shared_buffers and
maintenance_work_mem, and writes bench/results/registry_import.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "var" / "bench"  # git-ignored: the generated CSV is ~400 MiB at full size
RESULTS = ROOT / "bench" / "results"
HEADER = ["区县", "街道/乡镇", "社区/村", "网格", "小区", "楼栋", "单元", "户号", "姓名", "证件类型", "证件号码", "性别", "出生日期", "手机号", "标签"]  # fmt: skip  # noqa: E501
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国建华文斌海燕志强宏"
TAGS = ["独居老人", "空巢老人", "残疾人", "低保", "慢性病/基础疾病", "孕产妇", "留守老人"]
PERSON_COPY_COLUMNS = [
    "id", "created_at", "updated_at", "household_id", "district_id", "street_id", "community_id", "grid_id", "name", "id_type",
    "id_cipher", "id_hash", "id_masked", "id_tail", "sex", "birth_year", "birth_year_to", "birth_cipher", "phone_cipher", "phone_hash",
    "phone_masked",
]  # fmt: skip


def generate(path: Path, people: int, seed: int = 20220401) -> None:
    """A realistic registry: districts by population share, real street names, households of 1–5."""
    from fangkong.geo.hohhot import DISTRICTS
    from fangkong.geo.idnumbers import make_resident_id

    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    base = dt.date(1935, 1, 1)
    i = 0
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for code, district, _kind, share, streets in DISTRICTS:
            quota = int(people * share) if code != DISTRICTS[-1][0] else people - i
            target = i + quota
            s = 0
            while i < target:
                street = streets[s % len(streets)] if s < len(streets) else f"{streets[s % len(streets)]}{s // len(streets) + 1}"
                s += 1
                for c in range(1, 9):  # ~8 communities per street
                    community = f"{street[:2]}第{c}社区"
                    for cp in range(1, 5):  # 4 compounds per community
                        compound = f"{community[:4]}{cp}号小区"
                        for b in range(1, rng.randint(6, 12)):
                            grid = f"第{(b - 1) // 4 + 1}网格"
                            for u in range(1, rng.randint(2, 4) + 1):
                                for floor in range(1, 6):
                                    for room in (1, 2):
                                        size = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))
                                        for _ in range(size):
                                            birth = base + dt.timedelta(days=(i * 7) % 30000)
                                            number = make_resident_id(code, birth, (i // 30000) % 1000)
                                            phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" if rng.random() < 0.7 else ""
                                            tags = rng.choice(TAGS) if rng.random() < 0.05 else ""
                                            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if i % 2 else "")
                                            w.writerow([district, street, community, grid, compound, f"{b}号楼", f"{u}单元",
                                                        f"{floor}0{room}", name, "", number, "", "", phone, tags])  # fmt: skip
                                            i += 1
                                            if i >= target:
                                                break
                                        if i >= target:
                                            break
                                    if i >= target:
                                        break
                                if i >= target:
                                    break
                            if i >= target:
                                break
                        if i >= target:
                            break
                    if i >= target:
                        break
    tmp.rename(path)


def _pg_admin(url: str):
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    return psycopg.connect(admin, autocommit=True)


def prepare_database(url: str) -> None:
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        with _pg_admin(url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    elif url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).unlink(missing_ok=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=child_env(url), check=True)


def child_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        FANGKONG_VAR_DIR=str(DATA / "var"),
        DB_CONN_MAX_AGE="0",
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    return env


def child_import(path: str) -> None:
    """In the child: run the importer exactly as `manage.py import_people --mode strict` does."""
    import django

    django.setup()
    from fangkong.core import bulk
    from fangkong.imports.services import import_job_create_local, import_job_run

    started = time.perf_counter()
    job = import_job_create_local(actor=None, path=path, mode="strict")
    job = import_job_run(job_id=job.pk, system=True)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    fast = bulk.last_deferred
    print(
        json.dumps(
            {
                "status": job.status,
                "message": job.message,
                "rows": job.rows_total,
                "people_created": job.people_created,
                "households_created": job.households_created,
                "places_created": job.places_created,
                "errors": job.error_count,
                "wall_s": wall,
                "cpu_user_s": usage.ru_utime,
                "cpu_sys_s": usage.ru_stime,
                "peak_rss_mib": usage.ru_maxrss / 1024,
                "fast_path": bool(fast and fast.rebuilt),
                "fast_path_tables": fast.tables if fast else [],
                "fast_path_drop_s": fast.drop_s if fast else None,
                "fast_path_rebuild_s": fast.rebuild_s if fast else None,
            }
        )
    )


def child_copy(dump: str, strategy: str) -> None:
    """In the child: empty geo_person, then time one plain COPY of `dump` (+ rebuild) + COMMIT."""
    import django

    django.setup()
    from django.db import connection, transaction

    from fangkong.core.bulk import deferred_indexes
    from fangkong.geo.models import Person, PersonTag

    with connection.cursor() as cur:
        cur.execute("TRUNCATE geo_person CASCADE")  # committed (autocommit), outside the timing
    cols = ", ".join(PERSON_COPY_COLUMNS)
    rebuild = None
    started = time.perf_counter()
    with transaction.atomic():
        with deferred_indexes(*((Person, PersonTag) if strategy == "deferred" else ())) as state:
            connection.ensure_connection()
            with open(dump, "rb") as fh, connection.connection.cursor() as cur, cur.copy(f"COPY geo_person ({cols}) FROM STDIN") as copy:
                while block := fh.read(1 << 20):
                    copy.write(block)
        if state is not None:
            rebuild = state.rebuild_s
    wall = time.perf_counter() - started  # includes the rebuild and COMMIT (deferred FK checks)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM geo_person")
        rows = cur.fetchone()[0]
    print(json.dumps({"wall_s": wall, "rows": rows, "rebuild_s": rebuild}))


def plain_copies(url: str, fast_path: bool) -> dict[str, object]:
    """The importer's sealed person rows, COPYed back by themselves: (a) same strategy, (b) indexed."""
    import psycopg

    cols = ", ".join(PERSON_COPY_COLUMNS)
    out: dict[str, object] = {}
    with tempfile.NamedTemporaryFile(dir=DATA, suffix=".copy") as dump:
        with (
            psycopg.connect(url) as conn,
            conn.cursor() as cur,
            cur.copy(f"COPY (SELECT {cols} FROM geo_person ORDER BY id) TO STDOUT") as copy,
        ):
            for block in copy:
                dump.write(block)
        dump.flush()
        out["copy_bytes"] = dump.tell()
        for key, strategy in (("copy_same", "deferred" if fast_path else "indexed"), ("copy_indexed", "indexed")):
            if key == "copy_indexed" and strategy == out.get("copy_same_strategy") and "copy_same_wall_s" in out:
                out.update(copy_indexed_wall_s=out["copy_same_wall_s"], copy_indexed_rows=out["copy_same_rows"])
                continue
            print(f"  plain COPY ({strategy}) …", flush=True)
            proc = subprocess.run(
                [sys.executable, __file__, "--child-copy", dump.name, "--strategy", strategy],
                cwd=ROOT, env=child_env(url), capture_output=True, text=True,
            )  # fmt: skip
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr)
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            out.update(
                {f"{key}_strategy": strategy, f"{key}_wall_s": r["wall_s"], f"{key}_rows": r["rows"], f"{key}_rebuild_s": r["rebuild_s"]}
            )
    return out


def pg_settings(url: str) -> dict[str, str]:
    import psycopg

    names = (
        "shared_buffers",
        "maintenance_work_mem",
        "max_parallel_maintenance_workers",
        "work_mem",
        "synchronous_commit",
        "server_version",
    )
    with psycopg.connect(url) as conn:
        return {n: conn.execute(f"SHOW {n}").fetchone()[0] for n in names}


def machine() -> dict[str, object]:
    info: dict[str, object] = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as fh:
            model = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
        info["cpu"] = model
        info["mem_gib"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (OSError, StopIteration, ValueError):
        pass
    return info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=3_500_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fangkong_bench"))
    parser.add_argument("--allow-sqlite", action="store_true", help="run on SQLite (numbers are not comparable)")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--child-import", help=argparse.SUPPRESS)
    parser.add_argument("--child-copy", help=argparse.SUPPRESS)
    parser.add_argument("--strategy", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        child_import(args.child_import)
        return 0
    if args.child_copy:
        child_copy(args.child_copy, args.strategy)
        return 0
    load_start = os.getloadavg()
    url = args.database_url
    if not url.startswith("postgres"):
        if not args.allow_sqlite:
            parser.error("the benchmark runs on PostgreSQL; pass --allow-sqlite to run it on SQLite anyway")
        if url.startswith("postgres") or not url.startswith("sqlite"):
            url = f"sqlite:///{DATA / 'bench.sqlite3'}"

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("FANGKONG_VAR_DIR", str(DATA / "var"))
    import django

    django.setup()
    path = DATA / f"registry-{args.people}.csv"
    if not path.exists():
        t = time.perf_counter()
        print(f"generating {path} …", flush=True)
        generate(path, args.people)
        print(f"  generated in {time.perf_counter() - t:.0f} s ({path.stat().st_size / 2**20:.0f} MiB)", flush=True)
    print(f"preparing database {url.rsplit('/', 1)[1]} …", flush=True)
    prepare_database(url)

    print(f"importing {args.people:,} people …", flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child-import", str(path)], cwd=ROOT, env=child_env(url), capture_output=True, text=True
    )
    outer_wall = time.perf_counter() - started
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, file=sys.stderr)
        return 1
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    children_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["process_wall_s"] = outer_wall
    result["children_peak_rss_mib"] = children_rss / 1024 if children_rss > before else None
    result["rows_per_s"] = result["rows"] / result["wall_s"] if result["wall_s"] else 0.0
    if url.startswith("postgres"):
        print("plain COPY of the same sealed rows …", flush=True)
        result.update(plain_copies(url, result.get("fast_path", False)))
        result["ratio_import_over_copy_same"] = result["wall_s"] / result["copy_same_wall_s"]
        result["ratio_import_over_copy_indexed"] = result["wall_s"] / result["copy_indexed_wall_s"]
        result["postgres"] = pg_settings(url)
    result["load_average_start"] = [round(x, 2) for x in load_start]
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result.update(people=args.people, database=url.split("://")[0], machine=machine(), at=dt.datetime.now(dt.UTC).isoformat())
    result["targets"] = {"wall_s": 300, "peak_rss_mib": 1536}
    result["meets_targets"] = result["wall_s"] < 300 and result["peak_rss_mib"] < 1536 if args.people >= 3_500_000 else None

    rows = [
        ("people in file", f"{args.people:,}"),
        ("status", result["status"]),
        ("people created", f"{result['people_created']:,}"),
        ("households / places created", f"{result['households_created']:,} / {result['places_created']:,}"),
        ("import wall time", f"{result['wall_s']:.1f} s"),
        ("rows / s", f"{result['rows_per_s']:,.0f}"),
        ("CPU user + sys (importer process)", f"{result['cpu_user_s']:.1f} + {result['cpu_sys_s']:.1f} s"),
        ("peak RSS (importer process)", f"{result['peak_rss_mib']:.0f} MiB"),
    ]
    if result.get("fast_path"):
        timing = f"drop {result['fast_path_drop_s']:.1f} s, rebuild {result['fast_path_rebuild_s']:.1f} s"
        rows.append(("initial-load fast path", f"yes: {', '.join(result['fast_path_tables'])}; {timing}"))
    else:
        rows.append(("initial-load fast path", "no"))
    if "copy_same_wall_s" in result:
        same = f"{result['copy_same_wall_s']:.1f} s ({result['copy_same_rows']:,} rows, {result['copy_same_strategy']}"
        if result.get("copy_same_rebuild_s") is not None:
            same += f"; rebuild {result['copy_same_rebuild_s']:.1f} s"
        rows += [
            ("(a) plain COPY, same strategy", same + ")"),
            ("(b) plain COPY, fully indexed", f"{result['copy_indexed_wall_s']:.1f} s ({result['copy_indexed_rows']:,} rows)"),
            ("importer / (a)", f"{result['ratio_import_over_copy_same']:.2f}×"),
            ("importer / (b)", f"{result['ratio_import_over_copy_indexed']:.2f}×"),
            ("PostgreSQL", ", ".join(f"{k} {v}" for k, v in result["postgres"].items())),
        ]
    rows.append(("load average start / end", f"{result['load_average_start']} / {result['load_average_end']}"))
    m = result["machine"]
    rows.append(("machine", f"{m.get('cpus')} CPU {m.get('cpu', '')}, {m.get('mem_gib', '?')} GiB"))
    width = max(len(k) for k, _ in rows)
    print()
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "registry_import.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(ROOT)}")
    if not args.keep_database and url.startswith("postgres"):
        with _pg_admin(url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
