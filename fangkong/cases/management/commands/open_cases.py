"""manage.py open_cases: turn every confirmed positive awaiting case handling into a case now
(the Huey task does the same every minute)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from fangkong.cases.services import cases_open_from_queue


class Command(BaseCommand):
    help = "阳性转病例：把待处置的筛查阳性全部登记为病例并上转运看板 / open cases from the confirmed-positive queue"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="at most this many positives in this run")

    def handle(self, *args, **options) -> None:
        report = cases_open_from_queue(actor=None, limit=options["limit"])
        self.stdout.write(
            f"新登记病例 {report.opened} 例，已在管病例记为检测 {report.attached} 例（其中复阳再收治 {report.reopened} 例）"
            f" / opened {report.opened}, attached {report.attached}, reopened {report.reopened}"
        )
