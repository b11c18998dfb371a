"""Was this place under control at time T? The areas in force at T, matched against a person's or a
household's places (unit, building, compound, grid, community, street, district); the strictest
class wins where areas overlap."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.db.models import Q, QuerySet

from fangkong.geo.models import Household
from fangkong.geo.selectors import PlaceIds

from .choices import STRICTNESS, AreaStatus
from .models import RiskArea, RiskAreaPlace

# Most specific first: the name shown is that of the place that matched.
_LEVELS = ("unit", "building", "compound", "grid", "community", "street", "district")


@dataclass(frozen=True)
class AreaMatch:
    area_id: int
    area_name: str
    area_class: str
    level: str
    place_name: str
    in_force_at: dt.datetime | None


def in_force_at(moment: dt.datetime, *, via: str = "") -> Q:
    """Areas in force at `moment` (an area lifted since counts for the time before its lifting);
    `via` ("area__") to filter rows that point at an area through that relation."""
    return Q(**{f"{via}status__in": (AreaStatus.IN_FORCE, AreaStatus.LIFTED), f"{via}in_force_at__lte": moment}) & (
        Q(**{f"{via}lifted_at__isnull": True}) | Q(**{f"{via}lifted_at__gt": moment})
    )


def areas_in_force(*, user: Any = None, at: dt.datetime) -> QuerySet[RiskArea]:
    qs = RiskArea.objects.filter(in_force_at(at))
    return qs.visible_to(user) if user is not None else qs


class ZoneIndex:
    """The places of the areas in force at `at`, for matching many people in memory (a few thousand
    rows even at the height of an outbreak: 20,000 buildings). Given `places` (a few people's, up
    to NARROW_PLACES), only the rows of those places are read: an index look-up on (level,
    place_id) instead of every place in force — what a single found-in at confirmation time needs."""

    NARROW_PLACES = 100

    def __init__(self, at: dt.datetime, places: Sequence[PlaceIds] | None = None) -> None:
        self.at = at
        self.by_place: dict[tuple[str, int], list[AreaMatch]] = {}
        # A join, not "area IN (areas in force)": for a few places the planner starts from the
        # (level, place_id) index instead of hashing every area in force (20,000).
        qs = RiskAreaPlace.objects.filter(in_force_at(at, via="area__"))
        if places is not None and len(places) <= self.NARROW_PLACES:
            wanted: dict[str, set[int]] = {}
            for p in places:
                for level in _LEVELS:
                    pk = getattr(p, f"{level}_id")
                    if pk is not None:
                        wanted.setdefault(level, set()).add(pk)
            if not wanted:
                return
            qs = qs.filter(reduce(operator.or_, (Q(level=level, place_id__in=sorted(ids)) for level, ids in wanted.items())))
        rows = qs.values_list("level", "place_id", "name", "area_id", "area__name", "area__area_class", "area__in_force_at")
        for level, place_id, name, area_id, area_name, area_class, since in rows:
            self.by_place.setdefault((level, place_id), []).append(AreaMatch(area_id, area_name, area_class, level, name, since))

    def matches(self, places: PlaceIds) -> list[AreaMatch]:
        """Every area in force holding these places, the strictest first (where areas overlap, the
        stricter class wins)."""
        found: list[AreaMatch] = []
        for level in _LEVELS:
            pk = getattr(places, f"{level}_id")
            if pk is not None:
                found.extend(self.by_place.get((level, pk), ()))
        return sorted(found, key=lambda m: (STRICTNESS.get(m.area_class, 9), _LEVELS.index(m.level), m.area_id))

    def match(self, places: PlaceIds) -> AreaMatch | None:
        found = self.matches(places)
        return found[0] if found else None


def area_at(places: PlaceIds, at: dt.datetime) -> AreaMatch | None:
    """The strictest area in force at `at` that holds these places (None: not in any)."""
    return ZoneIndex(at, [places]).match(places)


def zoned_classes(*, at: dt.datetime) -> dict[tuple[str, int], str]:
    """(level, place id) → the strictest class of the areas in force at `at` declared over that very
    place: what a testing round planned over the place takes as its class."""
    out: dict[tuple[str, int], str] = {}
    rows = RiskAreaPlace.objects.filter(area__in=RiskArea.objects.filter(in_force_at(at))).values_list(
        "level", "place_id", "area__area_class"
    )
    for level, place_id, area_class in rows:
        key = (level, place_id)
        if key not in out or STRICTNESS.get(area_class, 9) < STRICTNESS.get(out[key], 9):
            out[key] = area_class
    return out


@dataclass(frozen=True)
class HouseholdInArea:
    household_id: int
    area_id: int
    area_class: str


def households_under(*, area_class: str, at: dt.datetime, within: Q | None = None) -> dict[int, HouseholdInArea]:
    """household id → the area of `area_class` in force at `at` that holds it (足不出户: the households
    of the high-risk areas in force), the oldest area where two hold it. One query per place level;
    `within` narrows the households (a round's scope, as a filter on Household)."""
    by_level: dict[str, dict[int, int]] = {}
    rows = RiskAreaPlace.objects.filter(area__in=RiskArea.objects.filter(in_force_at(at), area_class=area_class)).values_list(
        "level", "place_id", "area_id"
    )
    for level, place_id, area_id in rows:
        found = by_level.setdefault(level, {})
        found[place_id] = min(found.get(place_id, area_id), area_id)
    out: dict[int, HouseholdInArea] = {}
    for level in _LEVELS:
        places = by_level.get(level)
        if not places:
            continue
        qs = Household.objects.filter(**{f"{level}_id__in": sorted(places)})
        if within is not None:
            qs = qs.filter(within)
        for household_id, place_id in qs.values_list("pk", f"{level}_id").iterator(chunk_size=5000):
            area_id = places[place_id]
            if household_id not in out or area_id < out[household_id].area_id:
                out[household_id] = HouseholdInArea(household_id, area_id, area_class)
    return out


def areas_changed_since(moment: dt.datetime) -> bool:
    """Any risk area written since `moment` (declared, decided, proposed for lifting, lifted): what an
    incremental reader of the lifting clocks checks before recomputing them."""
    return RiskArea.objects.filter(updated_at__gt=moment).exists()
