"""Pooling rules of 快检 (混采): the mode the policy sets for an area class, the modes an area allows
(its own and anything stricter), and the round's areas that say which applies at a sampling point.
Rules, not writes: planning, binding, the sampling desk and re-sampling all ask here."""

from __future__ import annotations

from fangkong.policy.rules import rule

from .choices import PoolingMode
from .models import RoundArea, TestingRound

MODE_RANK = {PoolingMode.SINGLE: 0, PoolingMode.HOUSEHOLD: 1, PoolingMode.POOLED_10: 2, PoolingMode.POOLED_20: 3}


def pooling_for(area_class: str) -> tuple[str, str]:
    """The pooling mode the active policy sets for an area class, and the rule's citation."""
    r = rule(f"pooling.{area_class}")
    value = r.value
    if value == "single":
        mode = PoolingMode.SINGLE
    elif value == "single_or_household":
        mode = PoolingMode.HOUSEHOLD
    elif int(value) <= 1:
        mode = PoolingMode.SINGLE
    elif int(value) <= 10:
        mode = PoolingMode.POOLED_10
    else:
        mode = PoolingMode.POOLED_20
    return mode, r.citation


def allowed_modes(area_mode: str) -> list[str]:
    """An area allows its own pooling and anything stricter (single tubes are always allowed)."""
    return [m for m, rank in MODE_RANK.items() if rank <= MODE_RANK[area_mode]]


class AreaIndex:
    """The round's areas, to find the pooling that applies at a sampling point."""

    def __init__(self, testing_round: TestingRound) -> None:
        self.by_key = {(a.level, a.place_id): a for a in RoundArea.objects.filter(round=testing_round)}

    def area_for(self, *, district_id: int | None, street_id: int | None, community_id: int | None, grid_id: int | None = None):
        for level, pk in (("grid", grid_id), ("community", community_id), ("street", street_id), ("district", district_id), ("city", None)):
            if level != "city" and pk is None:
                continue
            area = self.by_key.get((level, pk))
            if area is not None:
                return area
        return None
