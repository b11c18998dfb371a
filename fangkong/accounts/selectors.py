"""Reads about accounts: a user's grants with place names, their second factor and API tokens."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.core.modules import registry
from fangkong.core.permissions import capabilities_of, user_can
from fangkong.core.roles import Role

from .models import ApiToken, Grant, GrantLevel, User
from .permissions import ACCOUNTS_MANAGE
from .reach import CITY_ROLES, PLACE_MODELS, GrantSpec, ManagerReach, facility_model, place_model


@dataclass(frozen=True)
class GrantRow:
    level: str
    level_label: str
    place: str


def grant_rows(*, user: Any) -> list[GrantRow]:
    """The user's own grants with the names of the places and facilities (one query per level)."""
    specs = sorted(GrantSpec.of(g) for g in Grant.objects.filter(user=user))
    return grant_labels(specs)


def grant_labels(specs: list[GrantSpec]) -> list[GrantRow]:
    """Grants as rows to show: the level and the place's path (新城区 › 中山东路街道) or the facility."""
    names = _grant_names(specs)
    facilities = registry.grant_facilities()
    rows = []
    for spec in specs:
        if spec.level == GrantLevel.CITY:
            level_label, place = str(GrantLevel.CITY.label), str(GrantLevel.CITY.label)
        elif spec.level == GrantLevel.FACILITY:
            facility = facilities.get(spec.facility_kind)
            level_label = str(facility.label) if facility else spec.facility_kind
            place = names.get(spec.key, f"#{spec.place_id}")
        else:
            level_label, place = str(GrantLevel(spec.level).label), names.get(spec.key, f"#{spec.place_id}")
        rows.append(GrantRow(level=spec.level, level_label=level_label, place=place))
    return rows


_ANCESTORS: dict[str, tuple[str, ...]] = {
    GrantLevel.DISTRICT: (),
    GrantLevel.STREET: ("district",),
    GrantLevel.COMMUNITY: ("district", "street"),
    GrantLevel.GRID: ("district", "street", "community"),
}


def _place_path(level: str, obj: Any) -> str:
    return " › ".join([*(getattr(obj, a).name for a in _ANCESTORS[level]), obj.name])


def _place_rows(level: str, queryset: QuerySet) -> QuerySet:
    ancestors = _ANCESTORS[level]
    return queryset.select_related(*ancestors).order_by(*(f"{a}__name" for a in ancestors), "name")


def _grant_names(specs: list[GrantSpec]) -> dict[str, str]:
    """key → label for these grants, one query per level or facility kind."""
    names: dict[str, str] = {}
    for level in PLACE_MODELS:
        ids = [s.place_id for s in specs if s.level == level]
        if ids:
            for obj in _place_rows(level, place_model(level).objects.filter(pk__in=ids)):
                names[GrantSpec(level, obj.pk).key] = _place_path(level, obj)
    for kind, facility in registry.grant_facilities().items():
        ids = [s.place_id for s in specs if s.level == GrantLevel.FACILITY and s.facility_kind == kind]
        if ids:
            for obj in facility_model(facility).objects.filter(pk__in=ids):
                names[GrantSpec(GrantLevel.FACILITY, obj.pk, kind).key] = str(obj)
    return names


def confirmed_device(*, user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


RECENTLY_ENDED = dt.timedelta(days=30)


def api_tokens_of(*, user: Any) -> QuerySet[ApiToken]:
    """The user's own tokens: live ones, and those that ended in the last 30 days, newest first."""
    since = timezone.now() - RECENTLY_ENDED
    return ApiToken.objects.filter(user=user).exclude(revoked_at__lt=since).exclude(expires_at__lt=since).order_by("-created_at", "-id")


def api_token_list(*, user: Any, username: str = "", include_ended: bool = False) -> QuerySet[ApiToken]:
    """The tokens of the accounts an account manager (ACCOUNTS_MANAGE) manages, and their own;
    nothing for anyone else."""
    if not user_can(user, ACCOUNTS_MANAGE):
        return ApiToken.objects.none()
    tokens = ApiToken.objects.filter(_managed_or_own(user)).select_related("user", "revoked_by").order_by("-created_at", "-id")
    if username:
        tokens = tokens.filter(user__username__icontains=username)
    if not include_ended:
        tokens = tokens.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    return tokens


def api_token_for_revoke(*, user: Any, pk: int) -> ApiToken | None:
    """A token the user may revoke: their own, or one of an account they manage."""
    tokens = ApiToken.objects.select_related("user")
    tokens = tokens.filter(_managed_or_own(user)) if user_can(user, ACCOUNTS_MANAGE) else tokens.filter(user=user)
    return tokens.filter(pk=pk).first()


def _managed_or_own(user: Any) -> Q:
    return Q(user=user) | Q(user__in=ManagerReach(user).accounts(User.objects.all()).values("pk"))


def capability_list(*, user: Any) -> list[tuple[str, str]]:
    """The user's capabilities as (code, name), by name: the name is what the page shows (the code
    stays in a data attribute, for support)."""
    known = registry.capabilities
    held = [(name, str(known[name].label) if name in known else name) for name in capabilities_of(user)]
    return sorted(held, key=lambda c: c[1])


def role_capability_table() -> dict[str, Any]:
    """The roles (columns) and, per module, its capabilities (rows) with the roles holding each."""
    roles = list(Role.choices)
    modules = []
    for app, module in sorted(registry.modules.items()):
        if not module.capabilities:
            continue
        rows = [
            {"name": c.name, "label": c.label, "personal": c.personal, "held": [value in c.roles for value, _label in roles]}
            for c in module.capabilities
        ]
        try:
            label = apps.get_app_config(app.rsplit(".", 1)[-1]).verbose_name
        except LookupError:
            label = app
        modules.append({"app": app, "label": label, "rows": rows})
    return {"roles": roles, "modules": modules, "city_roles": CITY_ROLES}


# ---- account management (ACCOUNTS_MANAGE, within the manager's reach: fangkong.accounts.reach) ----


def account_list(*, user: Any, search: str = "", role: str = "", state: str = "") -> QuerySet[User]:
    """The accounts `user` may manage, searchable by user name or name; nothing without ACCOUNTS_MANAGE."""
    if not user_can(user, ACCOUNTS_MANAGE):
        return User.objects.none()
    accounts = ManagerReach(user).accounts(User.objects.all())
    if search:
        accounts = accounts.filter(Q(username__icontains=search) | Q(full_name__icontains=search))
    if role:
        accounts = accounts.filter(role=role)
    if state == "active":
        accounts = accounts.filter(is_active=True)
    elif state == "inactive":
        accounts = accounts.filter(is_active=False)
    return accounts.order_by("username")


def account_get(*, user: Any, pk: int) -> User | None:
    """One account `user` may manage, or None (outside their reach reads as missing)."""
    return account_list(user=user).filter(pk=pk).first()


def account_grants(*, account: User) -> list[GrantSpec]:
    return sorted(GrantSpec.of(g) for g in Grant.objects.filter(user=account))


def account_grant_rows(accounts: list[User]) -> dict[int, list[GrantRow]]:
    """The grants of a page of accounts, labelled (one query per level)."""
    grants = list(Grant.objects.filter(user__in=accounts))
    specs = sorted({GrantSpec.of(g) for g in grants})
    labels = {s.key: row for s, row in zip(specs, grant_labels(specs), strict=True)}
    rows: dict[int, list[GrantRow]] = {a.pk: [] for a in accounts}
    for g in sorted(grants, key=GrantSpec.of):
        rows[g.user_id].append(labels[GrantSpec.of(g).key])
    return rows


def grant_choices(*, user: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """The grants `user` may give, grouped for a select: (group label, [(key, label)])."""
    if not user_can(user, ACCOUNTS_MANAGE):
        return []
    reach = ManagerReach(user)
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    if reach.city:
        groups.append((str(GrantLevel.CITY.label), [(str(GrantLevel.CITY), str(GrantLevel.CITY.label))]))
    for level in PLACE_MODELS:
        options = [(GrantSpec(level, obj.pk).key, _place_path(level, obj)) for obj in _place_rows(level, reach.places(level))]
        if options:
            groups.append((str(GrantLevel(level).label), options))
    for kind, facility in sorted(registry.grant_facilities().items()):
        options = [(GrantSpec(GrantLevel.FACILITY, obj.pk, kind).key, str(obj)) for obj in reach.facilities(facility).order_by("name")]
        if options:
            groups.append((str(facility.label), options))
    return groups


def assignable_roles(*, user: Any) -> list[tuple[str, str]]:
    """The roles an account manager may give (fangkong.accounts.reach: the city roles only from a
    city grant; where a role acts is bounded by the grants the manager may give)."""
    return ManagerReach(user).roles() if user_can(user, ACCOUNTS_MANAGE) else []
