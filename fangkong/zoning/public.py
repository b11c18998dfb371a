"""The public list of risk areas (no login): every place of every area in force now, with its
district, street, community, compound, building and unit, its level in the active profile's words
and since when. Places only — no person, no case, no reason. An area lifted leaves it at once (the
list is read from the areas in force at the moment of the request). Where areas overlap, a place is
listed once, at the stricter level.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fangkong.core.clock import now

from .choices import STRICTNESS, PlaceLevel
from .models import RiskArea, RiskAreaPlace
from .rules import naming
from .selectors import in_force_at
from .services.common import PLACE_MODELS

_RELATED = {
    PlaceLevel.UNIT: ("district", "street", "community", "compound", "building"),
    PlaceLevel.BUILDING: ("district", "street", "community", "compound"),
    PlaceLevel.COMPOUND: ("district", "street", "community"),
    PlaceLevel.GRID: ("district", "street", "community"),
    PlaceLevel.COMMUNITY: ("district", "street"),
    PlaceLevel.STREET: ("district",),
    PlaceLevel.DISTRICT: (),
}


@dataclass(frozen=True)
class PublicRow:
    level: str
    area_class: str
    level_label: str
    since: dt.datetime
    district: str
    street: str = ""
    community: str = ""
    compound: str = ""
    building: str = ""
    unit: str = ""

    @property
    def address(self) -> str:
        return " ".join(p for p in (self.district, self.street, self.community, self.compound, self.building, self.unit) if p)

    def as_json(self) -> dict[str, Any]:
        return {
            "level": self.area_class,
            "level_label": self.level_label,
            "since": self.since.isoformat(),
            "district": self.district,
            "street": self.street,
            "community": self.community,
            "compound": self.compound,
            "building": self.building,
            "unit": self.unit,
            "place_level": self.level,
        }


def _name(obj: Any, attr: str) -> str:
    related = getattr(obj, attr, None)
    return related.name if related is not None else ""


def public_areas(*, q: str = "", at: dt.datetime | None = None) -> list[PublicRow]:
    """The places under a risk level now (or at `at`), searchable by any part of their address."""
    at = at or now()
    named = naming()
    rows = RiskAreaPlace.objects.filter(area__in=RiskArea.objects.filter(in_force_at(at))).values_list(
        "level", "place_id", "area__area_class", "area__level_since", "area__in_force_at"
    )
    best: dict[tuple[str, int], tuple[str, dt.datetime]] = {}
    for level, place_id, area_class, level_since, since in rows:
        key, when = (level, place_id), level_since or since
        held = best.get(key)
        if held is None or (STRICTNESS.get(area_class, 9), when) < (STRICTNESS.get(held[0], 9), held[1]):
            best[key] = (area_class, when)
    by_level: dict[str, list[int]] = {}
    for level, pk in best:
        by_level.setdefault(level, []).append(pk)
    out: list[PublicRow] = []
    for level, ids in by_level.items():
        related = _RELATED.get(level, ())
        for obj in PLACE_MODELS[level].objects.filter(pk__in=ids).select_related(*related):
            area_class, since = best[(level, obj.pk)]
            names = {r: _name(obj, r) for r in related}
            names[level] = obj.name
            out.append(
                PublicRow(
                    level=level,
                    area_class=area_class,
                    level_label=named.label(area_class),
                    since=since,
                    district=names.get("district", ""),
                    street=names.get("street", ""),
                    community=names.get("community", ""),
                    compound=names.get("compound", ""),
                    building=names.get("building", ""),
                    unit=names.get("unit", ""),
                )
            )
    terms = [t for t in (q or "").replace("，", " ").split() if t]
    if terms:
        out = [r for r in out if all(t.lower() in r.address.lower() for t in terms)]
    out.sort(key=lambda r: (r.district, r.street, r.community, r.compound, r.building, r.unit))
    return out
