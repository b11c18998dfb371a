"""严管 figures inside the user's jurisdiction (item 8): areas in force by level and district, the
Beijing day's proposals, approvals, rejections and liftings, the residents under control, the areas
due to lift and overdue (长时间不解封), and the median duration of lifted areas.

Set-based: grouped counts in the database, the residents of every area in force in one query per
place level (fangkong.zoning.lifting.residents_of), the lifting clocks of every area at once
(lifting_statuses) — no query per area."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from fangkong.core.clock import now as clock_now
from fangkong.policy.regimen import local_date, local_midnight

from .choices import UNDER_CONTROL, AreaStatus
from .lifting import lifting_statuses, residents_count
from .models import RiskArea, RiskAreaTransition
from .rules import naming


@dataclass
class ZoningFigures:
    day: dt.date
    by_level: dict[str, int] = field(default_factory=dict)  # class label → areas in force
    levels: list[str] = field(default_factory=list)  # the class labels of the columns below, strictest first
    by_district: list[tuple[str, list[int], int]] = field(default_factory=list)  # (district, n per level, total)
    in_force: int = 0
    proposed_today: int = 0
    approved_today: int = 0
    rejected_today: int = 0
    lifted_today: int = 0
    pending: int = 0  # proposals awaiting the command
    residents_under_control: int = 0
    due_today: int = 0  # the rule is met, not yet overdue
    overdue: int = 0
    lifted_total: int = 0
    median_days: float | None = None


def zoning_figures(*, user: Any, at: dt.datetime | None = None) -> ZoningFigures:
    at = at or clock_now()
    day = local_date(at)
    start, end = local_midnight(day), local_midnight(day + dt.timedelta(days=1))
    areas = RiskArea.objects.visible_to(user)
    named = naming()
    f = ZoningFigures(day=day)
    live = areas.filter(status=AreaStatus.IN_FORCE, in_force_at__lte=at)
    districts: dict[str, dict[str, int]] = {}
    for district, area_class, n in live.values_list("district__name", "area_class").annotate(n=Count("id")).order_by("district__code"):
        label = named.label(area_class)
        f.by_level[label] = f.by_level.get(label, 0) + n
        districts.setdefault(district or "—", {})[label] = n
    f.levels = [named.label(c) for c in named.classes if named.label(c) in f.by_level]
    f.levels += [label for label in f.by_level if label not in f.levels]
    f.by_district = [(name, [counts.get(label, 0) for label in f.levels], sum(counts.values())) for name, counts in districts.items()]
    f.in_force = sum(f.by_level.values())
    f.pending = areas.filter(status=AreaStatus.PROPOSED).count()
    moves = dict(
        RiskAreaTransition.objects.filter(area__in=areas, at__gte=start, at__lt=end)
        .exclude(from_status=AreaStatus.IN_FORCE, to_status=AreaStatus.IN_FORCE)  # a 9th-edition downgrade
        .values_list("to_status")
        .annotate(n=Count("area_id", distinct=True))
        .order_by()
    )
    f.proposed_today = moves.get(AreaStatus.PROPOSED, 0)
    f.approved_today = moves.get(AreaStatus.IN_FORCE, 0)
    f.rejected_today = moves.get(AreaStatus.REJECTED, 0)
    f.lifted_today = moves.get(AreaStatus.LIFTED, 0)
    f.residents_under_control = residents_count(live.filter(area_class__in=UNDER_CONTROL))
    statuses = lifting_statuses(list(live), at=at, stored=True)
    f.overdue = sum(1 for s in statuses.values() if s.due and s.overdue)
    f.due_today = sum(1 for s in statuses.values() if s.due and not s.overdue)
    lifted = areas.filter(status=AreaStatus.LIFTED, in_force_at__isnull=False, lifted_at__isnull=False)
    spans = [(b - a).total_seconds() / 86400 for a, b in lifted.values_list("in_force_at", "lifted_at")]
    f.lifted_total = len(spans)
    f.median_days = round(statistics.median(spans), 1) if spans else None
    return f
