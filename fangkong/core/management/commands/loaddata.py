"""Django's `loaddata`, skipping the tables the database derives (Module.derived: the residents of the
risk areas, zoning.AreaResident; decision 0011) when a fixture holds them (a dump made by Django's own
command): the database's triggers write them as the people, households, areas and places are loaded,
and a loaded copy would put back pairs that are no longer true. Every option of Django's command is
kept; `--exclude` adds to the derived ones."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import loaddata

from fangkong.core.modules import registry


class Command(loaddata.Command):
    help = loaddata.Command.help + " Derived tables (kept by the database's triggers) are always skipped."

    def handle(self, *fixture_labels: str, **options: Any) -> None:
        options["exclude"] = [*(options.get("exclude") or []), *registry.derived_models()]
        super().handle(*fixture_labels, **options)
