"""Build a user's Jurisdiction from their grants, with the ancestors they may browse through."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from django.apps import apps

from fangkong.core.scoping import EMPTY, Jurisdiction

from .choices import GrantLevel

if TYPE_CHECKING:
    from .models import User

# For each granted place level: the geo model and the ancestor fields to add to `reach`.
_PLACE_LEVELS: dict[str, tuple[str, tuple[str, ...]]] = {
    GrantLevel.DISTRICT: ("District", ()),
    GrantLevel.STREET: ("Street", ("district",)),
    GrantLevel.COMMUNITY: ("Community", ("district", "street")),
    GrantLevel.GRID: ("Grid", ("district", "street", "community")),
}


def build_jurisdiction(user: User) -> Jurisdiction:
    if not user.is_authenticated or not user.is_active:
        return EMPTY
    grants = list(user.grants.all())
    if any(g.level == GrantLevel.CITY for g in grants):
        return Jurisdiction(city=True)
    covered: dict[str, set[int]] = defaultdict(set)
    reach: dict[str, set[int]] = defaultdict(set)
    for g in grants:
        if g.place_id is None:
            continue
        key = f"facility:{g.facility_kind}" if g.level == GrantLevel.FACILITY else g.level
        covered[key].add(g.place_id)
    for level, (model_name, ancestors) in _PLACE_LEVELS.items():
        ids = covered.get(level)
        if not ids:
            continue
        model = apps.get_model("geo", model_name)
        existing = model.objects.filter(pk__in=ids).values("pk", *[f"{a}_id" for a in ancestors])
        found = set()
        for row in existing:
            found.add(row["pk"])
            reach[level].add(row["pk"])
            for a in ancestors:
                reach[a].add(row[f"{a}_id"])
        covered[level] = found  # grants to deleted places grant nothing
    if covered.get(GrantLevel.GRID):
        # A grid worker browses through the compounds, buildings and units that hold their grid.
        building = apps.get_model("geo", "Building")
        for row in building.objects.filter(grid_id__in=covered[GrantLevel.GRID]).values("compound_id"):
            reach["compound"].add(row["compound_id"])
    return Jurisdiction(
        covered={k: frozenset(v) for k, v in covered.items() if v},
        reach={k: frozenset(v) for k, v in reach.items() if v},
    )
