"""Reads of the checkpoints' shifts (卡口值守): each checkpoint's gaps over the next 24 hours — every
moment must have a police officer and a medic on shift (REQUIRED_CHECKPOINT_ROLES), the spans and
roles missing named as the 4+N rosters name theirs (fangkong.core.coverage) — and each shift with
the vehicles, people and fevers logged at its checkpoint during it (counts per checkpoint and shift)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Sum

from fangkong.core.clock import now
from fangkong.core.coverage import Gap, coverage_gaps

from .choices import REQUIRED_CHECKPOINT_ROLES, CheckpointRole
from .models import Checkpoint, CheckpointLog, CheckpointShift

COVERAGE_WINDOW = dt.timedelta(hours=24)


def checkpoint_gaps(checkpoint_ids: Iterable[int], *, at: dt.datetime | None = None) -> dict[int, list[Gap]]:
    """Each checkpoint's gaps over the next 24 hours (one query for all of them)."""
    start = at or now()
    end = start + COVERAGE_WINDOW
    ids = list(checkpoint_ids)
    rows: dict[int, list[tuple[str, dt.datetime, dt.datetime]]] = {pk: [] for pk in ids}
    found = CheckpointShift.objects.filter(checkpoint_id__in=ids, ends_at__gt=start, starts_at__lt=end, role__in=REQUIRED_CHECKPOINT_ROLES)
    for checkpoint_id, role, a, b in found.values_list("checkpoint_id", "role", "starts_at", "ends_at"):
        rows[checkpoint_id].append((role, a, b))
    labels = dict(CheckpointRole.choices)
    return {
        pk: coverage_gaps(shifts, start=start, end=end, required=REQUIRED_CHECKPOINT_ROLES, labels=labels) for pk, shifts in rows.items()
    }


@dataclass(frozen=True)
class ShiftRow:
    shift: CheckpointShift
    on_now: bool
    vehicles: int
    people: int
    fevers: int


def shift_rows(checkpoint: Checkpoint, *, at: dt.datetime | None = None, days_back: int = 1, days_ahead: int = 2) -> list[ShiftRow]:
    """The checkpoint's shifts from a day ago to two days ahead, each with what was logged during it."""
    at = at or now()
    shifts = list(
        checkpoint.shifts.filter(ends_at__gt=at - dt.timedelta(days=days_back), starts_at__lt=at + dt.timedelta(days=days_ahead)).order_by(
            "starts_at", "role", "id"
        )
    )
    rows = []
    for s in shifts:
        counts = (
            CheckpointLog.objects.filter(checkpoint=checkpoint, at__gte=s.starts_at, at__lt=s.ends_at).aggregate(
                vehicles=Count("id"), people=Sum("people"), fevers=Sum("fevers")
            )
            if s.starts_at <= at
            else {}
        )
        rows.append(
            ShiftRow(s, s.starts_at <= at < s.ends_at, counts.get("vehicles") or 0, counts.get("people") or 0, counts.get("fevers") or 0)
        )
    return rows
