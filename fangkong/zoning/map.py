"""The risk-area map's data (item 7): inside the user's reach, the district outlines, the places of the
areas in force now — each at its building's or compound's stored coordinates, with the class that
applies there (where areas overlap, the stricter wins) and the names of the areas holding it — and,
for a user with the need to know, the buildings where active cases live, as counts.

Places only: no person, no case number, no reason. The case counts come through a seam
(`case_buildings`): zoning sits below 快转, so 快转 registers how its cases are counted per building
and the capability that guards them from its AppConfig.ready(), as it does for the triggering cases
(fangkong.zoning.triggers). A place without coordinates is listed beside the map, not dropped.

The district outlines are the approximate boxes of fangkong.geo.hohhot.DISTRICT_BOXES (no surveyed
geometry ships): the page draws them and the places without any tile server unless an operator sets
FANGKONG_MAP_TILE_URL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from fangkong.core.clock import now
from fangkong.core.permissions import withheld
from fangkong.geo.hohhot import DISTRICT_BOXES
from fangkong.geo.models import Building, Compound, District, Unit

from .choices import STRICTNESS, PlaceLevel
from .models import RiskAreaPlace
from .pages import place_ids
from .rules import naming
from .selectors import ZoneIndex, areas_in_force

# count(user) → {building id: active cases living there}, inside the user's grants
CountCases = Callable[[Any], dict[int, int]]


class CaseBuildings:
    """The seam 快转 plugs into: how its active cases are counted per building, and the capability a
    user needs to see those counts (the need to know the cases, not only the figures)."""

    def __init__(self) -> None:
        self.count: CountCases | None = None
        self.capability = ""

    def register(self, count: CountCases, *, capability: str) -> None:
        self.count, self.capability = count, capability


case_buildings = CaseBuildings()


@dataclass
class MapPoint:
    kind: str  # "building" or "compound": whose coordinates these are
    pk: int
    lat: float | None
    lon: float | None
    label: str  # the place as people name it: 迎宾小区3号楼
    level: str = ""  # the class that applies there
    places: list[str] = field(default_factory=list)  # the declared places drawn at this point (a unit: its building)
    areas: list[str] = field(default_factory=list)  # the names of the areas in force holding it, strictest first
    place: Any = None  # the registry row, for matching it against the areas in force


def _round(value: float | None) -> float | None:
    return round(value, 6) if value is not None else None  # about 0.1 m: what the registry stores


def tile_url() -> str:
    return str(getattr(settings, "FANGKONG_MAP_TILE_URL", "") or "")


def _building_points(ids: set[int]) -> dict[int, MapPoint]:
    qs = Building.objects.filter(pk__in=sorted(ids)).select_related("compound")
    return {b.pk: MapPoint("building", b.pk, _round(b.lat), _round(b.lon), f"{b.compound.name}{b.name}", place=b) for b in qs}


def _compound_points(qs: Any) -> dict[int, MapPoint]:
    return {c.pk: MapPoint("compound", c.pk, _round(c.lat), _round(c.lon), c.name, place=c) for c in qs}


def _area_points(user: Any, at: dt.datetime) -> tuple[list[MapPoint], dict[str, str]]:
    """The points of the places of the areas in force the user may see, and the districts declared whole."""
    shown = list(areas_in_force(user=user, at=at).values_list("id", "name", "area_class"))
    visible = {pk: name for pk, name, _c in shown}
    classes = {pk: area_class for pk, _n, area_class in shown}
    rows = list(
        RiskAreaPlace.objects.visible_to(user).filter(area_id__in=list(visible)).values_list("level", "place_id", "name", "area_id")
    )
    by_level: dict[str, dict[int, list[tuple[str, int]]]] = {}
    for level, place_id, name, area_id in rows:
        by_level.setdefault(level, {}).setdefault(place_id, []).append((name, area_id))
    # Each declared place → the points it is drawn at: a unit at its building, a wider place at its compounds.
    drawn: list[tuple[str, int, str, int]] = []  # (point kind, point id, place name, area id)
    for level, places in by_level.items():
        if level == PlaceLevel.DISTRICT:
            continue
        if level == PlaceLevel.UNIT:
            owner = dict(Unit.objects.filter(pk__in=list(places)).values_list("id", "building_id"))
            drawn += [("building", owner[pk], n, a) for pk, held in places.items() if pk in owner for n, a in held]
        elif level == PlaceLevel.BUILDING:
            drawn += [("building", pk, n, a) for pk, held in places.items() for n, a in held]
        elif level == PlaceLevel.COMPOUND:
            drawn += [("compound", pk, n, a) for pk, held in places.items() for n, a in held]
        else:  # a grid, community or street: every compound in it
            path = {PlaceLevel.GRID: "buildings__grid_id", PlaceLevel.COMMUNITY: "community_id", PlaceLevel.STREET: "street_id"}[level]
            for pk, held in places.items():
                for compound_id in Compound.objects.filter(**{path: pk}).values_list("id", flat=True).distinct():
                    drawn += [("compound", compound_id, n, a) for n, a in held]
    buildings = _building_points({pk for kind, pk, _n, _a in drawn if kind == "building"})
    compounds = _compound_points(Compound.objects.filter(pk__in=sorted({pk for kind, pk, _n, _a in drawn if kind == "compound"})))
    points = {("building", pk): p for pk, p in buildings.items()} | {("compound", pk): p for pk, p in compounds.items()}
    for kind, pk, name, _area in drawn:
        point = points.get((kind, pk))
        if point is not None and name not in point.places:
            point.places.append(name)
    # The class that applies at each point: every area in force holding it (its own, its units', its
    # ancestors'), the strictest first — named only where the user may see the area.
    index = ZoneIndex(at)
    held_by: dict[tuple[str, int], set[int]] = {}
    for kind, pk, _name, area_id in drawn:
        held_by.setdefault((kind, pk), set()).add(area_id)
    for key, point in points.items():
        found = index.matches(place_ids(key[0], point.place))
        candidates = [m.area_class for m in found] + [classes[a] for a in held_by.get(key, ()) if a in classes]
        point.level = min(candidates, key=lambda c: STRICTNESS.get(c, 9))
        names = [m.area_name for m in found if m.area_id in visible] + [visible[a] for a in sorted(held_by.get(key, ()))]
        point.areas = list(dict.fromkeys(names))
    # A district declared whole: its outline takes the strictest class declared over it.
    whole: dict[str, str] = {}
    codes = dict(District.objects.filter(pk__in=list(by_level.get(PlaceLevel.DISTRICT, {}))).values_list("id", "code"))
    for pk, held in by_level.get(PlaceLevel.DISTRICT, {}).items():
        for _name, area_id in held:
            if pk in codes and area_id in classes:
                whole[codes[pk]] = min(whole.get(codes[pk], classes[area_id]), classes[area_id], key=lambda c: STRICTNESS.get(c, 9))
    return sorted(points.values(), key=lambda p: (STRICTNESS.get(p.level, 9), p.label)), whole


def cases_withheld(user: Any) -> str:
    """The refusal in place of the case layer for a user without the need to know ("" when shown)."""
    return withheld(user, case_buildings.capability) if case_buildings.count is not None else ""


def _case_points(user: Any) -> tuple[list[dict[str, Any]] | None, str]:
    """The buildings where the user's active cases live, with counts only; (None, refusal) without the need to know."""
    refused = cases_withheld(user)
    if case_buildings.count is None or refused:
        return None, refused
    counts = case_buildings.count(user)
    places = _building_points(set(Building.objects.visible_to(user).filter(pk__in=list(counts)).values_list("id", flat=True)))
    return [
        {"lat": p.lat, "lon": p.lon, "place": p.label, "count": counts[pk]}
        for pk, p in sorted(places.items(), key=lambda kv: (-counts[kv[0]], kv[1].label))
    ], ""


def map_data(*, user: Any, at: dt.datetime | None = None) -> dict[str, Any]:
    """What /zoning/map.json answers (places only; the case layer for those with the need to know)."""
    at = at or now()
    named = naming()
    points, whole = _area_points(user, at)
    present = {p.level for p in points} | set(whole.values())
    level_codes = list(named.classes) + sorted(present - set(named.classes), key=lambda c: STRICTNESS.get(c, 9))
    districts = [
        {"name": d.name, "code": d.code, "box": list(DISTRICT_BOXES[d.code]), "level": whole.get(d.code, "")}
        for d in District.objects.visible_to(user).order_by("code")
        if d.code in DISTRICT_BOXES
    ]
    cases, cases_withheld = _case_points(user)
    placed = [p for p in points if p.lat is not None and p.lon is not None]
    unplaced = [p for p in points if p.lat is None or p.lon is None]
    return {
        "generated_at": at.isoformat(),
        "levels": [{"code": c, "label": named.label(c)} for c in level_codes],
        "districts": districts,
        "areas": [
            {
                "kind": p.kind,
                "lat": p.lat,
                "lon": p.lon,
                "place": p.label,
                "level": p.level,
                "level_label": named.label(p.level),
                "places": p.places,
                "areas": p.areas,
            }
            for p in placed
        ],  # fmt: skip
        "unplaced": [{"place": p.label, "level_label": named.label(p.level), "areas": p.areas} for p in unplaced],
        "cases": cases,
        "cases_withheld": cases_withheld,
        "tiles": bool(tile_url()),
    }
