"""快隔 on the home page (fangkong.core.landing): a site's day — its sampling sheet and the releases
due — and a community's or grid's — handovers to confirm (a grid: its people released and coming
home; the community confirms) and home-isolation checks still to do.
Built on the selectors; every read is the user's (visible_to)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.modules import PANEL_ROWS, LandingPanel, LandingRow
from fangkong.core.timefmt import local_minutes
from fangkong.policy.regimen import local_date

from . import selectors


def site_day(user: Any, now: dt.datetime) -> list[LandingPanel]:
    """Each of the user's sites: who is sampled today (补采 flagged); then who is due for release."""
    today = local_date(now)
    panels = []
    for site in selectors.site_list(user=user).order_by("name"):
        sheet = selectors.site_day_sheet(user=user, site=site, day=today)
        url = f"{reverse('isolation:day_sheet', args=[site.pk])}?day={today.isoformat()}"
        rows = [
            LandingRow(
                text=f"{r.room_number or '—'} · {r.episode.person.name}",
                url=url,
                detail=_("第 %(n)s 天") % {"n": r.test.day_number},
                flag=_("补采") if r.is_make_up else "",
            )
            for r in sheet[:PANEL_ROWS]
        ]
        panels.append(
            LandingPanel(
                key=f"day-sheet-{site.pk}",
                title=_("今日采样单 · %(site)s") % {"site": site.name},
                icon="clipboard2-pulse",
                count=len(sheet),
                rows=rows,
                empty=_("今天没有需要采样的隔离人员。"),
                url=url,
                url_label=_("打开采样单"),
            )
        )
    due = selectors.releases_due(user=user, day=today)
    panels.append(
        LandingPanel(
            key="releases-due",
            title=_("今日待解除集中隔离"),
            icon="door-open",
            count=due.count(),
            rows=[
                LandingRow(
                    text=e.person.name,
                    url=reverse("isolation:episode_detail", args=[e.pk]),
                    detail=_("%(site)s · 期满 %(at)s") % {"site": e.site.name if e.site_id else "—", "at": local_minutes(e.central_until)},
                    flag=_("已到期") if e.central_until and e.central_until <= now else "",
                )
                for e in due[:PANEL_ROWS]
            ],
            empty=_("今天没有到期需解除集中隔离的人员。"),
            url=reverse("isolation:episode_list") + "?status=checked_in",
            url_label=_("隔离人员"),
        )
    )
    return panels


def handovers(user: Any, now: dt.datetime) -> list[LandingPanel]:
    """Handovers waiting for the receiving side (a site: its own, released and not yet collected)."""
    pending = selectors.pending_handovers(user=user)
    url = reverse("isolation:handover_list")
    rows = [
        LandingRow(
            text=h.episode.person.name,
            url=url,
            detail=_("%(site)s → %(to)s · 发起 %(at)s")
            % {
                "site": h.from_site.name,
                "to": h.to_community.name if h.to_community_id else (h.to_locality or "—"),
                "at": local_minutes(h.created_at),
            },
        )
        for h in pending[:PANEL_ROWS]
    ]
    return [
        LandingPanel(
            key="handovers",
            title=_("待交接"),
            icon="arrow-left-right",
            count=pending.count(),
            rows=rows,
            empty=_("没有等待交接的人员。"),
            url=url,
            url_label=_("全部待交接"),
        )
    ]


def returning(user: Any, now: dt.datetime) -> list[LandingPanel]:
    """A grid's people released from central isolation: handed over to the community, coming home."""
    episodes = selectors.returning_home(user=user)
    rows = [
        LandingRow(
            text=e.person.name,
            url=reverse("isolation:episode_detail", args=[e.pk]),
            detail=_("%(site)s · 解除 %(at)s") % {"site": e.site.name if e.site_id else "—", "at": local_minutes(e.released_at)},
            flag=e.get_status_display(),
        )
        for e in episodes[:PANEL_ROWS]
    ]
    return [
        LandingPanel(
            key="handovers",
            title=_("交接回本网格"),
            icon="arrow-left-right",
            count=episodes.count(),
            rows=rows,
            empty=_("没有解除集中隔离、等待交接或送返途中的人员。"),
            url=reverse("isolation:home_list"),
            url_label=_("居家隔离名单"),
        )
    ]


def home_checks(user: Any, now: dt.datetime) -> list[LandingPanel]:
    """People in home isolation whose check today is not yet recorded (a test due flagged)."""
    today = local_date(now)
    todo = selectors.home_isolation_list(user=user, day=today).filter(checked_today=False)
    url = reverse("isolation:home_list")
    rows = [
        LandingRow(
            text=e.person.name,
            url=reverse("isolation:episode_detail", args=[e.pk]),
            detail=" · ".join(n for n in (e.community.name if e.community_id else "", e.grid.name if e.grid_id else "") if n),
            flag=_("今日应检") if e.test_due else "",
        )
        for e in todo[:PANEL_ROWS]
    ]
    return [
        LandingPanel(
            key="home-checks",
            title=_("今日居家隔离核查"),
            icon="house-heart",
            count=todo.count(),
            rows=rows,
            empty=_("今天的居家隔离核查都已完成。"),
            url=url,
            url_label=_("居家隔离名单"),
        )
    ]
