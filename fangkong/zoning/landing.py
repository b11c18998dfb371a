"""Risk areas on the command's home page (fangkong.core.landing): proposals waiting for a decision
and areas the daily review found due to lift (`lift_proposed_at`), both within the user's reach.
Two indexed queries; the lifting clocks themselves are computed by the review, not here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.modules import PANEL_ROWS, LandingPanel, LandingRow
from fangkong.core.timefmt import local_minutes

from .choices import AreaStatus
from .models import RiskArea


def decisions(user: Any, now: dt.datetime) -> list[LandingPanel]:
    waiting = (
        RiskArea.objects.visible_to(user)
        .filter(Q(status=AreaStatus.PROPOSED) | Q(status=AreaStatus.IN_FORCE, lift_proposed_at__isnull=False))
        .order_by("-status", "created_at", "id")  # "proposed" before "in_force": approvals first
    )
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
