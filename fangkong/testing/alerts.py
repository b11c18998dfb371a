"""快检's alert rule (fangkong.notifications): tubes past their result deadline at a laboratory,
for the laboratory's users. One event per laboratory, round and the Beijing hour the deadlines
passed in — a batch of 2,000 tubes due at 10:00 is one alert, not 2,000."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Count
from django.db.models.functions import TruncHour
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import Role, roles
from fangkong.notifications.rules import Event, Message, Rule, rules

from .models import LAB_GRANT, Laboratory, TestingRound, Tube

TUBE_OVERDUE = "testing.tube_overdue"


def tubes_overdue(*, since: dt.datetime, until: dt.datetime) -> Iterator[Event]:
    """Tubes whose deadline passed in (since, until] and which have no result yet, by laboratory,
    round and hour (the partial index testing_tube_pending_due serves the filter)."""
    groups = (
        Tube.objects.filter(deadline_at__gt=since, deadline_at__lte=until, resulted_at__isnull=True, laboratory__isnull=False)
        .annotate(hour=TruncHour("deadline_at", tzinfo=timezone.get_default_timezone()))
        .values_list("laboratory_id", "round_id", "hour")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = list(groups)
    labs = dict(Laboratory.objects.filter(pk__in={r[0] for r in rows}).values_list("pk", "name"))
    numbers = dict(TestingRound.objects.filter(pk__in={r[1] for r in rows}).values_list("pk", "number"))
    for lab_id, round_id, hour, n in rows:
        local = timezone.localtime(hour)
        yield Event(
            key=f"lab{lab_id}:round{round_id}:{local:%Y%m%d%H}",
            message=TUBE_OVERDUE,
            at=hour,
            places={LAB_GRANT: lab_id},
            params={"lab": labs.get(lab_id, ""), "round": numbers.get(round_id, ""), "tubes": n, "hour": f"{local:%m-%d %H}:00"},
            url=reverse("testing:deadline_board", args=[round_id]),
        )


def register() -> None:
    rules.register(
        Rule(
            key=TUBE_OVERDUE,
            label=_("本机构检测管超时未出结果"),
            roles=roles(Role.LABORATORY),
            levels=(LAB_GRANT,),
            find="fangkong.testing.alerts.tubes_overdue",
            messages=(
                Message(
                    TUBE_OVERDUE,
                    _("检测管超时未出结果"),
                    _("%(lab)s：第 %(round)s 轮有 %(tubes)s 管自 %(hour)s 起超过出结果时限，仍无结果。"),
                ),
            ),
            order=20,
        )
    )
