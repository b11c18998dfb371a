"""The day's figures of a daily report: the modules' drillable board figures (fangkong.core.board,
each a module's own selector scoped to the user), counted for a place at the end of the day (or now,
for today). Nothing is recomputed here: a figure is a count of the rows the module's selector
returns in the place, as on the board's drill-down.

`figures_by_place` counts one level's places in one grouped query per figure, for filling many
reports at once (the demo, the bench)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils import timezone

from fangkong.core.board import Figure
from fangkong.policy.regimen import local_midnight

from ..board import steps


@dataclass(frozen=True)
class FigureLabel:
    key: str  # "cases.awaiting"
    step: str  # the step's label (快转)
    label: str  # the figure's label (待转运（人）)
    late: bool


def catalogue() -> list[FigureLabel]:
    """The figures a daily report carries, in the board's order."""
    out = []
    for step, figures in steps():
        for f in figures:
            if isinstance(f, Figure):
                out.append(FigureLabel(f"{step.key}.{f.key}", str(step.label), str(f.label), f.late))
    return out


def _figures() -> list[tuple[str, Figure]]:
    return [(f"{step.key}.{f.key}", f) for step, figures in steps() for f in figures if isinstance(f, Figure)]


def as_of(date: dt.date, now: dt.datetime | None = None) -> dt.datetime:
    """The moment a day's figures are read at: the day's end, or now while the day lasts."""
    now = now or timezone.now()
    return min(now, local_midnight(date + dt.timedelta(days=1)) - dt.timedelta(microseconds=1))


def place_figures(*, user: Any, level: str, place_id: int | None, date: dt.date) -> dict[str, int]:
    """Each figure for one place (the city: everything the user sees) on `date`."""
    at = as_of(date)
    out = {}
    for key, f in _figures():
        qs = f.rows(user, at).order_by()
        if level != "city":
            path = f.places.get(level)
            if not path:
                continue
            qs = qs.filter(**{path: place_id})
        out[key] = qs.count()
    return out


def figures_by_place(*, user: Any, level: str, date: dt.date) -> dict[int, dict[str, int]]:
    """{place id: {figure key: count}} for every place of `level` holding rows (one grouped query per
    figure); places with no rows are absent (their figures are 0)."""
    at = as_of(date)
    out: dict[int, dict[str, int]] = {}
    for key, f in _figures():
        path = f.places.get(level)
        if not path:
            continue
        for place_id, n in f.rows(user, at).order_by().values_list(path).annotate(n=Count("pk")):
            if place_id is not None:
                out.setdefault(place_id, {})[key] = n
    return out


def summed(reports: list[Any]) -> dict[str, int]:
    """The units' figures added up, key by key."""
    total: dict[str, int] = {}
    for r in reports:
        for key, value in (r.figures or {}).items():
            if isinstance(value, int):
                total[key] = total.get(key, 0) + value
    return total
