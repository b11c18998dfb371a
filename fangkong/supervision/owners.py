"""Who may own a rectification at a place: an active office account (supervision.rectify) whose grant
covers the place; their unit is the place of that grant (the community, street, district or city)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from fangkong.accounts.models import Grant
from fangkong.core.modules import registry
from fangkong.geo.models import Community, District, Street

from .permissions import SupervisionCap

LEVELS = (("community", Community), ("street", Street), ("district", District))


def _grant_q(district_id: int | None, street_id: int | None, community_id: int | None) -> Q:
    q = Q(level="city")
    for level, pk in (("district", district_id), ("street", street_id), ("community", community_id)):
        if pk is not None:
            q |= Q(level=level, place_id=pk)
    return q


def owners_for(*, district_id: int | None, street_id: int | None, community_id: int | None) -> QuerySet:
    roles = registry.capability(SupervisionCap.RECTIFY).roles
    users = Grant.objects.filter(_grant_q(district_id, street_id, community_id)).values("user_id")
    return get_user_model().objects.filter(is_active=True, role__in=roles, pk__in=users).order_by("role", "full_name", "username")


def owner_unit(user: Any, *, district_id: int | None, street_id: int | None, community_id: int | None) -> str:
    """The name of the narrowest granted place of `user` that covers the place."""
    grants = {g.level: g.place_id for g in user.grants.filter(_grant_q(district_id, street_id, community_id))}
    for level, model in LEVELS:
        if level in grants:
            name = model.objects.filter(pk=grants[level]).values_list("name", flat=True).first()
            if name:
                return name
    return _("市指挥部") if "city" in grants else ""
