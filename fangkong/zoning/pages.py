"""Reads for the risk-area pages: the list of the user's areas (filters, the supervision flag), one
area with its places and their overlaps, its triggering cases and its transitions, and the people
still missing from its lifting screening (masked, for those with the need to know)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from fangkong.core.clock import now
from fangkong.geo.models import Person
from fangkong.geo.selectors import PlaceIds

from .choices import AreaStatus, PlaceLevel
from .lifting import lifting_statuses
from .models import RiskArea, RiskAreaPlace
from .selectors import AreaMatch, ZoneIndex
from .services.common import PLACE_MODELS
from .triggers import CaseRef, case_refs


def area_list(*, user: Any, status: str = "", q: str = "", flagged: bool = False) -> QuerySet[RiskArea]:
    qs = RiskArea.objects.visible_to(user).select_related("declared_by", "decided_by")
    if status:
        qs = qs.filter(status=status)
    if flagged:
        qs = qs.filter(wider_than_policy=True)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(places__name__icontains=q)).distinct()
    return qs.order_by("status", "-in_force_at", "-id")


def duration_days(area: RiskArea, *, at: dt.datetime) -> float | None:
    """How long the area has been (or was) in force, in days (the command's history of areas)."""
    if area.in_force_at is None or area.in_force_at > at:
        return None
    return round(((area.lifted_at or at) - area.in_force_at).total_seconds() / 86400, 1)


def flagged_for_supervision(*, user: Any) -> QuerySet[RiskArea]:
    """Areas declared wider than the policy's unit (possible over-enforcement), not rejected."""
    return RiskArea.objects.visible_to(user).filter(wider_than_policy=True).exclude(status=AreaStatus.REJECTED)


def lifting_board(*, user: Any, at: dt.datetime | None = None) -> tuple[list[RiskArea], list[RiskArea]]:
    """The areas in force the user covers that are due to lift, and those overdue (长时间不解封):
    for supervision and the command board (one set-based evaluation of every area)."""
    areas = list(RiskArea.objects.visible_to(user).filter(status=AreaStatus.IN_FORCE))
    statuses = lifting_statuses(areas, at=at, stored=True)
    due = [a for a in areas if (s := statuses.get(a.pk)) and s.due]
    return due, [a for a in due if statuses[a.pk].overdue]


def area_get(*, user: Any, pk: int) -> RiskArea:
    return get_object_or_404(RiskArea.objects.visible_to(user).select_related("declared_by", "decided_by"), pk=pk)


def place_ids(level: str, place: Any) -> PlaceIds:
    """A registry place's own id and its ancestors', for matching it against the areas in force."""
    ids = {f"{lv}_id": getattr(place, f"{lv}_id", None) for lv in ("district", "street", "community", "grid", "compound", "building")}
    ids[f"{level}_id"] = place.pk
    if level in (PlaceLevel.COMMUNITY, PlaceLevel.STREET, PlaceLevel.DISTRICT):
        ids["grid_id"] = None
    return PlaceIds(**{k: v for k, v in ids.items() if k in PlaceIds.__dataclass_fields__})


@dataclass(frozen=True)
class PlaceRow:
    place: RiskAreaPlace
    others: list[AreaMatch]  # other areas in force holding it, strictest first
    effective_class: str  # the class that applies there (the stricter wins)


def area_places(area: RiskArea, *, at: dt.datetime | None = None) -> list[PlaceRow]:
    at = at or now()
    index = ZoneIndex(at)
    places = list(area.places.all())
    by_level: dict[str, list[int]] = {}
    for p in places:
        by_level.setdefault(p.level, []).append(p.place_id)
    objects = {(lv, o.pk): o for lv, ids in by_level.items() for o in PLACE_MODELS[lv].objects.filter(pk__in=ids)}
    rows = []
    for p in places:
        obj = objects.get((p.level, p.place_id))
        found = index.matches(place_ids(p.level, obj)) if obj is not None else []
        others = [m for m in found if m.area_id != area.pk]
        effective = found[0].area_class if found else area.area_class
        rows.append(PlaceRow(p, others, effective))
    return rows


def area_cases(area: RiskArea, *, user: Any) -> list[CaseRef]:
    ids = list(area.trigger_cases.values_list("case_id", flat=True))
    refs = case_refs.refs(ids, user)
    return [refs.get(pk) or CaseRef(pk, f"#{pk}") for pk in ids]


def area_transitions(area: RiskArea) -> QuerySet:
    return area.transitions.select_related("citation").order_by("at", "id")


def masked_name(name: str) -> str:
    """张三 → 张*, 欧阳雪 → 欧**: the family name's first character only."""
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""


@dataclass(frozen=True)
class MissingPerson:
    name: str  # masked
    id_masked: str
    household: str
    awaited: bool  # sampled, result not yet known (else not sampled)


def missing_people(person_ids: list[int], awaited: set[int], *, user: Any, limit: int = 200) -> list[MissingPerson]:
    """The people still missing from a screening, masked, within the user's grants."""
    people = Person.objects.visible_to(user).filter(pk__in=person_ids[: limit * 2]).select_related("household")
    out = [
        MissingPerson(masked_name(p.name), p.id_masked, p.household.number if p.household else "", p.pk in awaited)
        for p in people.order_by("household_id", "id")[:limit]
    ]
    return out
