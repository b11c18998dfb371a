"""Hours from identification to isolation, by district: one computation for the episodes' figures
(快隔) and the contacts' (流调)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from fangkong.geo.models import District


@dataclass
class DistrictDelay:
    district_id: int | None
    name: str
    isolated: int
    average_hours: float
    max_hours: float


def delay_by_district(rows: Iterable[tuple[int | None, dt.datetime, dt.datetime]]) -> list[DistrictDelay]:
    """(district id, identified at, isolated at) rows → per district: how many, average and longest
    hours (computed in Python: portable), the slowest first."""
    hours: dict[int | None, list[float]] = defaultdict(list)
    for district_id, identified_at, isolated_at in rows:
        hours[district_id].append(max((isolated_at - identified_at).total_seconds(), 0) / 3600)
    names = dict(District.objects.filter(pk__in=[k for k in hours if k is not None]).values_list("pk", "name"))
    out = [DistrictDelay(k, names.get(k, "—"), len(v), round(sum(v) / len(v), 1), round(max(v), 1)) for k, v in hours.items() if v]
    out.sort(key=lambda r: (-r.average_hours, r.name))
    return out
