"""Reads of the system's flags, each limited to the user's places (a street sees its own flags and
never another district's): the list with its filters, one flag, the open flags for the board, and
accountability (跟踪问效) — per unit over a period, the flags raised and cleared there, with items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from .choices import FlagKind, FlagState
from .models import Flag
from .rules import RULES_BY_CODE


def flag_list(
    *,
    user: Any,
    rule: str = "",
    kind: str = "",
    state: str = "",
    district: int | None = None,
    street: int | None = None,
    community: int | None = None,
) -> QuerySet[Flag]:
    """The user's flags, newest first, filtered by rule, kind, state (open / cleared) and place."""
    qs = Flag.objects.visible_to(user).select_related("rule_citation")
    if rule in RULES_BY_CODE:
        qs = qs.filter(rule=rule)
    if kind in FlagKind.values:
        qs = qs.filter(kind=kind)
    if state == FlagState.OPEN:
        qs = qs.open()
    elif state == FlagState.CLEARED:
        qs = qs.cleared()
    for field_name, pk in (("district_id", district), ("street_id", street), ("community_id", community)):
        if pk:
            qs = qs.filter(**{field_name: pk})
    return qs.order_by("cleared_at", "-raised_at", "-id")


def flag_get(*, user: Any, pk: int) -> Flag:
    """One flag in the user's places (404 otherwise, as if it did not exist)."""
    return get_object_or_404(Flag.objects.visible_to(user), pk=pk)


def open_flags(user: Any, now: dt.datetime, *, kind: str = "") -> QuerySet[Flag]:
    """Flags open at `now` in the user's places (raised by then, not cleared by then)."""
    qs = Flag.objects.visible_to(user).filter(raised_at__lte=now).filter(Q(cleared_at__isnull=True) | Q(cleared_at__gt=now))
    return qs.filter(kind=kind) if kind else qs


@dataclass
class UnitFlags:
    """One unit's flags over a period: raised in it, cleared in it, still open at its end, and the
    items (each flag with its evidence)."""

    district_id: int | None
    street_id: int | None
    community_id: int | None
    place_name: str
    raised: int = 0
    cleared: int = 0
    open_at_end: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)


def flag_states(flag: Flag, since: dt.datetime, until: dt.datetime) -> tuple[str, ...]:
    """Which of "raised", "cleared" (in [since, until)) and "open" (at its end) a flag counts for."""
    states = []
    if flag.raised_at >= since:
        states.append("raised")
    if flag.cleared_at is not None and since <= flag.cleared_at < until:
        states.append("cleared")
    if flag.cleared_at is None or flag.cleared_at >= until:
        states.append("open")
    return tuple(states)


def flags_by_unit(*, user: Any, since: dt.datetime, until: dt.datetime, kind: str = "") -> list[UnitFlags]:
    """跟踪问效: per unit (the flag's lowest place), the flags raised or cleared in [since, until) and
    those open at its end, by rule, each flag with its items — the basis for commendation and
    accountability; a unit with none does not appear. Most flags first."""
    qs = Flag.objects.visible_to(user).filter(raised_at__lt=until).filter(Q(cleared_at__isnull=True) | Q(cleared_at__gte=since))
    if kind:
        qs = qs.filter(kind=kind)
    units: dict[tuple, UnitFlags] = {}
    for flag in qs.order_by("raised_at", "id"):
        key = (flag.district_id, flag.street_id, flag.community_id)
        unit = units.setdefault(key, UnitFlags(*key, flag.place_name))
        states = flag_states(flag, since, until)
        unit.raised += "raised" in states
        unit.cleared += "cleared" in states
        unit.open_at_end += "open" in states
        unit.by_rule[flag.rule] = unit.by_rule.get(flag.rule, 0) + 1
        unit.flags.append(flag)
    return sorted(units.values(), key=lambda u: (-(u.raised + u.open_at_end), u.place_name))
