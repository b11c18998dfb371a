"""Read-only figures for the overview page, scoped to the user's jurisdiction.

A handful of grouped queries whatever the size of the city: one count per place level, one for
households, one for residents, one for vulnerable residents, one grouped by tag, and the grouped
per-child counts of fangkong.geo.selectors.child_counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from fangkong.core.scoping import jurisdiction_of
from fangkong.geo import selectors as geo
from fangkong.geo.choices import VulnerableTag
from fangkong.geo.models import Community, District, Grid, Household, Person, PersonTag, Street

# The overview opens at the lowest level that still holds everything the user may see, but never
# below a community: the chart then compares the children of that place.
ROOT_LEVELS = ("city", "district", "street", "community")


@dataclass(frozen=True)
class ChildFigure:
    level: str
    place: Any
    residents: int
    vulnerable: int
    households: int


@dataclass(frozen=True)
class Overview:
    level: str
    place: Any | None
    child_level: str
    totals: dict[str, int]
    children: list[ChildFigure]
    by_tag: list[tuple[str, str, int]]
    no_jurisdiction: bool
    crumbs: list[tuple[str, Any]] = field(default_factory=list)


def overview_root(*, user: Any) -> tuple[str, Any | None]:
    """Descend from the city while the user only passes through one place on the way to their grants:
    the overview opens on the place the user covers (a district office on its district), or on the
    community of a grid worker."""
    jurisdiction = jurisdiction_of(user)
    level, place = "city", None
    while level != ROOT_LEVELS[-1] and not (place is not None and jurisdiction.covers(level, place.pk)):
        children = list(geo.place_children(user=user, level=level, place=place)[:2])
        if len(children) != 1:
            break
        level, place = geo.LEVELS[level]["child"], children[0]
    return level, place


def covered_grid_names(*, user: Any, limit: int = 5) -> list[str]:
    """The grids a user is granted by name (a grid worker's scope, below the overview's community)."""
    grid_ids = jurisdiction_of(user).covered.get("grid", frozenset())
    return list(Grid.objects.filter(pk__in=sorted(grid_ids)).order_by("name").values_list("name", flat=True)[:limit])


def overview_totals(*, user: Any) -> dict[str, int]:
    people = Person.objects.covered_by(user)
    return {
        "districts": District.objects.visible_to(user).count(),
        "streets": Street.objects.visible_to(user).count(),
        "communities": Community.objects.visible_to(user).count(),
        "grids": Grid.objects.visible_to(user).count(),
        "households": Household.objects.covered_by(user).count(),
        "residents": people.count(),
        "vulnerable": PersonTag.objects.filter(person__in=people).values("person_id").distinct().count(),
    }


def vulnerable_by_tag(*, user: Any) -> list[tuple[str, str, int]]:
    """(tag, label, residents with the tag), largest first."""
    people = Person.objects.covered_by(user)
    counts = dict(PersonTag.objects.filter(person__in=people).values_list("tag").annotate(n=Count("id")).order_by())
    labels = dict(VulnerableTag.choices)
    rows = [(tag, str(labels.get(tag, tag)), n) for tag, n in counts.items() if n]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def residents_by_child(*, user: Any, level: str, place: Any | None, limit: int = 200) -> list[ChildFigure]:
    """Residents, vulnerable residents and households in each child place the user may see."""
    child_level = geo.LEVELS[level]["child"]
    children = list(geo.place_children(user=user, level=level, place=place)[:limit])
    counts = geo.child_counts(user=user, level=level, children=children)
    return [ChildFigure(child_level, c, counts[c.pk].residents, counts[c.pk].vulnerable, counts[c.pk].households) for c in children]


def overview(*, user: Any) -> Overview:
    level, place = overview_root(user=user)
    return Overview(
        level=level,
        place=place,
        child_level=geo.LEVELS[level]["child"],
        totals=overview_totals(user=user),
        children=residents_by_child(user=user, level=level, place=place),
        by_tag=vulnerable_by_tag(user=user),
        no_jurisdiction=jurisdiction_of(user).is_empty,
        crumbs=geo.breadcrumbs(place, level),
    )
