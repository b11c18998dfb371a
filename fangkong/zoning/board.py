"""严管's row of the 三快一严 board (fangkong.core.board): the risk areas in force, those due to lift
and those overdue (长时间不解封) — the lifting clock of every area at once (lifting.lifting_statuses,
the rule of the area pages and the daily review). Reads only; scoped to the user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.board import Figure, Item, Trend, per_drawing, trend_days, user_name
from fangkong.policy.regimen import local_date, local_midnight

from .choices import AreaStatus
from .lifting import LiftStatus, lifting_statuses
from .models import RiskArea
from .rules import naming

AREA_PLACES = {"district": "district_id", "street": "street_id", "community": "community_id"}


def in_force(user: Any, now: dt.datetime) -> QuerySet[RiskArea]:
    return RiskArea.objects.visible_to(user).filter(status=AreaStatus.IN_FORCE, in_force_at__lte=now)


@per_drawing
def _statuses(user: Any, now: dt.datetime) -> dict[int, LiftStatus]:
    """The lifting clocks of the areas in force, once per drawing: the due and overdue figures share them."""
    return lifting_statuses(list(in_force(user, now)), at=now, stored=True)


def due_to_lift(user: Any, now: dt.datetime) -> QuerySet[RiskArea]:
    """The rule is met, not yet overdue."""
    ids = [pk for pk, s in _statuses(user, now).items() if s.due and not s.overdue]
    return in_force(user, now).filter(pk__in=ids)


def overdue_to_lift(user: Any, now: dt.datetime) -> QuerySet[RiskArea]:
    """Due and still in force past risk.lift_overdue_days (长时间不解封)."""
    ids = [pk for pk, s in _statuses(user, now).items() if s.due and s.overdue]
    return in_force(user, now).filter(pk__in=ids)


def overdue_since(status: LiftStatus | None) -> dt.datetime | None:
    """When a due area became overdue: the start of the day risk.lift_overdue_days after it was due
    (dated by the lifting clock, LiftStatus.overdue_since: the alerts read the same)."""
    return status.overdue_since if status is not None else None


def overdue_deadlines(user: Any, now: dt.datetime) -> list[tuple[int, int | None, int | None, int | None, dt.datetime | None]]:
    """(pk, district, street, community, overdue since) of each overdue area: its deadline is computed."""
    statuses = _statuses(user, now)
    rows = overdue_to_lift(user, now).values_list("pk", "district_id", "street_id", "community_id")
    return [(pk, d, s, c, overdue_since(statuses.get(pk))) for pk, d, s, c in rows]


def describe_areas(areas: Sequence[RiskArea], now: dt.datetime) -> list[Item]:
    by_pk = RiskArea.objects.filter(pk__in=[a.pk for a in areas]).select_related("declared_by", "decided_by").in_bulk()
    named = naming()
    statuses = {}
    if by_pk and any(a.status == AreaStatus.IN_FORCE for a in by_pk.values()):
        statuses = lifting_statuses(list(by_pk.values()), at=now, stored=True)
    out = []
    for a in (by_pk[x.pk] for x in areas if x.pk in by_pk):
        s = statuses.get(a.pk)
        deadline = overdue_since(s) if s is not None and s.overdue else None
        out.append(
            Item(
                pk=a.pk,
                title=f"{a.name} · {named.label(a.area_class)}",
                url=reverse("zoning:area_detail", args=[a.pk]),
                deadline=deadline,
                places={"district": a.district_id, "street": a.street_id, "community": a.community_id},
                person=user_name(a.decided_by or a.declared_by),
                detail=s.summary if s is not None else "",
            )
        )
    return out


def figures() -> list[Figure]:
    areas = reverse("zoning:area_list")
    return [
        Figure("in_force", _("生效中（个）"), in_force, AREA_PLACES, describe_areas, url=areas, snapshot=True),
        Figure("due_to_lift", _("应解除（个）"), due_to_lift, AREA_PLACES, describe_areas, url=areas, snapshot=True),
        Figure(
            "areas_overdue",
            _("超期未解除（个）"),
            overdue_to_lift,
            AREA_PLACES,
            describe_areas,
            late=True,
            deadlines=overdue_deadlines,
            url=areas,
            snapshot=True,
        ),
    ]


def trend_today_by_place(now: dt.datetime) -> list[tuple]:
    """Today's two values (in force at the end of the day, lifted today) for the whole city by the
    areas' places (their scope paths)."""
    start = local_midnight(local_date(now))
    end = start + dt.timedelta(days=1)
    parts: dict[tuple, list[int]] = {}
    rows = RiskArea.objects.filter(in_force_at__lt=end).exclude(lifted_at__lt=start)
    for district, street, community, a, b in rows.values_list("district_id", "street_id", "community_id", "in_force_at", "lifted_at"):
        counts = parts.setdefault((district, street, community), [0, 0])
        counts[0] += a < end and (b is None or b >= end)
        counts[1] += b is not None and start <= b < end
    return [(*place, n, lifted) for place, (n, lifted) in parts.items()]


def trend(user: Any, today: dt.date, days: Sequence[dt.date] | None = None) -> Trend:
    """Areas in force at the end of each day, and areas lifted that day (a few hundred areas at most:
    counted from their two timestamps)."""
    days = list(days) if days else trend_days(today)
    first, last = local_midnight(days[0]), local_midnight(days[-1] + dt.timedelta(days=1))
    spans = list(
        RiskArea.objects.visible_to(user).filter(in_force_at__lt=last).exclude(lifted_at__lt=first).values_list("in_force_at", "lifted_at")
    )
    in_force_series, lifted = [], []
    for d in days:
        start, end = local_midnight(d), local_midnight(d + dt.timedelta(days=1))
        in_force_series.append(sum(1 for a, b in spans if a < end and (b is None or b >= end)))
        lifted.append(sum(1 for _a, b in spans if b is not None and start <= b < end))
    return Trend(days, [(str(_("生效中（个）")), in_force_series), (str(_("当日解除（个）")), lifted)])
