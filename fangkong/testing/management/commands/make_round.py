"""manage.py make_round [--number 8] [--seed 2022]: a completed synthetic testing round on the registry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.core.errors import DomainError
from fangkong.testing.synthetic import RoundStats, round_generate


def format_stats(stats: RoundStats) -> str:
    """The summary the command (and `manage.py demo`) prints."""
    return "\n".join(
        [
            f"第{stats.number}轮 / round {stats.number}: {stats.tubes:,} 管 tubes, {stats.samples:,} 人份 samples "
            f"（{stats.resulted:,} 已出结果 resulted, {stats.overdue_tubes} 管超时 overdue）, "
            f"{stats.laboratories} 检测机构 labs, {stats.sampling_points} 采样点 points",
            f"阳性 positives: {stats.positives}（隔离管控区域 {stats.positives_in_control}、社会面 {stats.positives_in_community}）; "
            f"混管阳性 positive pools: {stats.pool_positive_tubes}; 上门单采 re-sampled: {stats.resampled}, "
            f"待上门 open tasks: {stats.resampling_open}; 就地管控 in control: {stats.controls_active}, "
            f"已解除 lifted: {stats.controls_lifted}; 入户核查 households checked: {stats.households_checked}",
            f"{stats.press_zh}",
            f"— {stats.seconds:.1f} s",
        ]
    )


class Command(BaseCommand):
    help = "生成一轮已完成的合成核酸检测（演示用）/ generate a completed synthetic testing round"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--number", type=int, default=8, help="round number (default 8); refused if it exists")
        parser.add_argument("--seed", type=int, default=2022, help="random seed: same seed and registry, same round (default 2022)")
        parser.add_argument("--coverage", type=float, default=0.97, help="share of residents sampled (default 0.97)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            stats = round_generate(
                actor=None,
                seed=options["seed"],
                number=options["number"],
                coverage=options["coverage"],
                progress=not options["no_progress"] and options["verbosity"] > 0,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(format_stats(stats)))
