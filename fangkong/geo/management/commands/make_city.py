"""manage.py make_city --people N --seed S [--replace]: the deterministic synthetic Hohhot."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.core.errors import DomainError
from fangkong.geo.synthetic import city_generate


class Command(BaseCommand):
    help = "生成确定性的合成呼和浩特（演示与压测用）/ generate the deterministic synthetic Hohhot"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=50_000, help="number of people (default 50,000)")
        parser.add_argument("--seed", type=int, default=2022, help="random seed: same seed, same city (default 2022)")
        parser.add_argument("--replace", action="store_true", help="delete the registry's people and places below district first")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="date the ages refer to (default today)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            stats = city_generate(
                actor=None,
                people=options["people"],
                seed=options["seed"],
                replace=options["replace"],
                as_of=options["as_of"],
                progress=not options["no_progress"] and options["verbosity"] > 0,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if options["verbosity"] > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    f"合成城市已生成 / city generated: {stats.people:,} 人, {stats.households:,} 户, {stats.units:,} 单元, "
                    f"{stats.buildings:,} 楼栋, {stats.compounds:,} 小区, {stats.grids:,} 网格, {stats.communities:,} 社区（村）, "
                    f"{stats.streets} 街道（乡镇）, {stats.tags:,} 标签 — {stats.seconds:.1f} s"
                )
            )
