"""The board's snapshot by hand: `manage.py board_snapshot` (Huey builds it each minute,
fangkong.reports.tasks) — every kept figure's rows for the whole city as at now, and the closed trend
days not kept yet (`--trends`: look at every office's jurisdiction again now)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fangkong.reports.snapshot.services import snapshot_build, trends_close


class Command(BaseCommand):
    help = "Build the 三快一严 board's snapshot now (the worker does it each minute)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--trends", action="store_true", help="keep the closed trend days of every office now")

    def handle(self, *args: Any, **options: Any) -> None:
        snap = snapshot_build()
        days = trends_close(force=options["trends"])
        self.stdout.write(f"snapshot at {snap.taken_at:%Y-%m-%d %H:%M:%S} in {snap.built_seconds} s; trend days kept: {days}")
