"""Reads about accounts: a user's grants with place names, their second factor and API token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from fangkong.core.permissions import capabilities_of

from .models import Grant, GrantLevel

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


def api_token_get(*, user: Any) -> Token | None:
    return Token.objects.filter(user=user).first()


def capability_list(*, user: Any) -> list[str]:
    return sorted(capabilities_of(user))
