"""Jurisdiction scoping that fails closed.

A user's grants become a `Jurisdiction`: for each level (district, street, community, grid, or a
facility kind such as "facility:isolation_site") the ids the user covers, and for each place level
the ids the user may *reach* — the ancestors of granted places, shown so a community worker can
browse from the city down to their community without seeing anything beside it.

Models opt in by using `ScopedQuerySet` and declaring:
    scope_paths = {"district": "district_id", "community": "community_id", ...}
        which field holds the id of each granted level (rows inside a grant are covered);
    scope_reach_level = "street"
        for place models only: the level this model *is*, so ancestors of grants are reachable.

`visible_to(user)` returns nothing for anonymous users and users with no grant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import models
from django.db.models import Q

from .roles import Role


@dataclass(frozen=True)
class Jurisdiction:
    city: bool = False
    covered: dict[str, frozenset[int]] = field(default_factory=dict)
    reach: dict[str, frozenset[int]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.city and not any(self.covered.values())

    def covers(self, level: str, pk: int | None) -> bool:
        return self.city or (pk is not None and pk in self.covered.get(level, ()))

    def covers_place(self, **ids: int | None) -> bool:
        """A row with these place ids (district_id=…, street_id=…, community_id=…, grid_id=…) lies
        inside a grant: in memory, for rows already read (a batch's people), as scope_q in SQL."""
        return self.city or any(pk is not None and pk in self.covered.get(key.removesuffix("_id"), ()) for key, pk in ids.items())


EMPTY = Jurisdiction()


class HasJurisdiction(Protocol):
    is_authenticated: bool

    @property
    def jurisdiction(self) -> Jurisdiction: ...


def jurisdiction_of(user: Any) -> Jurisdiction:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return EMPTY
    return getattr(user, "jurisdiction", EMPTY)


def scope_q(model: type[models.Model], jurisdiction: Jurisdiction) -> Q | None:
    """The filter for rows of `model` inside `jurisdiction`; None means everything, Q(pk__in=[]) nothing."""
    if jurisdiction.city:
        return None
    q = Q(pk__in=[])
    paths: dict[str, str] = getattr(model, "scope_paths", {})
    for level, ids in jurisdiction.covered.items():
        path = paths.get(level)
        if path and ids:
            q |= Q(**{f"{path}__in": sorted(ids)})
    reach_level = getattr(model, "scope_reach_level", None)
    if reach_level and jurisdiction.reach.get(reach_level):
        q |= Q(pk__in=sorted(jurisdiction.reach[reach_level]))
    return q


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ScopedQuerySet:
        q = scope_q(self.model, jurisdiction_of(user))
        return self if q is None else self.filter(q)

    def covered_by(self, user: Any) -> ScopedQuerySet:
        """Only rows fully inside the user's grants (no reachable ancestors): for counts and exports."""
        j = jurisdiction_of(user)
        if j.city:
            return self
        return self.filter(scope_q(self.model, Jurisdiction(covered=j.covered)))


@dataclass(frozen=True)
class CityWide:
    """The system's own reader, for an evaluation or a compilation over the whole city (the system's
    flags, the demo's daily reports): no account (it owns nothing), the city's jurisdiction, and the
    command centre's role, so a read that asks a capability as well as a grant (督导's rows, the
    figures of every module) answers it as for the command centre — never a request's user."""

    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = False
    pk: None = None
    role: str = Role.COMMAND_CENTRE.value
    jurisdiction: Jurisdiction = Jurisdiction(city=True)


CITY_WIDE = CityWide()
