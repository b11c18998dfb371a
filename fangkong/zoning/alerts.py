"""严管's alert rule (fangkong.notifications): a risk area due to lift (the lifting review found its
rule met: `lift_proposed_at`) and one still in force `risk.lift_overdue_days` days later (长时间不解封),
for the command. One event per area and clock: a new clock (a new positive) makes a new event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import Role, roles
from fangkong.notifications.rules import Event, Message, Rule, rules

from .choices import AreaClass, AreaStatus
from .models import RiskArea
from .rules import overdue_after

AREA_LIFT = "zoning.area_lift"
AREA_DUE = "zoning.area_due_to_lift"
AREA_OVERDUE = "zoning.area_lift_overdue"


def overdue_moment(proposed_at: dt.datetime, grace_days: int) -> dt.datetime:
    """The start (Beijing midnight) of the day the area becomes overdue: `grace_days` (at least 1)
    after the day the review found it due."""
    day = timezone.localtime(proposed_at).date() + dt.timedelta(days=max(1, grace_days))
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_default_timezone())


def areas_due_to_lift(*, since: dt.datetime, until: dt.datetime) -> Iterator[Event]:
    grace = int(overdue_after().value or 0)
    areas = RiskArea.objects.filter(status=AreaStatus.IN_FORCE, lift_proposed_at__isnull=False, lift_proposed_at__lte=until).values(
        "pk", "name", "area_class", "district_id", "street_id", "community_id", "lift_proposed_at"
    )
    for area in areas:
        proposed = area["lift_proposed_at"]
        places = {"district": area["district_id"], "street": area["street_id"], "community": area["community_id"]}
        url = reverse("zoning:area_detail", args=[area["pk"]])
        params = {"area": area["name"], "area_class": area["area_class"], "days": max(1, grace)}
        clock = f"{proposed:%Y%m%d%H%M%S}"
        if since < proposed:
            yield Event(f"area:{area['pk']}:due:{clock}", AREA_DUE, proposed, places, params, url)
        overdue = overdue_moment(proposed, grace)
        if since < overdue <= until:
            yield Event(f"area:{area['pk']}:overdue:{clock}", AREA_OVERDUE, overdue, places, params, url)


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
