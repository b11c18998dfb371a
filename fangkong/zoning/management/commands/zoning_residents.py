"""The residents the database keeps for the areas in force (zoning.AreaResident, decision 0011):
`manage.py zoning_residents` compares them with the registry; `--rebuild` writes them again (after a
load that bypassed the triggers: `session_replication_role = replica`, triggers disabled)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fangkong.zoning.lifting import stored_residents_differ, stored_residents_rebuild


class Command(BaseCommand):
    help = "Check (or --rebuild) the stored residents of the risk areas in force against the registry."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rebuild", action="store_true", help="write them again from the registry")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            self.stdout.write(f"stored residents rebuilt: {stored_residents_rebuild():,} pairs")
        missing, extra = stored_residents_differ()
        self.stdout.write(f"missing: {missing:,}, extra: {extra:,}")
        if missing or extra:
            raise CommandError("the stored residents differ from the registry: run with --rebuild")
