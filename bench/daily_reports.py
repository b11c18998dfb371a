"""Benchmark: the city's daily report (日报) compiled from all units and rendered to PDF.

    .venv/bin/python bench/daily_reports.py [--streets 120] [--communities 1500]
        [--database-url postgres://postgres@127.0.0.1:5432/h_daily_bench] [--keep-database]

1. Creates a separate PostgreSQL database (dropped and re-created) and migrates it; adds `--streets`
   streets over the city's districts and `--communities` communities over the streets (no people:
   compiling reads reports, not the registry), one office user per street and district and the
   command (not timed).
2. Writes every community's report of one day, submitted, with figures for every board figure
   (random 0–50) and its three text sections (bulk, not timed: a community's figures are filled from
   the modules' selectors when it opens its report, measured by the board's benches).
3. Timed, through the services as the pages call them: each street office compiles and submits,
   each district office compiles and submits, the command compiles the city's report; then the city's
   report is rendered to PDF (reportlab, STSong-Light) and to .docx, and a street's report with
   the most communities to PDF.
4. Checks the city's figures equal the sum of all communities' figures.
Prints a table and writes bench/results/daily_reports.json. The machine is shared (2 cores with
other work): the numbers are upper bounds.
"""

# ruff: noqa: E501
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streets", type=int, default=120)
    parser.add_argument("--communities", type=int, default=1500)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/h_daily_bench")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--out", default=str(RESULTS / "daily_reports.json"))
    args = parser.parse_args()
    load_at_start = os.getloadavg()

    from testing_round import machine_facts, make_database
    from transfer_board import drop_database

    make_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from fangkong.accounts.models import Grant, User
    from fangkong.core.roles import Role
    from fangkong.geo.models import Community, District, Street
    from fangkong.reports.daily import services
    from fangkong.reports.daily.choices import ReportLevel, ReportStatus
    from fangkong.reports.daily.deadlines import deadline_for
    from fangkong.reports.daily.document import document_of
    from fangkong.reports.daily.figures import catalogue
    from fangkong.reports.daily.models import DailyReport
    from fangkong.reports.daily.render import docx_bytes, pdf_bytes

    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(16)
        districts = list(District.objects.order_by("code"))
        streets = Street.objects.bulk_create(
            [Street(district=districts[i % len(districts)], name=f"测试街道{i + 1}", kind="street") for i in range(args.streets)]
        )
        communities = Community.objects.bulk_create(
            [
                Community(
                    district_id=streets[i % len(streets)].district_id,
                    street=streets[i % len(streets)],
                    name=f"测试社区{i + 1}",
                    kind="community",
                )
                for i in range(args.communities)
            ]
        )

        def office(name: str, role: str, level: str, place_id: int | None) -> User:
            user = User(username=name, role=role, full_name=name)
            user.set_unusable_password()
            user.save()
            Grant.objects.create(user=user, level=level, place_id=place_id)
            return User.objects.get(pk=user.pk)

        command = office("bench-command", Role.COMMAND_CENTRE, "city", None)
        district_users = {d.pk: office(f"bench-d{d.pk}", Role.DISTRICT_OFFICE, "district", d.pk) for d in districts}
        street_users = {s.pk: office(f"bench-s{s.pk}", Role.STREET_OFFICE, "street", s.pk) for s in streets}
        day = timezone.localdate() - dt.timedelta(days=1)
        keys = [f.key for f in catalogue()]
        due = deadline_for(ReportLevel.COMMUNITY, day)
        DailyReport.objects.bulk_create(
            [
                DailyReport(
                    date=day,
                    level=ReportLevel.COMMUNITY,
                    place_key=f"community:{c.pk}",
                    place_name=c.name,
                    district_id=c.district_id,
                    street_id=c.street_id,
                    community_id=c.pk,
                    status=ReportStatus.SUBMITTED,
                    figures={k: rng.randint(0, 50) for k in keys},
                    problems="部分小区出入口值守力量不足，夜间存在空岗。",
                    needs="请求增派志愿者10名。",
                    next_steps="明日组织敲门行动，确保不漏一户、不落一人。",
                    deadline=due,
                    submitted_at=due,
                    first_submitted_at=due,
                )
                for c in communities
            ],
            batch_size=1000,
        )
        expected = {k: sum(r[k] for r in DailyReport.objects.filter(level="community").values_list("figures", flat=True)) for k in keys}

        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        for s in streets:
            user = street_users[s.pk]
            report = services.report_open(actor=user, level="street", place_id=s.pk, date=day)
            services.report_submit(actor=user, report=services.report_compile(actor=user, report=report))
        timings["streets_compile_submit_s"] = time.perf_counter() - t0
        t = time.perf_counter()
        for d in districts:
            user = district_users[d.pk]
            report = services.report_open(actor=user, level="district", place_id=d.pk, date=day)
            services.report_submit(actor=user, report=services.report_compile(actor=user, report=report))
        timings["districts_compile_submit_s"] = time.perf_counter() - t
        t = time.perf_counter()
        city = services.report_compile(actor=command, report=services.report_open(actor=command, level="city", place_id=None, date=day))
        timings["city_compile_s"] = time.perf_counter() - t
        t = time.perf_counter()
        pdf = pdf_bytes(document_of(user=command, report=city))
        timings["city_pdf_s"] = time.perf_counter() - t
        timings["city_compile_and_pdf_s"] = timings["city_compile_s"] + timings["city_pdf_s"]
        timings["whole_chain_s"] = time.perf_counter() - t0
        t = time.perf_counter()
        docx = docx_bytes(document_of(user=command, report=city))
        timings["city_docx_s"] = time.perf_counter() - t
        biggest = max(streets, key=lambda s: Community.objects.filter(street=s).count())
        street_report = DailyReport.objects.get(place_key=f"street:{biggest.pk}", date=day)
        t = time.perf_counter()
        street_pdf = pdf_bytes(document_of(user=command, report=street_report))
        timings["street_pdf_s"] = time.perf_counter() - t
        assert city.figures == expected, "the city's figures are the sum of all communities'"
        pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
        out = {
            "when": timezone.now().isoformat(),
            "database": "postgresql" if args.database_url.startswith("postgres") else "other",
            "sizes": {
                "districts": len(districts),
                "streets": len(streets),
                "communities": len(communities),
                "figures_per_report": len(keys),
                "city_pdf_bytes": len(pdf),
                "city_pdf_pages": pages,
                "city_docx_bytes": len(docx),
                "street_pdf_bytes": len(street_pdf),
                "street_units": Community.objects.filter(street=biggest).count(),
            },
            "timings": {k: round(v, 3) for k, v in timings.items()},
            "target": {"city_compile_and_pdf_s": 10},
            "machine": {**machine_facts(), "shared": True, "load_average_at_start": load_at_start, "load_average_at_end": os.getloadavg()},
        }
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_database:
            drop_database(args.database_url)
    RESULTS.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=2))
    m, s = out["machine"], out["sizes"]
    print(
        f"machine (shared with other work): {m['cpu_model']}, {m['cpus']} CPUs, {m['memory_gib']} GiB; load {load_at_start[0]:.2f} → {m['load_average_at_end'][0]:.2f}"
    )
    print(
        f"city: {s['districts']} districts, {s['streets']} streets, {s['communities']} communities; {s['figures_per_report']} figures per report"
    )
    print(f"{'step':<34}{'seconds':>10}")
    for k, v in out["timings"].items():
        print(f"{k:<34}{v:>10.3f}")
    print(
        f"city PDF {s['city_pdf_bytes']:,} bytes, {s['city_pdf_pages']} pages; docx {s['city_docx_bytes']:,} bytes; street PDF ({s['street_units']} units) {s['street_pdf_bytes']:,} bytes"
    )
    print(f"target: compile the city's report and render the PDF in < 10 s → {out['timings']['city_compile_and_pdf_s']:.3f} s")


if __name__ == "__main__":
    main()
