"""Django's `dumpdata`, leaving out the tables the database derives (Module.derived: the residents of
the risk areas, zoning.AreaResident, kept by triggers; decision 0011). A logical copy carries the rows
they are derived from; loading those writes them again (`loaddata` skips them if an older dump has
them). Every option of Django's command is kept; `--exclude` adds to the derived ones."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import dumpdata

from fangkong.core.modules import registry


class Command(dumpdata.Command):
    help = dumpdata.Command.help + " Derived tables (kept by the database's triggers) are always left out."

    def handle(self, *app_labels: str, **options: Any) -> None:
        options["exclude"] = [*(options.get("exclude") or []), *registry.derived_models()]
        super().handle(*app_labels, **options)
