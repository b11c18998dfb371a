"""Shift coverage (值守空档): given shifts (role, start, end), the spans of a window in which a required
role has nobody on duty — a gap, named with its role and its Beijing time span, a night gap when it
touches 22:00–06:00 ("夜班 … 无政法干警"). Shared by the 4+N rosters of sealed compounds
(fangkong.zoning.duty) and the checkpoints' shifts (fangkong.movement.shifts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

NIGHT_FROM, NIGHT_TO = 22, 6  # 夜班: a gap touching 22:00–06:00 Beijing is named a night gap


def span_label(start: dt.datetime, end: dt.datetime) -> str:
    """A span in Beijing time: "11-22 22:00–次日08:00" (the end's day named when it is a later day)."""
    a, b = timezone.localtime(start), timezone.localtime(end)
    days = (b.date() - a.date()).days
    if days == 0:
        tail = f"{b:%H:%M}"
    elif days == 1:
        tail = _("次日%(t)s") % {"t": f"{b:%H:%M}"}
    else:
        tail = f"{b:%m-%d %H:%M}"
    return f"{a:%m-%d %H:%M}–{tail}"


def touches_night(start: dt.datetime, end: dt.datetime) -> bool:
    a, b = timezone.localtime(start), timezone.localtime(end)
    day = a.date() - dt.timedelta(days=1)
    while day <= b.date():
        night_start = timezone.make_aware(dt.datetime.combine(day, dt.time(NIGHT_FROM)), a.tzinfo)
        night_end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(NIGHT_TO)), a.tzinfo)
        if start < night_end and end > night_start:
            return True
        day += dt.timedelta(days=1)
    return False


@dataclass(frozen=True)
class Gap:
    """A span with nobody of a required role on duty. `role_label` is the role's label (a lazy
    string, translated when shown)."""

    role: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    role_label: Any = ""

    @property
    def night(self) -> bool:
        return touches_night(self.starts_at, self.ends_at)

    @property
    def label(self) -> str:
        text = _("%(span)s 无%(role)s") % {"span": span_label(self.starts_at, self.ends_at), "role": self.role_label or self.role}
        return (_("夜班") + " " + text) if self.night else text


def coverage_gaps(
    shifts: Iterable[tuple[str, dt.datetime, dt.datetime]],
    *,
    start: dt.datetime,
    end: dt.datetime,
    required: Sequence[str],
    labels: Mapping[str, Any] | None = None,
) -> list[Gap]:
    """The spans of [start, end) where a role of `required` has no shift, from (role, starts_at,
    ends_at) rows; in the order of `required`, then by time."""
    by_role: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for role, a, b in shifts:
        if b > start and a < end:
            by_role.setdefault(role, []).append((max(a, start), min(b, end)))
    labels = labels or {}
    gaps: list[Gap] = []
    for role in required:
        cursor = start
        for a, b in sorted(by_role.get(role, ())):
            if a > cursor:
                gaps.append(Gap(role, cursor, a, labels.get(role, "")))
            cursor = max(cursor, b)
        if cursor < end:
            gaps.append(Gap(role, cursor, end, labels.get(role, "")))
    return gaps
