"""严管's alert rule (fangkong.notifications): a risk area due to lift (the lifting review found its
rule met: `lift_proposed_at`) and one overdue (长时间不解封: still in force `risk.lift_overdue_days`
days after it was due), for the command. Due and overdue are the area's lifting clock
(lifting.marked_due: LiftStatus.due, overdue, overdue_since) — the board's and the flags' rule, so an
area whose clock restarted (a new positive) alerts nobody. One due event per area and clock (a new
clock is proposed again), one overdue event per area and overdue date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import Role, roles
from fangkong.notifications.rules import Event, Message, Rule, rules

from .choices import AreaClass
from .lifting import marked_due
from .models import RiskArea

AREA_LIFT = "zoning.area_lift"
AREA_DUE = "zoning.area_due_to_lift"
AREA_OVERDUE = "zoning.area_lift_overdue"


def areas_due_to_lift(*, since: dt.datetime, until: dt.datetime) -> Iterator[Event]:
    """The areas due at `until` that the review proposed in (since, until], and those overdue at
    `until` that became so in it: their overdue date passed in it — or it had already passed when the
    review found them due (results known late), the event then dated as the board dates it."""
    for area, status in marked_due(RiskArea.objects.all(), at=until):
        proposed = area.lift_proposed_at
        places = {"district": area.district_id, "street": area.street_id, "community": area.community_id}
        url = reverse("zoning:area_detail", args=[area.pk])
        params = {"area": area.name, "area_class": area.area_class, "days": status.overdue_days}
        if since < proposed:
            yield Event(f"area:{area.pk}:due:{proposed:%Y%m%d%H%M%S}", AREA_DUE, proposed, places, params, url)
        overdue = status.overdue_since
        if status.overdue and overdue is not None and since < max(overdue, proposed):
            yield Event(f"area:{area.pk}:overdue:{overdue:%Y%m%d}", AREA_OVERDUE, overdue, places, params, url)


def register() -> None:
    labels = {"area_class": AreaClass}
    rules.register(
        Rule(
            key=AREA_LIFT,
            label=_("风险区域可解除、逾期未解除"),
            roles=roles(Role.COMMAND_CENTRE),
            levels=("city", "district", "street", "community"),
            find="fangkong.zoning.alerts.areas_due_to_lift",
            messages=(
                Message(AREA_DUE, _("风险区域可解除"), _("%(area)s（%(area_class)s）已满足解除条件，请审批解除。"), labels),
                Message(
                    AREA_OVERDUE,
                    _("风险区域逾期未解除"),
                    _("%(area)s（%(area_class)s）满足解除条件已 %(days)s 天仍未解除（长时间不解封）。"),
                    labels,
                ),
            ),
            first_lookback=dt.timedelta(days=1),
            order=40,
        )
    )
