"""What the risk-area writes share: the registry place models, a place's ancestors, the record of a
transition (who, why, on what basis) beside its audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fangkong.core.clock import now
from fangkong.geo import models as geo

from ..choices import PlaceLevel
from ..models import RiskArea, RiskAreaTransition

PLACE_MODELS: dict[str, Any] = {
    PlaceLevel.DISTRICT: geo.District,
    PlaceLevel.STREET: geo.Street,
    PlaceLevel.COMMUNITY: geo.Community,
    PlaceLevel.GRID: geo.Grid,
    PlaceLevel.COMPOUND: geo.Compound,
    PlaceLevel.BUILDING: geo.Building,
    PlaceLevel.UNIT: geo.Unit,
}


def ancestors(level: str, place: Any) -> dict[str, int | None]:
    if level == PlaceLevel.DISTRICT:
        return {"district_id": place.pk, "street_id": None, "community_id": None}
    if level == PlaceLevel.STREET:
        return {"district_id": place.district_id, "street_id": place.pk, "community_id": None}
    if level == PlaceLevel.COMMUNITY:
        return {"district_id": place.district_id, "street_id": place.street_id, "community_id": place.pk}
    return {"district_id": place.district_id, "street_id": place.street_id, "community_id": place.community_id}


def place_label(level: str, place: Any) -> str:
    """A place as people name it: a building or a unit with its compound ("迎宾小区3号楼1单元")."""
    if level == PlaceLevel.UNIT:
        return f"{place.compound.name}{place.building.name}{place.name}"[:200]
    if level == PlaceLevel.BUILDING:
        return f"{place.compound.name}{place.name}"[:200]
    return str(place.name)[:200]


def transition_record(
    area: RiskArea, from_status: str, to_status: str, *, actor: Any, reason: str = "", basis: str = "", at: dt.datetime | None = None
) -> RiskAreaTransition:
    is_user = getattr(actor, "is_authenticated", False)
    return RiskAreaTransition.objects.create(
        area=area,
        at=at or now(),
        from_status=from_status,
        to_status=to_status,
        area_class=area.area_class,
        actor=actor if is_user else None,
        actor_name=(actor.get_username() if is_user else str(actor or "system"))[:150],
        reason=reason,
        basis=basis,
    )
