"""Reads about accounts: a user's grants with place names, their second factor and API tokens."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.core.modules import registry
from fangkong.core.permissions import capabilities_of, user_can
from fangkong.core.roles import Role

from .models import ApiToken, Grant, GrantLevel
from .permissions import ACCOUNTS_MANAGE

_PLACE_MODELS = {
    GrantLevel.DISTRICT: "District",
    GrantLevel.STREET: "Street",
    GrantLevel.COMMUNITY: "Community",
    GrantLevel.GRID: "Grid",
}


@dataclass(frozen=True)
class GrantRow:
    level: str
    level_label: str
    place: str


def grant_rows(*, user: Any) -> list[GrantRow]:
    """The user's own grants with the names of the places (one query per level)."""
    grants = list(Grant.objects.filter(user=user).order_by("level", "place_id"))
    names: dict[str, dict[int, str]] = {}
    for level, model_name in _PLACE_MODELS.items():
        ids = [g.place_id for g in grants if g.level == level and g.place_id is not None]
        if ids:
            model = apps.get_model("geo", model_name)
            names[level] = {pk: str(obj) for pk, obj in model.objects.in_bulk(ids).items()}
    rows = []
    for g in grants:
        if g.level == GrantLevel.CITY:
            place = str(GrantLevel.CITY.label)
        elif g.level == GrantLevel.FACILITY:
            place = f"{g.facility_kind} #{g.place_id}"
        else:
            place = names.get(g.level, {}).get(g.place_id, f"#{g.place_id}")
        rows.append(GrantRow(level=g.level, level_label=str(GrantLevel(g.level).label), place=place))
    return rows


def confirmed_device(*, user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


RECENTLY_ENDED = dt.timedelta(days=30)


def api_tokens_of(*, user: Any) -> QuerySet[ApiToken]:
    """The user's own tokens: live ones, and those that ended in the last 30 days, newest first."""
    since = timezone.now() - RECENTLY_ENDED
    return ApiToken.objects.filter(user=user).exclude(revoked_at__lt=since).exclude(expires_at__lt=since).order_by("-created_at", "-id")


def api_token_list(*, user: Any, username: str = "", include_ended: bool = False) -> QuerySet[ApiToken]:
    """Every user's tokens, for an account manager (ACCOUNTS_MANAGE); nothing for anyone else."""
    if not user_can(user, ACCOUNTS_MANAGE):
        return ApiToken.objects.none()
    tokens = ApiToken.objects.select_related("user", "revoked_by").order_by("-created_at", "-id")
    if username:
        tokens = tokens.filter(user__username__icontains=username)
    if not include_ended:
        tokens = tokens.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    return tokens


def api_token_for_revoke(*, user: Any, pk: int) -> ApiToken | None:
    """A token the user may revoke: their own, or anyone's for an account manager."""
    tokens = ApiToken.objects.select_related("user")
    if not user_can(user, ACCOUNTS_MANAGE):
        tokens = tokens.filter(user=user)
    return tokens.filter(pk=pk).first()


def capability_list(*, user: Any) -> list[str]:
    return sorted(capabilities_of(user))


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
    return {"roles": roles, "modules": modules}
