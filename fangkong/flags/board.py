"""The system's flags on the 三快一严 board (fangkong.core.board): the flags open now, of each kind
(履职不力; 层层加码、一刀切), drilled down to the unit responsible, each item a flag with its rule,
and the flags cleared today. Reads only; scoped to the user (selectors.open_flags)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.board import Figure, Item, Stat, Trend, trend_days
from fangkong.policy.regimen import local_date, local_midnight

from .choices import FlagKind, FlagState
from .models import Flag
from .rules import rule_label
from .selectors import open_flags

FLAG_PLACES = {"district": "district_id", "street": "street_id", "community": "community_id"}


def open_under(user: Any, now: dt.datetime) -> QuerySet[Flag]:
    return open_flags(user, now, kind=FlagKind.UNDER)


def open_over(user: Any, now: dt.datetime) -> QuerySet[Flag]:
    return open_flags(user, now, kind=FlagKind.OVER)


def _cleared_today(user: Any, now: dt.datetime) -> int:
    start = local_midnight(local_date(now))
    return Flag.objects.visible_to(user).filter(cleared_at__gte=start, cleared_at__lte=now).count()


def describe_flags(flags: Sequence[Flag], now: dt.datetime) -> list[Item]:
    by_pk = Flag.objects.filter(pk__in=[f.pk for f in flags]).in_bulk()
    return [
        Item(
            pk=f.pk,
            title=f"{rule_label(f.rule)} · {f.title}",
            url=reverse("flags:flag_list") + f"?rule={f.rule}#flag-{f.pk}",
            deadline=None,
            places={"district": f.district_id, "street": f.street_id, "community": f.community_id},
            unit=f.place_name,
            detail=_("%(n)s 项") % {"n": f.item_count},
        )
        for f in (by_pk[x.pk] for x in flags if x.pk in by_pk)
    ]


def figures() -> list[Figure | Stat]:
    flags = reverse("flags:flag_list")
    return [
        Figure(
            "flags_under",
            _("履职不力预警（项）"),
            open_under,
            FLAG_PLACES,
            describe_flags,
            url=f"{flags}?kind={FlagKind.UNDER}&state={FlagState.OPEN}",
            snapshot=True,
        ),
        Figure(
            "flags_over",
            _("层层加码、一刀切预警（项）"),
            open_over,
            FLAG_PLACES,
            describe_flags,
            url=f"{flags}?kind={FlagKind.OVER}&state={FlagState.OPEN}",
            snapshot=True,
        ),
        Stat("flags_cleared_today", _("今日消除（项）"), _cleared_today, url=f"{flags}?state={FlagState.CLEARED}"),
    ]


def trend(user: Any, today: dt.date, days: Sequence[dt.date] | None = None) -> Trend:
    """Flags raised each day and flags cleared each day (a few thousand flags: two grouped reads)."""
    days = list(days) if days else trend_days(today)
    start = local_midnight(days[0])
    rows = list(Flag.objects.visible_to(user).filter(raised_at__gte=start).values_list("raised_at", "cleared_at"))
    rows += list(Flag.objects.visible_to(user).filter(raised_at__lt=start, cleared_at__gte=start).values_list("raised_at", "cleared_at"))
    raised, cleared = [], []
    for d in days:
        a, b = local_midnight(d), local_midnight(d + dt.timedelta(days=1))
        raised.append(sum(1 for r, _c in rows if a <= r < b))
        cleared.append(sum(1 for _r, c in rows if c is not None and a <= c < b))
    return Trend(days, [(str(_("新发预警（项）")), raised), (str(_("消除（项）")), cleared)])
