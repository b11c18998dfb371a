"""Risk areas on the command's home page (fangkong.core.landing): proposals waiting for a decision
and areas due to lift, both within the user's reach. Due is the lifting clock's (lifting.marked_due:
the board's rule), over the few areas the review marked (`lift_proposed_at`) and from the figures it
stored, so an area whose clock restarted leaves the list. And on the home page of the offices
keeping 4+N rosters: the compounds whose next 24 hours have a duty gap."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.modules import PANEL_ROWS, LandingPanel, LandingRow
from fangkong.core.timefmt import local_minutes

from . import duty
from .choices import AreaStatus, DutyRole
from .lifting import marked_due
from .models import RiskArea


def decisions(user: Any, now: dt.datetime) -> list[LandingPanel]:
    mine = RiskArea.objects.visible_to(user)
    due = [area.pk for area, _status in marked_due(mine, at=now)]
    waiting = mine.filter(Q(status=AreaStatus.PROPOSED) | Q(status=AreaStatus.IN_FORCE, pk__in=due)).order_by(
        "-status", "created_at", "id"
    )  # "proposed" before "in_force": approvals first
    rows = [
        LandingRow(
            text=area.name,
            url=reverse("zoning:area_detail", args=[area.pk]),
            detail=local_minutes(area.created_at if area.status == AreaStatus.PROPOSED else area.lift_proposed_at),
            flag=_("待批准") if area.status == AreaStatus.PROPOSED else _("可解除"),
        )
        for area in waiting[:PANEL_ROWS]
    ]
    return [
        LandingPanel(
            key="zoning-decisions",
            title=_("风险区域待决定"),
            icon="bounding-box",
            count=waiting.count(),
            rows=rows,
            empty=_("没有待批准或待解除的风险区域。"),
            url=reverse("zoning:area_list"),
            url_label=_("风险区域"),
            unit=_("个区域"),
        )
    ]


def duty_gaps(user: Any, now: dt.datetime) -> list[LandingPanel]:
    """The compounds in the user's grants needing a 4+N roster whose next 24 hours have a gap (a night
    without police or militia first), each with how many are on duty now (fangkong.zoning.duty)."""
    board = [row for row in duty.duty_board(user=user, at=now) if row.gaps]
    board.sort(key=lambda row: (not _night_police_gap(row.gaps), not row.sealed, row.compound.pk))
    rows = [
        LandingRow(
            text=row.compound.name,
            url=reverse("zoning:duty_compound", args=[row.compound.pk]),
            detail=_("在岗 %(n)s 人；%(gap)s") % {"n": row.on_duty, "gap": row.gaps[0].label},
            flag=_("夜班无民警") if _night_police_gap(row.gaps) else _("%(n)s 个空档") % {"n": len(row.gaps)},
        )
        for row in board[:PANEL_ROWS]
    ]
    return [
        LandingPanel(
            key="zoning-duty-gaps",
            title=_("4+N 值守空档"),
            icon="person-badge",
            count=len(board),
            rows=rows,
            empty=_("需要值守的小区未来 24 小时四类岗位都有人值守。"),
            url=reverse("zoning:duty_list"),
            url_label=_("4+N 值守"),
            unit=_("个小区"),
        )
    ]


def _night_police_gap(gaps: list[duty.Gap]) -> bool:
    return any(g.night and g.role == DutyRole.POLICE_OR_MILITIA for g in gaps)
