"""The ledger's figures the database keeps (livelihood.LedgerCount, PairCount; decision 0015):
`manage.py ledger_figures` compares them with the ledger and the pairs; `--rebuild` writes them again
(after a load that bypassed the triggers: `session_replication_role = replica`, triggers disabled)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fangkong.livelihood.figures import figures_differ, figures_rebuild


class Command(BaseCommand):
    help = "Check (or --rebuild) the stored ledger figures (residents on the ledger, pairs per member) against the rows."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rebuild", action="store_true", help="write them again from the ledger and the pairs")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            ledger, pairs = figures_rebuild()
            self.stdout.write(f"ledger figures rebuilt: {ledger:,} place rows, {pairs:,} member rows")
        differ = figures_differ()
        for line in differ[:20]:
            self.stdout.write(line)
        self.stdout.write(f"differences: {len(differ):,}")
        if differ:
            raise CommandError("the stored ledger figures differ from the ledger: run with --rebuild")
