"""Pooling rules of 快检 (混采): the mode the policy sets for an area class, the modes an area allows
(its own and anything stricter), and the round's areas that say which applies at a sampling point.
Rules, not writes: planning, binding, the sampling desk and re-sampling all ask here."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from fangkong.geo.models import Grid
from fangkong.policy.rules import rule

from .choices import PoolingMode, ScopeLevel
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
    """The round's areas: which one applies at a sampling point (its pooling), and which points the
    round offers (`point_q`). One rule for both: a point serves the round when it lies in one of the
    round's places (a point of a grid in scope, of a community in scope, ...), or when it belongs to a
    parent of one: a community's own point (one not in a grid) serves the community's grids in scope,
    with the strictest pooling among them. A point is always in a community, so no point sits higher."""

    def __init__(self, testing_round: TestingRound) -> None:
        areas = list(RoundArea.objects.filter(round=testing_round))
        self.by_key = {(a.level, a.place_id): a for a in areas}
        grid_ids = [a.place_id for a in areas if a.level == ScopeLevel.GRID]
        self.grid_areas_of_community: dict[int, list[RoundArea]] = defaultdict(list)
        for grid_id, community_id in Grid.objects.filter(pk__in=grid_ids).values_list("pk", "community_id"):
            self.grid_areas_of_community[community_id].append(self.by_key[(ScopeLevel.GRID, grid_id)])

    def area_for(
        self, *, district_id: int | None, street_id: int | None, community_id: int | None, grid_id: int | None = None
    ) -> RoundArea | None:
        for level, pk in (("grid", grid_id), ("community", community_id), ("street", street_id), ("district", district_id), ("city", None)):
            if level != "city" and pk is None:
                continue
            area = self.by_key.get((level, pk))
            if area is not None:
                return area
        if grid_id is None and community_id is not None:
            # The community's own point serves its grids in the round: the strictest pooling applies.
            return min(self.grid_areas_of_community.get(community_id, []), key=lambda a: MODE_RANK[a.pooling_mode], default=None)
        return None

    def point_q(self) -> Q:
        """The sampling points the round offers, as a filter on SamplingPoint (the points `area_for` finds)."""
        q = Q(pk__in=[])
        for level, place_id in self.by_key:
            if level == ScopeLevel.CITY:
                return Q()
            q |= Q(**{f"{level}_id": place_id})
        if self.grid_areas_of_community:
            q |= Q(grid__isnull=True, community_id__in=sorted(self.grid_areas_of_community))
        return q
