"""督导's reads: the assignments of the day, missing rounds, rectifications to do and overdue, and
the accountability figures (跟踪问效) per unit and person — every figure with its items. Scoped
through fangkong.supervision.scope."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from fangkong.core.board import user_name
from fangkong.core.clock import now
from fangkong.policy.regimen import local_midnight

from .choices import AWAITING_FIX, RectificationStatus
from .models import Assignment, ChecklistItem, Inspection, Rectification, RoundRule
from .scope import assignments_visible, inspections_visible, rectifications_visible


def assignments_on(*, user: Any, day: dt.date) -> QuerySet[Assignment]:
    return (
        assignments_visible(user)
        .filter(starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .select_related("team")
        .order_by("place_kind", "place_name")
    )


def assignment_get(*, user: Any, pk: int) -> Assignment:
    found = assignments_visible(user).select_related("team").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def checklist(place_kind: str) -> list[ChecklistItem]:
    return list(ChecklistItem.objects.filter(place_kind=place_kind, active=True))


def rounds_per_day() -> dict[str, int]:
    return dict(RoundRule.objects.values_list("place_kind", "rounds_per_day"))


def round_windows(day: dt.date, rounds: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """The day (Beijing) cut into `rounds` equal windows: round k is due within window k."""
    start = local_midnight(day)
    span = (local_midnight(day + dt.timedelta(days=1)) - start) / max(1, rounds)
    return [(start + span * k, start + span * (k + 1)) for k in range(rounds)]


@dataclass(frozen=True)
class MissingRound:
    assignment: Assignment
    number: int  # 1-based round of the day
    rounds: int
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass
class DayRounds:
    assignment: Assignment
    rounds: int
    done: list[int] = field(default_factory=list)  # inspections per window
    missing: list[MissingRound] = field(default_factory=list)


def day_rounds(*, user: Any, day: dt.date, now: dt.datetime) -> list[DayRounds]:
    """Each assignment of the day with its inspections per round window; a window that has ended with
    none is a missing round."""
    return rounds_for(list(assignments_on(user=user, day=day)), day=day, now=now)


def rounds_for(assignments: list[Assignment], *, day: dt.date, now: dt.datetime) -> list[DayRounds]:
    """The rounds of these assignments (already the user's) on `day`."""
    rules = rounds_per_day()
    start, end = local_midnight(day), local_midnight(day + dt.timedelta(days=1))
    times: dict[int, list[dt.datetime]] = defaultdict(list)
    rows = Inspection.objects.filter(assignment__in=[a.pk for a in assignments], inspected_at__gte=start, inspected_at__lt=end)
    for assignment_id, at in rows.values_list("assignment_id", "inspected_at"):
        times[assignment_id].append(at)
    out = []
    for a in assignments:
        n = rules.get(a.place_kind, 1)
        rounds = DayRounds(a, n)
        for k, (ws, we) in enumerate(round_windows(day, n), start=1):
            count = sum(1 for t in times[a.pk] if ws <= t < we)
            rounds.done.append(count)
            if count == 0 and we <= now:
                rounds.missing.append(MissingRound(a, k, n, ws, we))
        out.append(rounds)
    return out


def missing_rounds(*, user: Any, day: dt.date, now: dt.datetime) -> list[MissingRound]:
    return [m for r in day_rounds(user=user, day=day, now=now) for m in r.missing]


def rectification_list(*, user: Any, status: str = "") -> QuerySet[Rectification]:
    qs = rectifications_visible(user).select_related("owner", "inspection__assignment", "inspection__inspector")
    if status == "overdue":
        return qs.filter(status__in=AWAITING_FIX, deadline__lt=now())
    if status:
        qs = qs.filter(status=status)
    return qs


def rectification_get(*, user: Any, pk: int) -> Rectification:
    found = rectification_list(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def overdue_rectifications(user: Any, now: dt.datetime) -> QuerySet[Rectification]:
    """Not yet fixed past the deadline (a fix given in time and awaiting verification is not late)."""
    return rectifications_visible(user).filter(status__in=AWAITING_FIX, deadline__lt=now)


def open_rectifications(user: Any, now: dt.datetime) -> QuerySet[Rectification]:
    return rectifications_visible(user).exclude(status=RectificationStatus.VERIFIED)


def to_fix(*, user: Any) -> QuerySet[Rectification]:
    """The rectifications a user owns that still wait for their evidence."""
    return rectifications_visible(user).filter(owner=user, status__in=AWAITING_FIX).order_by("deadline")


def to_verify(*, user: Any) -> QuerySet[Rectification]:
    """Fixes an inspector's teams have to check."""
    return rectifications_visible(user).filter(status=RectificationStatus.SUBMITTED).exclude(owner=user).order_by("fixed_at")


def inspection_list(*, user: Any, day: dt.date | None = None) -> QuerySet[Inspection]:
    qs = inspections_visible(user).select_related("assignment", "inspector")
    if day is not None:
        qs = qs.filter(inspected_at__gte=local_midnight(day), inspected_at__lt=local_midnight(day + dt.timedelta(days=1)))
    return qs


def inspection_get(*, user: Any, pk: int) -> Inspection:
    found = inspection_list(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# ---- accountability (跟踪问效) ----

FIGURES = ("findings", "on_time", "late", "open")


@dataclass
class AccountabilityRow:
    unit: str
    owner_id: int
    person: str
    items: dict[str, list[int]] = field(default_factory=lambda: {f: [] for f in FIGURES})

    def count(self, figure: str) -> int:
        return len(self.items[figure])

    @property
    def counts(self) -> dict[str, int]:
        return {f: len(v) for f, v in self.items.items()}


def accountability(*, user: Any, start: dt.date, end: dt.date) -> list[AccountabilityRow]:
    """Per owner unit and person, the findings of inspections from `start` to `end` (Beijing dates,
    inclusive): rectifications closed on time (the verified fix was given by the deadline), closed
    late, and still open; each figure with the ids of its rectifications."""
    rows = (
        rectifications_visible(user)
        .filter(
            inspection__inspected_at__gte=local_midnight(start), inspection__inspected_at__lt=local_midnight(end + dt.timedelta(days=1))
        )
        .select_related("owner")
        .order_by("owner_unit", "owner_id", "id")
    )
    table: dict[tuple[str, int], AccountabilityRow] = {}
    for r in rows:
        key = (r.owner_unit, r.owner_id)
        row = table.get(key)
        if row is None:
            row = table[key] = AccountabilityRow(r.owner_unit, r.owner_id, user_name(r.owner))
        row.items["findings"].append(r.pk)
        on_time = r.closed_on_time
        row.items["open" if on_time is None else "on_time" if on_time else "late"].append(r.pk)
    return list(table.values())
