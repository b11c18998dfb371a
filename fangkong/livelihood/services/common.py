"""What the writes of 民生保障 share: the jurisdiction check on a place, a sealed phone number."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.crypto import encrypt, lookup_hash, mask_phone
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.scoping import jurisdiction_of
from fangkong.geo.idnumbers import phone_field

SCOPE = "livelihood.scope"


def covered(actor: Any, *, field: str, what: str, **ids: int | None) -> None:
    """Refuse unless the place (district_id=…, street_id=…, community_id=…) lies inside the actor's
    grants; the message names the field and what it is about, never whose it is."""
    if not jurisdiction_of(actor).covers_place(**ids):
        raise PermissionRefused(_("%(what)s不在您的管辖范围内") % {"what": what}, rule=SCOPE, field=field)


def place_of(row: Any) -> dict[str, int | None]:
    """The place ids of a row carrying district_id, street_id, community_id (and grid_id) — a person of
    the registry — as a 民生 row (Placed) copies them."""
    return {
        "district_id": row.district_id,
        "street_id": row.street_id,
        "community_id": row.community_id,
        "grid_id": getattr(row, "grid_id", None),
    }


def covered_row(actor: Any, row: Any, *, field: str, what: str) -> None:
    """`covered` for a row carrying district_id, street_id, community_id (and grid_id)."""
    covered(actor, field=field, what=what, **place_of(row))


def covered_community(actor: Any, community: Any) -> None:
    """`covered` for a whole community the actor acts on (a voucher run, the ledger from the registry)."""
    covered(
        actor,
        field="community",
        what=community.name,
        community_id=community.pk,
        street_id=community.street_id,
        district_id=community.district_id,
    )


def sealed_phone(raw: str, *, field: str, required: bool = False) -> tuple[str, str, str]:
    """(cipher, hash, masked) of a phone number typed by a user; refuses naming the field."""
    digits = phone_field(raw, field=field, required=required)
    if not digits:
        return "", "", ""
    return encrypt(digits), lookup_hash("phone", digits), mask_phone(digits)


def choice_list(values: Any, allowed: Any, *, field: str, label: str) -> list[str]:
    """A list of choice values, each one of `allowed` (a TextChoices), in the order of `allowed`."""
    given = [str(v) for v in (values or [])]
    bad = [v for v in given if v not in allowed.values]
    if bad:
        raise DomainError(_("%(label)s无效：%(v)s") % {"label": label, "v": "、".join(bad)[:60]}, field=field)
    return [v for v in allowed.values if v in given]
