"""The totals' daily roll-up the database keeps (volunteers.DayTotal, decision 0016):
`manage.py volunteer_day_totals` compares it with the shifts, trips and disinfection records;
`--rebuild` writes it again (after a load that bypassed the triggers: `session_replication_role =
replica`, triggers disabled, a restore without them)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fangkong.volunteers.day_totals import day_totals_differ, day_totals_rebuild


class Command(BaseCommand):
    help = "Check (or --rebuild) the volunteers' daily totals against the shifts, trips and disinfection records."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rebuild", action="store_true", help="write them again from the records")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            self.stdout.write(f"daily totals rebuilt: {day_totals_rebuild():,} rows")
        missing, extra = day_totals_differ()
        self.stdout.write(f"missing or different: {missing:,}, extra or different: {extra:,}")
        if missing or extra:
            raise CommandError("the daily totals differ from the records: run with --rebuild")
