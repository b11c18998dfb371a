"""Who receives a rule's events, set-based: one query of the grants of the users whose role receives
the rule (and holds its capability), not muted, who can sign in (not a service account), at the
rule's levels; then each event is matched in
memory against the places it lies in. A grant says where, the role's capability says what."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

from fangkong.accounts.choices import GrantLevel
from fangkong.accounts.models import Grant
from fangkong.core.modules import registry

from .models import Mute
from .rules import CITY, Event, Rule


@dataclass
class Audience:
    city: set[int] = field(default_factory=set)
    by_place: dict[tuple[str, int], set[int]] = field(default_factory=lambda: defaultdict(set))
    linked: set[int] = field(default_factory=set)  # users who may open the event's page

    def recipients(self, event: Event) -> set[int]:
        found = set(self.city)
        for level, pk in event.places.items():
            if pk is not None:
                found |= self.by_place.get((level, pk), set())
        return found


def _roles_holding(rule: Rule, capabilities: tuple[str, ...]) -> set[str]:
    return {role for role in rule.roles if all(c in registry.role_capabilities(role) for c in capabilities)}


def audience(rule: Rule) -> Audience:
    wanted = _roles_holding(rule, (rule.capability,) if rule.capability else ())
    result = Audience()
    if not wanted:
        return result
    linking = _roles_holding(rule, rule.link_needs)
    muted = Mute.objects.filter(rule=rule.key).values("user_id")
    grants = (
        Grant.objects.filter(user__is_active=True, user__role__in=sorted(wanted))
        .exclude(user_id__in=muted)
        # Service accounts (the generators' planner, labs, sites: no usable password) are never read.
        .exclude(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .values_list("user_id", "user__role", "level", "place_id", "facility_kind")
    )
    levels = set(rule.levels)
    for user_id, role, level, place_id, kind in grants:
        key = f"facility:{kind}" if level == GrantLevel.FACILITY else level
        if key not in levels:
            continue
        if role in linking:
            result.linked.add(user_id)
        if key == CITY:
            result.city.add(user_id)
        elif place_id is not None:
            result.by_place[(key, place_id)].add(user_id)
    return result


def covers(unit_key: str, place_id: int | None, places: Mapping[str, int | None]) -> bool:
    """A unit (a webhook's place or facility) holds an event lying in `places`."""
    return unit_key == CITY or (place_id is not None and places.get(unit_key) == place_id)
