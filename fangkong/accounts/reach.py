"""Whose accounts an account manager may manage, and which grants they may give: one rule, used by
the selectors (lists, choices) and re-checked by the services (every write).

A manager's reach is what their own grants *cover* (not the ancestors they may browse through): a
manager with a city grant reaches every place and facility; one granted a district reaches the
streets, communities and grids inside it and the facilities that lie in it (an isolation site or a
hospital in the district; a laboratory, which serves the whole city, only through a grant to it).

An account lies within the reach when it has at least one grant and every grant lies within it; a
manager may give only grants within their reach, so nobody raises an account above their own reach.

Roles follow the same rule: the roles that act for the whole city or over its managers (CITY_ROLES:
指挥部, 系统管理员, 审计员) are given only by a manager with a city grant; a manager granted part of
the city gives the other roles (the offices, workers and facility staff of their places), and an
account holding a city role lies outside their reach. Otherwise a district's administrator could
create a command-centre account in their district, read its temporary password and act with
capabilities (zoning.decide, geo.reveal_id …) their own role does not hold.

Superuser accounts are managed by superusers only, and nobody manages their own account here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.apps import apps
from django.db.models import Model, Q, QuerySet

from fangkong.core.modules import GrantFacility, registry
from fangkong.core.roles import Role, roles
from fangkong.core.scoping import Jurisdiction, jurisdiction_of, scope_q

from .choices import GrantLevel

# Each place level and its geo model.
PLACE_MODELS: dict[str, str] = {
    GrantLevel.DISTRICT: "District",
    GrantLevel.STREET: "Street",
    GrantLevel.COMMUNITY: "Community",
    GrantLevel.GRID: "Grid",
}

# Roles only a manager with a city grant gives (and manages): the command centre decides for the
# whole city, a system administrator manages accounts and the city's policy, an auditor reads what
# the administrators did. Shown on 角色与权限 (/accounts/roles/).
CITY_ROLES: frozenset[str] = roles(Role.COMMAND_CENTRE, Role.SYSTEM_ADMIN, Role.AUDITOR)


@dataclass(frozen=True, order=True)
class GrantSpec:
    """One grant as a value: ("district", 12, ""), ("facility", 3, "laboratory"), ("city", None, "")."""

    level: str
    place_id: int | None = None
    facility_kind: str = ""

    @property
    def key(self) -> str:
        if self.level == GrantLevel.CITY:
            return str(GrantLevel.CITY)
        if self.level == GrantLevel.FACILITY:
            return f"facility:{self.facility_kind}:{self.place_id}"
        return f"{self.level}:{self.place_id}"

    @classmethod
    def from_key(cls, key: str) -> GrantSpec | None:
        """The grant a form's value names, or None for anything malformed."""
        parts = (key or "").split(":")
        try:
            if parts == [GrantLevel.CITY]:
                return cls(GrantLevel.CITY)
            if len(parts) == 2 and parts[0] in PLACE_MODELS:
                return cls(parts[0], int(parts[1]))
            if len(parts) == 3 and parts[0] == GrantLevel.FACILITY and parts[1] in registry.grant_facilities():
                return cls(GrantLevel.FACILITY, int(parts[2]), parts[1])
        except ValueError:
            return None
        return None

    @classmethod
    def of(cls, grant: Any) -> GrantSpec:
        return cls(grant.level, grant.place_id, grant.facility_kind or "")

    def as_audit(self) -> dict[str, Any]:
        return {"level": self.level, "place_id": self.place_id, **({"facility_kind": self.facility_kind} if self.facility_kind else {})}


def place_model(level: str) -> type[Model]:
    return apps.get_model("geo", PLACE_MODELS[level])


def facility_model(facility: GrantFacility) -> type[Model]:
    return apps.get_model(facility.model)


def facility_q(facility: GrantFacility, covered: Jurisdiction) -> Q:
    """The facilities of this kind inside the covered places or granted themselves."""
    q = Q(pk__in=sorted(covered.covered.get(f"facility:{facility.kind}", ())))
    for field in facility.place_fields:
        ids = covered.covered.get(field)
        if ids:
            q |= Q(**{f"{field}_id__in": sorted(ids)})
    return q


class ManagerReach:
    """What one account manager reaches (their covered grants, not the ancestors they browse)."""

    def __init__(self, manager: Any) -> None:
        self.manager = manager
        own = jurisdiction_of(manager)
        self.city = own.city
        self.covered = Jurisdiction(covered=own.covered)
        self.is_superuser = bool(getattr(manager, "is_superuser", False))

    # ---- the places and facilities within reach ----

    def places(self, level: str) -> QuerySet:
        model = place_model(level)
        q = None if self.city else scope_q(model, self.covered)
        return model.objects.all() if q is None else model.objects.filter(q)

    def facilities(self, facility: GrantFacility) -> QuerySet:
        model = facility_model(facility)
        return model.objects.all() if self.city else model.objects.filter(facility_q(facility, self.covered))

    def allows(self, spec: GrantSpec) -> bool:
        """May the manager give this grant? (A place or facility that does not exist: no.)"""
        if spec.level == GrantLevel.CITY:
            return self.city
        if spec.place_id is None:
            return False
        if spec.level in PLACE_MODELS:
            return self.places(spec.level).filter(pk=spec.place_id).exists()
        facility = registry.grant_facilities().get(spec.facility_kind)
        if spec.level != GrantLevel.FACILITY or facility is None:
            return False
        return self.facilities(facility).filter(pk=spec.place_id).exists()

    # ---- the roles within reach ----

    def allows_role(self, role: str) -> bool:
        """May the manager give this role? (CITY_ROLES from a city grant only; no unknown role.)"""
        return role in Role.values and (self.city or role not in CITY_ROLES)

    def roles(self) -> list[tuple[str, str]]:
        """The roles the manager may give, as (value, label) in the registry's order."""
        return [(value, label) for value, label in Role.choices if self.allows_role(value)]

    # ---- the accounts within reach ----

    @cached_property
    def _grants_within(self) -> Q:
        """The Grant rows that lie within reach (a filter on Grant)."""
        q = Q(pk__in=[])
        for level in PLACE_MODELS:
            q |= Q(level=level, place_id__in=self.places(level).values("pk"))
        for kind, facility in registry.grant_facilities().items():
            q |= Q(level=GrantLevel.FACILITY, facility_kind=kind, place_id__in=self.facilities(facility).values("pk"))
        return q

    def accounts(self, users: QuerySet) -> QuerySet:
        """Of `users`, those the manager may manage (never the manager themselves)."""
        users = users.exclude(pk=self.manager.pk)
        if not self.is_superuser:
            users = users.filter(is_superuser=False)
        if self.city:
            return users
        users = users.exclude(role__in=sorted(CITY_ROLES))
        grant = apps.get_model("accounts", "Grant")
        outside = grant.objects.exclude(self._grants_within).values("user_id")
        return users.filter(pk__in=grant.objects.values("user_id")).exclude(pk__in=outside)
