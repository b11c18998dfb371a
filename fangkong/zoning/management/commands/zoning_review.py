"""The lifting review by hand: `manage.py zoning_review` (Huey runs it every hour,
fangkong.zoning.tasks): every area in force whose lifting rule is met is marked as proposed for lifting, in
one audited batch (zoning.lift_proposed). The pages compute the clock live; this records the date."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fangkong.zoning.services import lifting_review


class Command(BaseCommand):
    help = "Propose lifting for every risk area whose lifting rule is met (daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        fresh = lifting_review(actor="zoning_review")
        self.stdout.write(f"proposed for lifting: {len(fresh)}")
