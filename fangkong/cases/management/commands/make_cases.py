"""manage.py make_cases [--seed 2022]: treatment facilities and cases at every stage of 快转 (demo)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.cases.choices import CaseStatus
from fangkong.cases.synthetic import CasesStats, cases_generate
from fangkong.core.errors import DomainError


def format_stats(stats: CasesStats) -> str:
    """The summary the command (and `manage.py demo`) prints."""
    status = {s: stats.by_status.get(s, 0) for s in CaseStatus.values}
    return "\n".join(
        [
            f"定点医院/方舱医院 facilities: {stats.facilities}（床位 beds {stats.beds:,}）; 病例 cases: {stats.cases} "
            f"（筛查阳性 from the queue {stats.from_queue}、手工登记 by hand {stats.by_hand}）",
            f"待转运 open {status[CaseStatus.OPEN]}、住院 admitted {status[CaseStatus.ADMITTED]}、"
            f"居家健康监测 discharged {status[CaseStatus.DISCHARGED]}、结案 closed {status[CaseStatus.CLOSED]}、"
            f"撤销 withdrawn {status[CaseStatus.WITHDRAWN]}",
            f"转运看板 board: 待派车 awaiting {stats.awaiting}（超时 overdue {stats.overdue}）、已派车 dispatched {stats.dispatched}、"
            f"已接到 picked up {stats.picked_up}; 拒收 refusals {stats.refused}; 健康监测 monitoring: 进行中 active "
            f"{stats.monitoring_active}、已解除 completed {stats.monitoring_completed}、复阳 reopened {stats.reopened}",
            stats.day_zh,
            f"— {stats.seconds:.1f} s",
        ]
    )


class Command(BaseCommand):
    help = "生成演示用的定点医院、方舱医院和各阶段病例 / generate demo treatment facilities and cases at every stage"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2022, help="random seed: same seed, registry and time, same cases (default 2022)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            stats = cases_generate(seed=options["seed"], progress=not options["no_progress"] and options["verbosity"] > 0)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(format_stats(stats)))
