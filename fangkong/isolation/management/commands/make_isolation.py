"""manage.py make_isolation [--seed 2022]: synthetic 快隔 sites and episodes at every stage, on the registry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.core.errors import DomainError
from fangkong.isolation.synthetic import format_stats, isolation_generate


class Command(BaseCommand):
    help = "生成演示用的集中隔离点与各阶段隔离人员 / generate synthetic isolation sites and episodes (demo)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2022, help="random seed (default 2022)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            stats = isolation_generate(seed=options["seed"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(format_stats(stats)))
