"""The system's flags as alerts (fangkong.notifications): a flag raised in my places, for the office
that answers for it — the street and community offices of its place, the district office and the
command — and for supervisors. The words name the rule and the place, never a person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import Role, roles
from fangkong.notifications.rules import Event, Message, Rule, rules

from .choices import FlagKind, FlagRuleCode
from .models import Flag
from .permissions import FlagsCap

FLAG_RAISED = "flags.flag_raised"


def flags_raised(*, since: dt.datetime, until: dt.datetime) -> Iterator[Event]:
    """Flags raised in (since, until]: one event per flag (a flag raised again after clearing is a new one)."""
    rows = Flag.objects.filter(raised_at__gt=since, raised_at__lte=until).values(
        "pk", "rule", "kind", "title", "place_name", "item_count", "raised_at", "district_id", "street_id", "community_id"
    )
    url = reverse("flags:flag_list")
    for row in rows:
        yield Event(
            key=f"flag:{row['pk']}",
            message=FLAG_RAISED,
            at=row["raised_at"],
            places={"district": row["district_id"], "street": row["street_id"], "community": row["community_id"]},
            params={"rule": row["rule"], "kind": row["kind"], "place": row["place_name"] or row["title"], "n": row["item_count"]},
            url=f"{url}?rule={row['rule']}#flag-{row['pk']}",
        )


def register() -> None:
    rules.register(
        Rule(
            key=FLAG_RAISED,
            label=_("系统预警：履职不力、层层加码、一刀切"),
            roles=roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE, Role.STREET_OFFICE, Role.COMMUNITY_WORKER, Role.SUPERVISOR),
            levels=("city", "district", "street", "community"),
            capability=FlagsCap.VIEW,
            find="fangkong.flags.alerts.flags_raised",
            messages=(
                Message(
                    FLAG_RAISED,
                    _("系统预警"),
                    _("%(place)s：%(rule)s（%(kind)s），%(n)s 项。"),
                    labels={"kind": FlagKind, "rule": FlagRuleCode},
                ),
            ),
            order=60,
        )
    )
