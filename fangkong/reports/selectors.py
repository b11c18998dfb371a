"""Read-only figures for the overview page, scoped to the user's jurisdiction.

A handful of grouped queries whatever the size of the city: one count per place level, one for
households, one for residents, one for vulnerable residents, one grouped by tag, and the grouped
per-child counts of fangkong.geo.selectors.child_counts — read once per jurisdiction and kept in the
shared cache until the registry changes (`overview`, below: the registry's tables' generation tokens,
decision 0012's pattern).
"""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass, field, fields, replace
from typing import Any

from django.core.cache import cache
from django.db.models import Count

from fangkong.core import generations
from fangkong.core.scoping import Jurisdiction, jurisdiction_of
from fangkong.geo import selectors as geo
from fangkong.geo.choices import VulnerableTag
from fangkong.geo.models import Community, Compound, District, Grid, Household, Person, PersonTag, Street

log = logging.getLogger(__name__)

# The overview opens at the lowest level that still holds everything the user may see, but never
# below a community: the chart then compares the children of that place.
ROOT_LEVELS = ("city", "district", "street", "community")


@dataclass(frozen=True)
class PlaceRef:
    """A place as the overview shows it (its name, and its id for the links)."""

    pk: int
    name: str


def place_ref(place: Any | None) -> PlaceRef | None:
    return None if place is None else PlaceRef(place.pk, place.name)


@dataclass(frozen=True)
class ChildFigure:
    level: str
    place: PlaceRef
    residents: int
    vulnerable: int
    households: int


@dataclass(frozen=True)
class Overview:
    level: str
    place: PlaceRef | None
    child_level: str
    totals: dict[str, int]
    children: list[ChildFigure]
    by_tag: list[tuple[str, str, int]]
    no_jurisdiction: bool
    crumbs: list[tuple[str, PlaceRef]] = field(default_factory=list)


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
    return _labelled(_tag_counts(user))


def _tag_counts(user: Any) -> list[tuple[str, int]]:
    people = Person.objects.covered_by(user)
    counts = PersonTag.objects.filter(person__in=people).values_list("tag").annotate(n=Count("id")).order_by()
    return sorted(((tag, n) for tag, n in counts if n), key=lambda r: (-r[1], r[0]))


def _labelled(counts: list[tuple[str, int]]) -> list[tuple[str, str, int]]:
    """The tags' labels in the reader's language (a cached overview keeps the counts alone)."""
    labels = dict(VulnerableTag.choices)
    return [(tag, str(labels.get(tag, tag)), n) for tag, n in counts]


def residents_by_child(*, user: Any, level: str, place: Any | None, limit: int = 200) -> list[ChildFigure]:
    """Residents, vulnerable residents and households in each child place the user may see."""
    child_level = geo.LEVELS[level]["child"]
    children = list(geo.place_children(user=user, level=level, place=place)[:limit])
    counts = geo.child_counts(user=user, level=level, children=children, buildings=False)
    return [
        ChildFigure(child_level, PlaceRef(c.pk, c.name), counts[c.pk].residents, counts[c.pk].vulnerable, counts[c.pk].households)
        for c in children
    ]


# ---- the overview, kept in the shared cache per jurisdiction until the registry changes ----

# Every table the overview reads: a write to any of them (an ORM save or delete, a bulk write of
# core.bulk, the registry's clearing; raw SQL writers call generations.table_written) replaces its
# token, and an overview cached beside the old token is never read again. Watched from
# ReportsConfig.ready (`watch_registry`); the districts, streets, communities and grids strictly (the
# signed-in cache's jurisdictions are built on them too), the rest leniently: registering a person
# (a contact of a case, an arrival) goes on while Redis is down, and an overview kept from before
# may then be shown until it expires (OVERVIEW_SECONDS) — after a Redis outage only.
REGISTRY_MODELS = (District, Street, Community, Grid, Compound, Household, Person, PersonTag)
LENIENT_MODELS = (Compound, Household, Person, PersonTag)
OVERVIEW_PREFIX = "fk:overview:"
# As the signed-in cache's entries (fangkong.accounts.signed_in): checked against the tokens on every
# read; the life only bounds a double fault (a bump after a commit that could not reach the cache).
OVERVIEW_SECONDS = 10 * 60


def watch_registry() -> None:
    generations.watch(*(m for m in REGISTRY_MODELS if m not in LENIENT_MODELS))
    generations.watch(*LENIENT_MODELS, lenient=True)


@functools.cache
def _shape() -> str:
    """The cached classes' fields, in the entry's key: after a deploy that changes them, the entries
    pickled before are not read."""
    text = "|".join(",".join(f.name for f in fields(c)) for c in (Overview, ChildFigure, PlaceRef))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _token_names() -> list[str]:
    return ["schema", *(generations.table_name(m) for m in REGISTRY_MODELS)]


def jurisdiction_key(j: Jurisdiction) -> str:
    """A digest of everything scoping reads from a jurisdiction: the city, the covered ids, the reach."""
    parts = [f"city={j.city}"]
    for name, by_level in (("covered", j.covered), ("reach", j.reach)):
        parts += [f"{name}.{level}:{','.join(map(str, sorted(ids)))}" for level, ids in sorted(by_level.items()) if ids]
    return hashlib.sha256(";".join(parts).encode()).hexdigest()[:40]


def _overview_read(user: Any) -> Overview:
    """The overview from the database (by_tag holds (tag, "", n): labelled by the reader)."""
    level, place = overview_root(user=user)
    return Overview(
        level=level,
        place=place_ref(place),
        child_level=geo.LEVELS[level]["child"],
        totals=overview_totals(user=user),
        children=residents_by_child(user=user, level=level, place=place),
        by_tag=[(tag, "", n) for tag, n in _tag_counts(user)],
        no_jurisdiction=jurisdiction_of(user).is_empty,
        crumbs=[(lvl, PlaceRef(p.pk, p.name)) for lvl, p in geo.breadcrumbs(place, level)],
    )


def overview(*, user: Any) -> Overview:
    """The overview of the user's jurisdiction: from the shared cache while no table it was read from
    has been written since (the tokens are read before the database, so an entry built from a read
    that a write's commit overtook carries a token already replaced), else read and kept."""
    key = f"{OVERVIEW_PREFIX}{_shape()}:{jurisdiction_key(jurisdiction_of(user))}"
    found = generations.tokens(_token_names(), extra=[key])
    data = None
    if found is not None:
        entry = found[1].get(key)
        if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == found[0] and isinstance(entry[1], Overview):
            data = entry[1]
    if data is None:
        data = _overview_read(user)
        if found is not None:
            try:
                cache.set(key, (found[0], data), OVERVIEW_SECONDS)
            except Exception:  # noqa: BLE001 - the cache is only a shortcut
                log.warning("overview: the cache could not be written", exc_info=True)
    return replace(data, by_tag=_labelled([(tag, n) for tag, _label, n in data.by_tag]))
