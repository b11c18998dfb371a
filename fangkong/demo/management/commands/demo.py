"""manage.py demo: migrate, build the demo city if the registry is empty, add testing round 8 if there
is none (sampled on the morning of the last full day and left open, 采样中: re-tests and late tubes
still to come), treatment facilities and cases at every stage (快转) if there is no case,
isolation sites with people at every stage if there is no site, risk areas at every stage (严管) if
none was proposed, create
the demo accounts, then run the Huey consumer and serve http://127.0.0.1:8000, or the port given with
--port (`python3 dev.py demo` calls this, passing its arguments on)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.cases.management.commands.make_cases import format_stats as cases_format_stats
from fangkong.cases.models import Case
from fangkong.cases.synthetic import cases_generate
from fangkong.core.errors import DomainError
from fangkong.demo.management.commands.demo_accounts import DEMO_PASSWORD, demo_accounts_ensure, format_logins
from fangkong.demo.outbreak_history import history_exists, history_generate
from fangkong.flags.synthetic import flags_demo
from fangkong.flags.synthetic import format_stats as flags_format_stats
from fangkong.geo.models import Compound, Person
from fangkong.geo.synthetic import city_generate
from fangkong.geo.synthetic.coordinates import place_coordinates
from fangkong.isolation.models import IsolationSite
from fangkong.isolation.synthetic import format_stats as isolation_format_stats
from fangkong.isolation.synthetic import isolation_generate
from fangkong.livelihood.models import VoucherProgramme
from fangkong.livelihood.synthetic import PROGRAMME as LIVELIHOOD_PROGRAMME
from fangkong.livelihood.synthetic import livelihood_generate
from fangkong.movement.models import VehiclePass
from fangkong.movement.synthetic import format_stats as movement_format_stats
from fangkong.movement.synthetic import movement_generate
from fangkong.notifications.synthetic import format_stats as notifications_format_stats
from fangkong.notifications.synthetic import notifications_backfill
from fangkong.reports.daily.synthetic import daily_reports_generate
from fangkong.reports.daily.synthetic import format_stats as daily_format_stats
from fangkong.supervision.synthetic import demo_exists as supervision_exists
from fangkong.supervision.synthetic import format_stats as supervision_format_stats
from fangkong.supervision.synthetic import supervision_generate
from fangkong.testing.management.commands.make_round import format_stats
from fangkong.testing.models import TestingRound
from fangkong.testing.synthetic import round_generate
from fangkong.testing.synthetic.screening import door_screening_generate
from fangkong.volunteers.synthetic import demo_exists as volunteers_exist
from fangkong.volunteers.synthetic import format_stats as volunteers_format_stats
from fangkong.volunteers.synthetic import volunteers_generate
from fangkong.zoning.models import RiskArea
from fangkong.zoning.synthetic import DEMO_MARK, zoning_generate
from fangkong.zoning.synthetic import format_stats as zoning_format_stats


def _never() -> bool:
    return False


def _city_shown(stats: Any) -> str:
    return f"{stats.people:,} 人, {stats.households:,} 户, {stats.grids:,} 网格 — {stats.seconds:.1f} s"


@dataclass(frozen=True)
class Part:
    """One module's share of the demo, made once: kept (saying `keeping`) when `made()` finds it there."""

    made: Callable[[], bool]
    keeping: str
    making: str  # may name the options: {people}, {seed}
    make: Callable[[dict[str, Any]], Any]  # the command's options → what it made
    shown: Callable[[Any], str] = str
    optional: bool = False  # a DomainError skips the part (a small city) instead of stopping the demo


# In this order; the comments say why a part comes after another.
BEFORE_ACCOUNTS = (
    Part(
        Person.objects.exists,
        "· 登记库已有人员，跳过生成演示城市 / the registry has people: keeping them",
        "· 生成演示城市 / building the demo city: {people:,} 人, seed {seed}",
        # No people: anything left below district is an empty shell, rebuilt with the city.
        lambda o: city_generate(actor=None, people=o["people"], seed=o["seed"], replace=True, progress=o["verbosity"] > 0),
        _city_shown,
    ),
    # Before the demo accounts: the `lab` account is granted the first demo laboratory.
    Part(
        TestingRound.objects.exists,
        "· 已有核酸检测轮次，跳过生成 / a testing round exists: keeping it",
        "· 生成第8轮核酸检测（已采样，仍在进行）/ generating testing round 8 (sampled, still open)",
        lambda o: round_generate(actor=None, seed=o["seed"], number=8, progress=o["verbosity"] > 0),
        format_stats,
    ),
    # Cases before the isolation sites: a positive during isolation opens a case, and the demo cases
    # are generated only while there is none. Before the demo accounts too: the `hospital` account is
    # granted the first demo treatment facility.
    Part(
        Case.objects.exists,
        "· 已有病例，跳过生成 / cases exist: keeping them",
        "· 生成定点医院、方舱医院和各阶段病例 / generating treatment facilities and cases at every stage",
        lambda o: cases_generate(seed=o["seed"], progress=o["verbosity"] > 0),
        cases_format_stats,
    ),
    # Before the demo accounts too: the `isolation` account is granted the first demo site.
    Part(
        IsolationSite.objects.exists,
        "· 已有集中隔离点，跳过生成 / isolation sites exist: keeping them",
        "· 生成集中隔离点与各阶段隔离人员 / generating isolation sites and episodes",
        lambda o: isolation_generate(seed=o["seed"]),
        isolation_format_stats,
    ),
    # A registry built before the map: approximate positions, silently.
    Part(
        lambda: not Compound.objects.filter(lat__isnull=True).exists(),
        "",
        "",
        lambda o: place_coordinates(seed=o["seed"]),
        lambda _: "",
    ),
    # After the round (its screening lifts two of them) and the cases; the round's own areas are not
    # these. The area due to lift today is screened today, door to door, in a small round of its own.
    Part(
        lambda: RiskArea.objects.filter(name__endswith=DEMO_MARK).exists(),
        "· 已有风险区域申请，跳过生成 / risk areas exist: keeping them",
        "· 生成各阶段风险区域 / generating risk areas at every stage",
        lambda o: zoning_generate(seed=o["seed"], screen=door_screening_generate),
        zoning_format_stats,
    ),
    # After the cases (terminal disinfection is linked to them) and the isolation sites (no one
    # isolated among the field volunteers).
    Part(
        volunteers_exist,
        "· 已有志愿服务数据，跳过生成 / volunteers exist: keeping them",
        "· 生成志愿服务组织、服务点、一周班次、车辆与消杀 / generating a week of volunteer service",
        lambda o: volunteers_generate(seed=o["seed"]),
        volunteers_format_stats,
    ),
    # After the round (a negative within 48 h), the cases and isolation (people's states) and the areas.
    Part(
        VehiclePass.objects.exists,
        "· 已有车辆通行证，跳过生成 / vehicle passes exist: keeping them",
        "· 生成卡口、车辆通行证与有序离开申请 / generating checkpoints, vehicle passes and departures",
        lambda o: movement_generate(seed=o["seed"]),
        movement_format_stats,
    ),
    # After the risk areas: a sealed compound's requests are handed over at the gate.
    Part(
        lambda: VoucherProgramme.objects.filter(name=LIVELIHOOD_PROGRAMME).exists(),
        "· 已有民生保障演示数据，跳过生成 / livelihood demo data exist: keeping them",
        "· 生成特殊困难群体台账、帮扶对子、居民需求与消费券 / generating the ledger, pairs, requests, vouchers",
        lambda o: livelihood_generate(seed=o["seed"]),
    ),
    # Last of the modules: the system's flags over everything above (and one area wider than the policy's unit).
    Part(
        _never,
        "",
        "· 系统预警：按监督执纪规则检查全市 / flags: the supervision rules over the city",
        lambda o: flags_demo(),
        flags_format_stats,
    ),
    # After the modules whose figures the reports carry.
    Part(
        _never,
        "",
        "· 生成昨日日报（部分社区按时、逾期、未报）/ generating yesterday's daily reports",
        lambda o: daily_reports_generate(seed=o["seed"]),
        daily_format_stats,
    ),
)
AFTER_ACCOUNTS = (
    # After the accounts (the `supervisor` login is an inspector of the team) and the places it
    # inspects (risk areas, checkpoints, isolation sites, sampling points).
    Part(
        supervision_exists,
        "· 已有督导演示数据，跳过生成 / supervision demo data exist: keeping them",
        "· 生成督导组、一天的督导轮次（缺一轮）与各阶段整改 / generating supervision rounds and rectifications",
        lambda o: supervision_generate(),
        supervision_format_stats,
    ),
    # After the accounts (the recipients): the alerts of the demo's past days, once (never twice).
    Part(
        _never,
        "",
        "· 通知：按规则检查演示数据 / notifications: the rules over the demo's history",
        lambda o: notifications_backfill(),
        notifications_format_stats,
    ),
    # After the alerts' backfill (history is not news) and the risk areas (kept out of them). A small
    # city (the tests'): the forecast then has less history, nothing else changes.
    Part(
        history_exists,
        "· 已有近三周疫情历史，跳过生成 / the three weeks of history exist: keeping them",
        "· 生成近三周疫情曲线（容量预测与回测）/ generating three weeks of history for the capacity forecast",
        lambda o: history_generate(seed=o["seed"]),
        optional=True,
    ),
)


class Command(BaseCommand):
    help = "一键演示：迁移、生成演示城市、演示账号、后台任务与网站 / set up and serve the demo"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=50_000, help="people in the demo city (default 50,000)")
        parser.add_argument("--seed", type=int, default=2022, help="seed of the demo city (default 2022)")
        parser.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
        parser.add_argument("--no-serve", action="store_true", help="stop after setting up (no Huey consumer, no web server)")

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] > 0
        self._say("· 数据库迁移 / migrating", verbose)
        call_command("migrate", interactive=False, verbosity=0)
        for part in BEFORE_ACCOUNTS:
            self._make(part, options, verbose)
        logins = demo_accounts_ensure(actor=None)
        for part in AFTER_ACCOUNTS:
            self._make(part, options, verbose)
        url = f"http://127.0.0.1:{options['port']}/"
        if verbose:
            self.stdout.write(f"\n演示账号（仅供演示，密码均为 {DEMO_PASSWORD}）/ demo logins (demo only):\n")
            self.stdout.write(format_logins(logins) + "\n")
        if options["no_serve"]:
            self._say("· 已完成设置（--no-serve）/ set up; not serving", verbose)
            return
        self.stdout.write(self.style.SUCCESS(f"\n打开 / open {url}  (Ctrl-C 退出 / to stop)\n"))
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a plain `kill` still stops the consumer below
        huey = subprocess.Popen([sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "run_huey"])  # noqa: S603
        try:
            call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
        finally:
            huey.terminate()
            try:
                huey.wait(timeout=10)
            except subprocess.TimeoutExpired:
                huey.kill()

    def _make(self, part: Part, options: dict[str, Any], verbose: bool) -> None:
        if part.made():
            self._say(part.keeping, verbose)
            return
        self._say(part.making.format(**options), verbose)
        try:
            made = part.make(options)
        except DomainError as exc:
            if not part.optional:
                raise CommandError(exc.message) from exc
            self._say(f"  跳过 / skipped: {exc.message}", verbose)
            return
        shown = part.shown(made)
        self._say("  " + shown.replace("\n", "\n  ") if shown else "", verbose)

    def _say(self, text: str, verbose: bool) -> None:
        if verbose and text:
            self.stdout.write(text)
