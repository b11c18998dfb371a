"""督导's row of the 三快一严 board (fangkong.core.board): rectifications open, overdue (not fixed by
their deadline: the owners ranked), and today's missing inspection rounds. Reads only; scoped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.core.board import Figure, Item, Trend, counts_by_local_day, per_drawing, trend_days, user_name

from .choices import AWAITING_FIX
from .models import Assignment, Rectification
from .scope import rectifications_visible
from .selectors import MissingRound, missing_rounds, open_rectifications, overdue_rectifications, rounds_for

PLACES = {"district": "district_id", "street": "street_id", "community": "community_id"}


def describe_rectifications(rows: Sequence[Rectification], now: dt.datetime) -> list[Item]:
    by_pk = Rectification.objects.filter(pk__in=[r.pk for r in rows]).select_related("owner", "inspection__assignment").in_bulk()
    return [
        Item(
            pk=r.pk,
            title=f"{r.inspection.assignment.place_name} · {r.finding[:30]}",
            url=reverse("supervision:rectification_detail", args=[r.pk]),
            deadline=r.deadline,
            places={"district": r.district_id, "street": r.street_id, "community": r.community_id},
            unit=r.owner_unit,
            person=user_name(r.owner),
            detail=r.get_status_display(),
        )
        for r in (by_pk[x.pk] for x in rows if x.pk in by_pk)
    ]


@per_drawing
def _missing(user: Any, now: dt.datetime) -> list[MissingRound]:
    return missing_rounds(user=user, day=timezone.localtime(now).date(), now=now)


def with_missing_rounds(user: Any, now: dt.datetime) -> QuerySet[Assignment]:
    return Assignment.objects.filter(pk__in={m.assignment.pk for m in _missing(user, now)})


def missing_deadlines(user: Any, now: dt.datetime) -> list[tuple]:
    """(pk, district, street, community, the end of its first missing round's window)."""
    first: dict[int, MissingRound] = {}
    for m in _missing(user, now):
        first.setdefault(m.assignment.pk, m)
    return [(pk, m.assignment.district_id, m.assignment.street_id, m.assignment.community_id, m.ends_at) for pk, m in first.items()]


def describe_assignments(rows: Sequence[Assignment], now: dt.datetime) -> list[Item]:
    by_pk = Assignment.objects.filter(pk__in=[a.pk for a in rows]).select_related("team").in_bulk()
    assignments = [by_pk[x.pk] for x in rows if x.pk in by_pk]
    out = []
    for r in rounds_for(assignments, day=timezone.localtime(now).date(), now=now):
        a = r.assignment
        missed = "、".join(str(m.number) for m in r.missing)
        out.append(
            Item(
                pk=a.pk,
                title=f"{a.get_place_kind_display()} · {a.place_name}",
                url=reverse("supervision:assignment_detail", args=[a.pk]),
                deadline=r.missing[0].ends_at if r.missing else None,
                places={"district": a.district_id, "street": a.street_id, "community": a.community_id},
                unit=a.team.name,
                detail=gettext("第 %(n)s 轮未检查（每日 %(r)s 轮）") % {"n": missed, "r": r.rounds} if missed else "",
            )
        )
    return out


def figures() -> list[Figure]:
    rects = reverse("supervision:rectification_list")
    return [
        Figure("rectifications_open", _("未销号整改（条）"), open_rectifications, PLACES, describe_rectifications, url=rects),
        Figure(
            "rectifications_overdue",
            _("逾期未整改（条）"),
            overdue_rectifications,
            PLACES,
            describe_rectifications,
            late=True,
            deadline="deadline",
            url=rects + "?status=overdue",
        ),
        Figure(
            "rounds_missing",
            _("今日缺督导轮次（个点位）"),
            with_missing_rounds,
            PLACES,
            describe_assignments,
            late=True,
            deadlines=missing_deadlines,
            url=reverse("supervision:home"),
        ),
    ]


def trend(user: Any, today: dt.date) -> Trend:
    days = trend_days(today)
    qs = rectifications_visible(user)
    found = counts_by_local_day(qs, "inspection__inspected_at", days, n=Count("id"))
    late = counts_by_local_day(qs, "deadline", days, n=Count("id", filter=Q(status__in=AWAITING_FIX)))
    return Trend(days, [(str(_("发现问题（条）")), found["n"]), (str(_("到期未整改（条）")), late["n"])])
