"""督导's alert rule (fangkong.notifications): a rectification due soon (DUE_SOON before its
deadline) and one overdue (its deadline passed without the evidence of the fix), for the offices
over the place and the supervisors. One event per rectification and moment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import OFFICES, Role, roles
from fangkong.notifications.rules import Event, Message, Rule, rules

from .choices import AWAITING_FIX
from .models import Rectification
from .permissions import SupervisionCap

RECTIFICATION_DUE = "supervision.rectification_due"
DUE_SOON = "supervision.rectification_due_soon"
OVERDUE = "supervision.rectification_overdue"
DUE_SOON_BEFORE = dt.timedelta(hours=4)


def rectifications_due(*, since: dt.datetime, until: dt.datetime) -> Iterator[Event]:
    rows = (
        Rectification.objects.filter(status__in=AWAITING_FIX, deadline__gt=since, deadline__lte=until + DUE_SOON_BEFORE)
        .select_related("inspection__assignment")
        .order_by("deadline")
    )
    for r in rows:
        places = {"district": r.district_id, "street": r.street_id, "community": r.community_id}
        params = {"place": r.inspection.assignment.place_name, "unit": r.owner_unit}
        url = reverse("supervision:rectification_detail", args=[r.pk])
        clock = f"{r.deadline:%Y%m%d%H%M}"
        soon = r.deadline - DUE_SOON_BEFORE
        if since < soon <= until:
            yield Event(f"rectification:{r.pk}:due:{clock}", DUE_SOON, soon, places, params, url)
        if since < r.deadline <= until:
            yield Event(f"rectification:{r.pk}:overdue:{clock}", OVERDUE, r.deadline, places, params, url)


def register() -> None:
    rules.register(
        Rule(
            key=RECTIFICATION_DUE,
            label=_("督导整改即将到期、逾期"),
            roles=OFFICES | roles(Role.SUPERVISOR),
            levels=("city", "district", "street", "community"),
            find="fangkong.supervision.alerts.rectifications_due",
            messages=(
                Message(DUE_SOON, _("督导整改即将到期"), _("%(place)s 的督导问题由%(unit)s整改，4 小时内到期，请按时提交整改证据。")),
                Message(OVERDUE, _("督导整改逾期"), _("%(place)s 的督导问题已过整改时限，%(unit)s仍未提交整改证据。")),
            ),
            capability=SupervisionCap.VIEW,
            link_needs=(SupervisionCap.VIEW,),
            first_lookback=dt.timedelta(days=1),
            order=60,
        )
    )
