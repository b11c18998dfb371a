"""Building the board's snapshot (the worker, each minute; `manage.py board_snapshot`): every kept
figure's rows for the whole city as at one moment, the stats' values and per-place parts, then the
closed trend days of each office's jurisdiction that are not kept yet. Older snapshots are deleted."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from fangkong.core.board import Figure, trend_days
from fangkong.core.bulk import BulkWriter
from fangkong.core.modules import registry
from fangkong.core.scoping import CITY_WIDE, CityWide, Jurisdiction
from fangkong.policy.regimen import local_date

from .models import BoardSnapshot, SnapshotRow, SnapshotStat, TrendDay
from .selectors import SNAPSHOT_ROLES, place_grants, scope_key

log = logging.getLogger(__name__)

KEEP = 2  # snapshots kept: the newest, and the one a drawing may still be reading
BATCH = 5_000
TRENDS_EVERY = 600  # seconds: offices' jurisdictions are looked at again (new accounts, changed grants)


def snapshot_build(*, now: dt.datetime | None = None) -> BoardSnapshot:
    """The board for the whole city as at `now`: written, then marked complete in one transaction."""
    now = now or timezone.now()
    started = time.perf_counter()
    kept: dict[str, str] = {}
    stats: dict[str, Any] = {}
    with transaction.atomic():
        snap = BoardSnapshot.objects.create(taken_at=now)
        rows = BulkWriter(
            SnapshotRow, ["snapshot_id", "figure", "item_id", "district_id", "street_id", "community_id", "deadline"], binary=True
        )
        stat_rows: list[SnapshotStat] = []
        for step in registry.board_steps():
            figures = import_string(step.figures)()
            for f in figures:
                key = f"{step.key}.{f.key}"
                if isinstance(f, Figure):
                    if not f.snapshot:
                        continue
                    members = f.place_rows(CITY_WIDE, now)
                    kept[key] = f.rows(CITY_WIDE, now).model._meta.label_lower
                    rows.write([(snap.pk, key, *m) for m in members])
                    # the figure's count by place, from the same rows: the board sums these
                    by_place = Counter(tuple(m[1:4]) for m in members)
                    stat_rows += [
                        SnapshotStat(snapshot=snap, stat=f"count:{key}", district_id=d, street_id=s, community_id=c, a=n)
                        for (d, s, c), n in by_place.items()
                    ]
                    stats[f"count:{key}"] = len(members)
                    if f.late:
                        stats.setdefault("late_figures", []).append(key)
                else:
                    stats[key] = f.value(CITY_WIDE, now)
                    if f.by_place is not None:
                        for part, district, street, community, a, b in f.by_place(now):
                            stat_rows.append(
                                SnapshotStat(
                                    snapshot=snap,
                                    stat=key,
                                    part=part,
                                    district_id=district,
                                    street_id=street,
                                    community_id=community,
                                    a=a,
                                    b=b,
                                )
                            )
        for step in registry.board_steps():
            if step.today_by_place:  # today's trend values by place: the board adds them to the kept days
                parts = import_string(step.today_by_place)(now)
                stats[f"trend:{step.key}"] = [sum(p[3] for p in parts), sum(p[4] for p in parts)]
                for district, street, community, a, b in parts:
                    stat_rows.append(
                        SnapshotStat(
                            snapshot=snap,
                            stat=f"trend:{step.key}",
                            district_id=district,
                            street_id=street,
                            community_id=community,
                            a=a,
                            b=b,
                        )
                    )
        SnapshotStat.objects.bulk_create(stat_rows, batch_size=BATCH)
        snap.figures, snap.stats, snap.complete = kept, stats, True
        snap.built_seconds = round(time.perf_counter() - started, 3)
        snap.save(update_fields=["figures", "stats", "complete", "built_seconds"])
    old = BoardSnapshot.objects.order_by("-taken_at", "-id").values_list("pk", flat=True)[KEEP:]
    BoardSnapshot.objects.filter(pk__in=list(old)).delete()
    return snap


def office_jurisdictions() -> dict[str, Jurisdiction]:
    """The city and each active office's place grants (those whose board may read kept days), by key."""
    from fangkong.accounts.models import User

    out = {"city": CITY_WIDE.jurisdiction}
    for user in User.objects.filter(is_active=True, role__in=SNAPSHOT_ROLES).prefetch_related("grants"):
        j = place_grants(user)
        if j is not None:
            out.setdefault(scope_key(j), j)
    return out


def trends_close(*, now: dt.datetime | None = None, force: bool = False) -> int:
    """Keep the closed days (the 13 before today) of every step whose past days are closed, for the
    city and each office's jurisdiction, where not kept yet. Returns the days written."""
    now = now or timezone.now()
    today = local_date(now)
    if not force and cache.get("reports:trends-closed") == today.isoformat():
        return 0
    past = trend_days(today)[:-1]
    written = 0
    steps = [s for s in registry.board_steps() if s.closed_days]
    for key, j in office_jurisdictions().items():
        reader = CityWide(jurisdiction=j)
        for step in steps:
            have = set(TrendDay.objects.filter(step=step.key, scope=key, day__in=past).values_list("day", flat=True))
            missing = [d for d in past if d not in have]
            if not missing:
                continue
            trend = import_string(step.trend)(reader, today, days=missing)
            rows = [
                TrendDay(step=step.key, scope=key, day=d, values=[values[i] for _name, values in trend.series], computed_at=now)
                for i, d in enumerate(trend.days)
            ]
            TrendDay.objects.bulk_create(rows, ignore_conflicts=True)
            written += len(rows)
    TrendDay.objects.filter(day__lt=past[0]).delete()
    cache.set("reports:trends-closed", today.isoformat(), TRENDS_EVERY)
    return written
