"""督导's home-page panels (fangkong.core.landing): for an inspector, today's rounds still to do and
missed, and fixes to verify; for an office, the rectifications it owns still waiting for evidence."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.modules import PANEL_ROWS, LandingPanel, LandingRow
from fangkong.core.timefmt import local_minutes

from .selectors import day_rounds, to_fix, to_verify


def inspector(user: Any, now: dt.datetime) -> list[LandingPanel]:
    rounds = day_rounds(user=user, day=timezone.localtime(now).date(), now=now)
    missing = [m for r in rounds for m in r.missing]
    missing_rows = [
        LandingRow(
            text=f"{m.assignment.get_place_kind_display()} · {m.assignment.place_name}",
            url=reverse("supervision:inspection_new") + f"?assignment={m.assignment.pk}",
            detail=f"{local_minutes(m.starts_at)[-5:]}–{local_minutes(m.ends_at)[-5:]}",
            flag=_("第 %(n)s 轮缺检") % {"n": m.number},
        )
        for m in missing[:PANEL_ROWS]
    ]
    verify = to_verify(user=user)
    verify_rows = [
        LandingRow(
            text=f"{r.owner_unit} · {r.finding[:30]}",
            url=reverse("supervision:rectification_detail", args=[r.pk]),
            detail=local_minutes(r.fixed_at),
            flag=_("待验证"),
        )
        for r in verify[:PANEL_ROWS]
    ]
    return [
        LandingPanel(
            key="supervision-rounds",
            title=_("今日缺失的督导轮次"),
            icon="clipboard-x",
            count=len(missing),
            rows=missing_rows,
            empty=_("今日督导轮次均已按时完成。"),
            url=reverse("supervision:home"),
            url_label=_("督导"),
            unit=_("轮"),
        ),
        LandingPanel(
            key="supervision-verify",
            title=_("待验证的整改"),
            icon="patch-check",
            count=verify.count(),
            rows=verify_rows,
            empty=_("没有待验证的整改。"),
            url=reverse("supervision:rectification_list") + "?status=submitted",
            url_label=_("整改"),
        ),
    ]


def owner(user: Any, now: dt.datetime) -> list[LandingPanel]:
    """Only for those who own a rectification waiting for their evidence (no empty card for the rest)."""
    mine = to_fix(user=user)
    if not mine.exists():
        return []
    rows = [
        LandingRow(
            text=f"{r.inspection.assignment.place_name} · {r.finding[:30]}",
            url=reverse("supervision:rectification_detail", args=[r.pk]),
            detail=local_minutes(r.deadline),
            flag=_("逾期") if r.deadline < now else "",
        )
        for r in mine.select_related("inspection__assignment")[:PANEL_ROWS]
    ]
    return [
        LandingPanel(
            key="supervision-to-fix",
            title=_("我负责的督导整改"),
            icon="tools",
            count=mine.count(),
            rows=rows,
            empty=_("没有待整改的督导问题。"),
            url=reverse("supervision:rectification_list"),
            url_label=_("整改"),
        )
    ]
