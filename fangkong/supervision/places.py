"""The places a team may be assigned, read from the modules that own them (zoning's risk areas,
isolation sites, 快检's sampling points, checkpoints): their names and where they lie. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from fangkong.isolation.models import IsolationSite
from fangkong.movement.models import Checkpoint
from fangkong.testing.models import SamplingPoint
from fangkong.zoning.choices import AreaClass, AreaStatus
from fangkong.zoning.models import RiskArea

from .choices import PlaceKind


@dataclass(frozen=True)
class Place:
    kind: str
    pk: int
    name: str
    district_id: int | None
    street_id: int | None
    community_id: int | None


def _rows(kind: str) -> QuerySet:
    if kind == PlaceKind.SEALED_AREA:
        return RiskArea.objects.filter(area_class=AreaClass.SEALED).exclude(status__in=(AreaStatus.REJECTED, AreaStatus.LIFTED))
    if kind == PlaceKind.CONTROLLED_AREA:
        return RiskArea.objects.filter(area_class=AreaClass.CONTROLLED).exclude(status__in=(AreaStatus.REJECTED, AreaStatus.LIFTED))
    if kind == PlaceKind.ISOLATION_SITE:
        return IsolationSite.objects.filter(is_active=True)
    if kind == PlaceKind.SAMPLING_POINT:
        return SamplingPoint.objects.filter(is_active=True)
    if kind == PlaceKind.CHECKPOINT:
        return Checkpoint.objects.all()
    raise ValueError(kind)


def places(kind: str, *, user: Any = None, limit: int = 500) -> list[Place]:
    """The places of a kind (those `user` may see when given), by name."""
    qs = _rows(kind)
    if user is not None:
        qs = qs.visible_to(user)
    rows = qs.order_by("name").values_list("pk", "name", "district_id", "street_id", "community_id")[:limit]
    return [Place(kind, *row) for row in rows]


def place_get(kind: str, pk: int) -> Place | None:
    row = _rows(kind).filter(pk=pk).values_list("pk", "name", "district_id", "street_id", "community_id").first()
    return Place(kind, *row) if row else None
