"""What a manager picks from when setting up a team: the inspectors whose grants lie in the
manager's districts, and the places of every kind the manager sees. Reads only."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from fangkong.accounts.models import Grant
from fangkong.core.modules import registry
from fangkong.core.scoping import jurisdiction_of

from .choices import PlaceKind
from .permissions import SupervisionCap
from .places import Place, places


def inspectors_for(user: Any) -> QuerySet:
    """Active users of a role holding supervision.inspect, granted the city or a district the manager covers."""
    roles = registry.capability(SupervisionCap.INSPECT).roles
    j = jurisdiction_of(user)
    grants = Grant.objects.all() if j.city else Grant.objects.filter(level="district", place_id__in=sorted(j.covered.get("district", ())))
    User = get_user_model()
    return User.objects.filter(is_active=True, role__in=roles, pk__in=grants.values("user_id")).order_by("full_name", "username")


def places_for(user: Any) -> list[Place]:
    return [p for kind in PlaceKind.values for p in places(kind, user=user, limit=200)]
