"""Where a positive was found — an isolation site, a controlled area or in-place control, or 社会面 —
decided once, from the person's state and places at the time the sample was taken. Every path that
records a positive calls it: a round's lab results (fangkong.testing), a case opened by hand, a
positive during isolation (fangkong.cases)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.timefmt import local_minutes
from fangkong.geo.person_states import StateKind, states
from fangkong.geo.selectors import people_places

from .choices import UNDER_CONTROL, AreaClass, FoundIn
from .selectors import ZoneIndex

FOUND_IN_RULE = "zoning.found_in"
# The person's own state decides first: central isolation, then isolation at home or control in place.
_CONTROLLED_BY_STATE = (StateKind.HOME_ISOLATION, StateKind.IN_PLACE_CONTROL, StateKind.HEALTH_MONITORING, StateKind.CASE)


@dataclass(frozen=True)
class FoundInDecision:
    value: str
    basis: str


def found_in_many(person_ids: Sequence[int], at: dt.datetime) -> dict[int, FoundInDecision]:
    """For each person, where they were found at `at` (the sampling time of the positive sample)."""
    ids = sorted(set(person_ids))
    by_person = states.at(ids, at)
    places = people_places(ids)
    zones: ZoneIndex | None = None
    out: dict[int, FoundInDecision] = {}
    for pid in ids:
        held = by_person.get(pid, [])
        central = next((s for s in held if s.kind == StateKind.CENTRAL_ISOLATION), None)
        if central is not None:
            out[pid] = FoundInDecision(FoundIn.ISOLATION_SITE, _("集中隔离期间检出：%(s)s") % {"s": central.label})
            continue
        state = next((s for s in held if s.kind in _CONTROLLED_BY_STATE), None)
        if state is not None:
            out[pid] = FoundInDecision(FoundIn.CONTROLLED, _("%(s)s（自 %(t)s）") % {"s": state.label, "t": local_minutes(state.since)})
            continue
        zones = zones or ZoneIndex(at, [places[p] for p in ids if p in places])
        match = zones.match(places[pid]) if pid in places else None
        if match is not None and match.area_class in UNDER_CONTROL:
            out[pid] = FoundInDecision(
                FoundIn.CONTROLLED,
                _("%(p)s 属%(c)s（%(a)s，自 %(t)s）")
                % {
                    "p": match.place_name,
                    "c": AreaClass(match.area_class).label,
                    "a": match.area_name,
                    "t": local_minutes(match.in_force_at),
                },
            )
            continue
        out[pid] = FoundInDecision(FoundIn.COMMUNITY, _("无隔离、管控记录，所在区域不属封控区、管控区：社会面"))
    return out


def found_in_for(person: Any, at: dt.datetime) -> FoundInDecision:
    pk = person if isinstance(person, int) else person.pk
    return found_in_many([pk], at)[pk]
