"""Reads with rules: scoped to the user, counts per place level."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import get_object_or_404

from fangkong.core.permissions import user_can
from fangkong.core.sql import fetch_in, table

from .models import Building, Community, Compound, District, Grid, Household, Person, PersonTag, Street, Unit
from .permissions import GeoCap

# Levels of the browse hierarchy: model, the field children use to point at it, and the child level.
LEVELS: dict[str, dict[str, Any]] = {
    "city": {"model": None, "child": "district"},
    "district": {"model": District, "field": "district", "child": "street"},
    "street": {"model": Street, "field": "street", "child": "community"},
    "community": {"model": Community, "field": "community", "child": "compound"},
    "compound": {"model": Compound, "field": "compound", "child": "building"},
    "building": {"model": Building, "field": "building", "child": "unit"},
    "unit": {"model": Unit, "field": "unit", "child": "household"},
    "household": {"model": Household, "field": "household", "child": None},
}
ANCESTOR_LEVELS = ("district", "street", "community", "compound", "building", "unit")
ELDERLY_AGE = 60
# Where a person row keeps each level's id (compound, building and unit through the household).
PERSON_PATH = {
    "district": "district_id",
    "street": "street_id",
    "community": "community_id",
    "compound": "household__compound_id",
    "building": "household__building_id",
    "unit": "household__unit_id",
    "household": "household_id",
}


# 重点人群 (the people with a vulnerable tag: 独居老人, 残疾, 低保 …) is a fact about a person. Counted
# per household or per unit — a unit holds a few households — it tells one resident's status by
# address, so at these levels it is read only with geo.view_people; a building and every level above
# keep it for every role with a grant (docs/security.md §2.4).
PERSONAL_LEVELS = ("unit", "household")


@dataclass(frozen=True)
class PlaceCounts:
    buildings: int
    households: int
    residents: int
    vulnerable: int | None  # None: not shown to this user at this level (vulnerable_shown)


def vulnerable_shown(*, user: Any, level: str) -> bool:
    """Whether `user` reads the 重点人群 count of a place of `level` (PERSONAL_LEVELS)."""
    return level not in PERSONAL_LEVELS or user_can(user, GeoCap.VIEW_PEOPLE)


def place_get(*, user: Any, level: str, pk: int):
    """A place the user may see (covered or an ancestor of a grant); 404 otherwise."""
    model = LEVELS[level]["model"]
    return get_object_or_404(model.objects.visible_to(user), pk=pk)


def place_children(*, user: Any, level: str, place: Any | None) -> QuerySet:
    child_level = LEVELS[level]["child"]
    model = LEVELS[child_level]["model"]
    qs = model.objects.visible_to(user)
    if child_level in ("building", "unit", "household"):
        qs = qs.select_related("grid")
    if place is not None:
        qs = qs.filter(**{f"{LEVELS[level]['field']}_id": place.pk})
    return qs


def _place_filter(level: str, place: Any | None, *, person: bool = False) -> Q:
    if place is None or level == "city":
        return Q()
    field = PERSON_PATH[level] if person else f"{LEVELS[level]['field']}_id"
    return Q(**{field: place.pk})


def place_counts(*, user: Any, level: str, place: Any | None) -> PlaceCounts:
    """Counts inside the place, limited to what the user covers."""
    people = Person.objects.covered_by(user).filter(_place_filter(level, place, person=True))
    where = _place_filter(level, place)
    buildings = (
        Building.objects.covered_by(user).filter(where).count()
        if level not in ("building", "unit", "household")
        else 1
        if level == "building"
        else 0
    )
    households = Household.objects.covered_by(user).filter(where).count() if level != "household" else 1
    shown = vulnerable_shown(user=user, level=level)
    return PlaceCounts(
        buildings=buildings,
        households=households,
        residents=people.count(),
        vulnerable=PersonTag.objects.filter(person__in=people).values("person_id").distinct().count() if shown else None,
    )


def child_counts(*, user: Any, level: str, children: list[Any], buildings: bool = True) -> dict[int, PlaceCounts]:
    """Counts for each child place in one grouped query per measure (`buildings=False`: not the
    buildings, 0 for each; 重点人群 None where vulnerable_shown says so, not read)."""
    if not children:
        return {}
    child_level = LEVELS[level]["child"]
    field = f"{LEVELS[child_level]['field']}_id"
    person_field = PERSON_PATH[child_level]
    ids = [c.pk for c in children]
    people = Person.objects.covered_by(user).filter(**{f"{person_field}__in": ids})
    residents = dict(people.values_list(person_field).annotate(n=Count("id")).order_by())
    shown = vulnerable_shown(user=user, level=child_level)
    vulnerable = (
        dict(
            PersonTag.objects.filter(person__in=people)
            .values_list(f"person__{person_field}")
            .annotate(n=Count("person_id", distinct=True))
            .order_by()
        )
        if shown
        else {}
    )
    households: dict[int, int] = {}
    by_child: dict[int, int] = {}
    if child_level != "household":
        households = dict(
            Household.objects.covered_by(user).filter(**{f"{field}__in": ids}).values_list(field).annotate(n=Count("id")).order_by()
        )
    if buildings and child_level in ("district", "street", "community", "compound"):
        by_child = dict(
            Building.objects.covered_by(user).filter(**{f"{field}__in": ids}).values_list(field).annotate(n=Count("id")).order_by()
        )
    return {
        pk: PlaceCounts(
            by_child.get(pk, 0),
            households.get(pk, 1 if child_level == "household" else 0),
            residents.get(pk, 0),
            vulnerable.get(pk, 0) if shown else None,
        )
        for pk in ids
    }


def breadcrumbs(place: Any | None, level: str) -> list[tuple[str, Any]]:
    """[(level, place)…] from the district down to `place`."""
    if place is None or level == "city":
        return []
    crumbs = []
    for ancestor in ANCESTOR_LEVELS:
        if ancestor == level:
            break
        if hasattr(place, f"{ancestor}_id"):
            crumbs.append((ancestor, getattr(place, ancestor)))
    crumbs.append((level, place))
    return crumbs


def person_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Person]:
    filters = filters or {}
    qs = (
        Person.objects.visible_to(user)
        .select_related("household", "household__compound", "household__building", "household__unit", "community")
        .prefetch_related("tags")
    )
    if filters.get("q"):
        qs = qs.search(filters["q"])
    for level in ("district", "street", "community", "grid", "household"):
        if filters.get(level):
            qs = qs.filter(**{f"{level}_id": filters[level]})
    if filters.get("tag"):
        qs = qs.filter(tags__tag=filters["tag"])
    return qs.order_by("id")


def person_get(*, user: Any, pk: int) -> Person:
    qs = Person.objects.visible_to(user).select_related(
        "household", "household__unit", "household__building", "household__compound", "community", "street", "district", "grid"
    )
    return get_object_or_404(qs, pk=pk)


def household_get(*, user: Any, pk: int) -> Household:
    qs = Household.objects.visible_to(user).select_related("unit", "building", "compound", "community", "street", "district", "grid")
    return get_object_or_404(qs, pk=pk)


def household_members(*, user: Any, household: Household) -> QuerySet[Person]:
    # Eldest first by the year kept in clear (an order by the exact date would tell who of two people
    # born in the same year was born first).
    return (
        Person.objects.visible_to(user)
        .filter(household=household)
        .prefetch_related("tags")
        .order_by(F("birth_year").asc(nulls_last=True), "pk")
    )


def grid_list(*, user: Any, community: Community | None = None) -> QuerySet[Grid]:
    qs = Grid.objects.visible_to(user).prefetch_related("workers")
    if community is not None:
        qs = qs.filter(community=community)
    return qs


# ---- a person's places, for the rules that match places (risk areas, found-in) ----


@dataclass(frozen=True)
class PlaceIds:
    """Every level of a person's (or a household's) address, by id."""

    district_id: int | None = None
    street_id: int | None = None
    community_id: int | None = None
    grid_id: int | None = None
    compound_id: int | None = None
    building_id: int | None = None
    unit_id: int | None = None
    household_id: int | None = None


def people_places(person_ids: Sequence[int]) -> dict[int, PlaceIds]:
    """Each person's places, down to the unit (their household's), read set-based."""
    person, household = table(Person), table(Household)
    found = fetch_in(f"SELECT id, district_id, street_id, community_id, grid_id, household_id FROM {person} WHERE id {{IN}}", person_ids)
    homes = {
        r[0]: r[1:]
        for r in fetch_in(
            f"SELECT id, compound_id, building_id, unit_id FROM {household} WHERE id {{IN}}", sorted({r[5] for r in found if r[5]})
        )
    }
    out: dict[int, PlaceIds] = {}
    for pid, district, street, community, grid, hh in found:
        compound, building, unit = homes.get(hh, (None, None, None))
        out[pid] = PlaceIds(district, street, community, grid, compound, building, unit, hh)
    return out
