"""Plausible coordinates for the synthetic city, for the map: each community a centre inside its
district's approximate box (fangkong.geo.hohhot.DISTRICT_BOXES), its compounds within about 600 m
of it, each building within about 150 m of its compound — all clamped to the district's box.

Approximate by design (no surveyed geometry is shipped). Deterministic for a seed and the ids, and
drawn from a random stream of its own, so the rest of the city (names, ages …) is unchanged."""

from __future__ import annotations

import random

from ..hohhot import DISTRICT_BOXES
from ..models import Building, Community, Compound

COMPOUND_SPREAD = 0.006  # degrees (≈ 600 m)
BUILDING_SPREAD = 0.0015  # degrees (≈ 150 m)
BATCH = 2_000


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def place_coordinates(*, seed: int) -> int:
    """Give every compound and building without coordinates a plausible position. Returns how many places got one."""
    rng = random.Random(f"coordinates:{seed}")
    centre: dict[int, tuple[float, float]] = {}
    box_of: dict[int, tuple[float, float, float, float]] = {}
    for pk, code in Community.objects.order_by("id").values_list("id", "district__code"):
        box = DISTRICT_BOXES.get(code)
        if box is None:
            continue
        south, west, north, east = box
        box_of[pk] = box
        centre[pk] = (rng.uniform(south + 0.1 * (north - south), north - 0.1 * (north - south)),
                      rng.uniform(west + 0.1 * (east - west), east - 0.1 * (east - west)))  # fmt: skip
    compounds = list(Compound.objects.filter(lat__isnull=True).order_by("id").only("id", "community_id"))
    where: dict[int, tuple[float, float, tuple[float, float, float, float]]] = {}
    for c in compounds:
        if c.community_id not in centre:
            continue
        (lat, lon), (south, west, north, east) = centre[c.community_id], box_of[c.community_id]
        c.lat = round(_clamp(lat + rng.uniform(-COMPOUND_SPREAD, COMPOUND_SPREAD), south, north), 6)
        c.lon = round(_clamp(lon + rng.uniform(-COMPOUND_SPREAD, COMPOUND_SPREAD), west, east), 6)
        where[c.pk] = (c.lat, c.lon, box_of[c.community_id])
    Compound.objects.bulk_update([c for c in compounds if c.pk in where], ["lat", "lon"], batch_size=BATCH)
    known = dict(Compound.objects.filter(lat__isnull=False).values_list("id", "lat"))
    known_lon = dict(Compound.objects.filter(lon__isnull=False).values_list("id", "lon"))
    buildings = list(Building.objects.filter(lat__isnull=True).order_by("id").only("id", "compound_id", "community_id"))
    placed = []
    for b in buildings:
        if b.compound_id not in known or b.community_id not in box_of:
            continue
        south, west, north, east = box_of[b.community_id]
        b.lat = round(_clamp(known[b.compound_id] + rng.uniform(-BUILDING_SPREAD, BUILDING_SPREAD), south, north), 6)
        b.lon = round(_clamp(known_lon[b.compound_id] + rng.uniform(-BUILDING_SPREAD, BUILDING_SPREAD), west, east), 6)
        placed.append(b)
    Building.objects.bulk_update(placed, ["lat", "lon"], batch_size=BATCH)
    return len(where) + len(placed)
