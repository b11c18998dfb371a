"""快隔's row of the 三快一严 board (fangkong.core.board): the contacts identified today and isolated
within the day (the day's figures, selectors.figures), those overdue — identified and not in a room by
their deadline (日清日结, EpisodeQuerySet.overdue) — and the releases and handovers due. Reads only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.board import DeadlineTrend, Figure, Item, Stat, per_drawing
from fangkong.core.scoping import CITY_WIDE
from fangkong.policy.regimen import local_date

from . import selectors
from .choices import EpisodeStatus
from .models import Handover, IsolationEpisode
from .tracing.selectors import contact_day_by_place

EPISODE_PLACES = {"district": "district_id", "street": "street_id", "community": "community_id"}
HANDOVER_PLACES = {"district": "to_district_id", "street": "to_street_id", "community": "to_community_id"}


def overdue_episodes(user: Any, now: dt.datetime) -> QuerySet[IsolationEpisode]:
    return IsolationEpisode.objects.visible_to(user).overdue(now)


def releases_due(user: Any, now: dt.datetime) -> QuerySet[IsolationEpisode]:
    return selectors.releases_due(user=user, day=local_date(now)).order_by()


def handovers_pending(user: Any, now: dt.datetime) -> QuerySet[Handover]:
    return selectors.pending_handovers(user=user).order_by()


def describe_episodes(episodes: Sequence[IsolationEpisode], now: dt.datetime) -> list[Item]:
    by_pk = IsolationEpisode.objects.filter(pk__in=[e.pk for e in episodes]).select_related("site").in_bulk()
    out = []
    for e in (by_pk[x.pk] for x in episodes if x.pk in by_pk):
        out.append(
            Item(
                pk=e.pk,
                title=_("隔离 #%(pk)s · %(kind)s") % {"pk": e.pk, "kind": e.get_kind_display()},
                url=reverse("isolation:episode_detail", args=[e.pk]),
                deadline=e.isolate_by if e.status in (EpisodeStatus.AWAITING_TRANSFER, EpisodeStatus.IN_TRANSIT) else e.central_until,
                places={"district": e.district_id, "street": e.street_id, "community": e.community_id},
                unit=e.site.name if e.site_id else "",
                detail=str(e.get_status_display()),
            )
        )
    return out


def describe_handovers(handovers: Sequence[Handover], now: dt.datetime) -> list[Item]:
    by_pk = Handover.objects.filter(pk__in=[h.pk for h in handovers]).select_related("from_site").in_bulk()
    return [
        Item(
            pk=h.pk,
            title=_("交接 #%(pk)s · 隔离 #%(ep)s") % {"pk": h.pk, "ep": h.episode_id},
            url=reverse("isolation:handover_list"),
            deadline=None,
            places={"district": h.to_district_id, "street": h.to_street_id, "community": h.to_community_id},
            unit=h.from_site.name,
            detail=str(h.get_status_display()),
        )
        for h in (by_pk[x.pk] for x in handovers if x.pk in by_pk)
    ]


@per_drawing
def _today(user: Any, now: dt.datetime) -> selectors.Figures:
    """The day's 流调 figures only (the two the board shows), not the whole day's page: the page's
    other 14 reads (rooms in use by site, releases, handovers …) cost ~2 s at 400,000 contacts."""
    return selectors.contact_day_figures(user=user, day=local_date(now), now=now)


@per_drawing
def _today_parts(user: Any, now: dt.datetime) -> list[tuple]:
    """The two figures by the contacts' places, for the whole city (the board's snapshot)."""
    start, end = selectors._day_bounds(local_date(now))
    return contact_day_by_place(start=start, end=end, now=now)


def figures() -> list[Figure | Stat]:
    day_figures = reverse("isolation:figures")
    return [
        Stat(
            "contacts_today",
            _("今日判定密接（人）"),
            lambda user, now: _today(user, now).contacts_identified_total,
            url=day_figures,
            by_place=lambda now: _today_parts(CITY_WIDE, now),
        ),
        Stat(
            "contacts_in_time",
            _("当日隔离（人）"),
            lambda user, now: _today(user, now).contacts_isolated_in_time,
            url=day_figures,
            by_place=lambda now: _today_parts(CITY_WIDE, now),
            combine=lambda ab: ab[1],
        ),
        Figure(
            "isolation_overdue",
            _("超时未隔离（人）"),
            overdue_episodes,
            EPISODE_PLACES,
            describe_episodes,
            late=True,
            deadline="isolate_by",
            url=reverse("isolation:awaiting_board"),
            snapshot=True,
        ),
        Figure("releases_due", _("今日应解除（人）"), releases_due, EPISODE_PLACES, describe_episodes, snapshot=True),
        Figure(
            "handovers_pending",
            _("待交接（人）"),
            handovers_pending,
            HANDOVER_PLACES,
            describe_handovers,
            url=reverse("isolation:handover_list"),
            snapshot=True,
        ),
    ]


# People due to be isolated each day (by their deadline) and how many were not in a room by it.
TREND = DeadlineTrend(
    rows=lambda user: IsolationEpisode.objects.visible_to(user).exclude(status=EpisodeStatus.CANCELLED).exclude(isolate_by=None),
    deadline="isolate_by",
    done="checked_in_at",
    due_label=_("应隔离（人）"),
    late_label=_("超时（人）"),
)
trend = TREND.trend
trend_today_by_place = TREND.today_by_place
