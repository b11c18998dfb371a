"""快转's alert rules (fangkong.notifications): a positive in my community (快检's positives as they
are recorded, and the cases opened by hand, by a hospital's report or during isolation) for the
community's workers and the grid's worker; a transfer past its deadline (当日转运) for the district
office and the command. The words name the community and where the positive was found — never the person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import Role, roles
from fangkong.geo.models import Community
from fangkong.notifications.rules import Event, Message, Rule, rules
from fangkong.testing.selectors import positives_recorded
from fangkong.zoning.choices import FoundIn

from .choices import TRANSFER_IN_FLIGHT, CaseSource
from .models import Case, Transfer
from .permissions import CasesCap

POSITIVE_IN_COMMUNITY = "cases.positive_in_community"
TRANSFER_OVERDUE = "cases.transfer_overdue"

PLACES = ("district_id", "street_id", "community_id", "grid_id")


def _places(row: dict) -> dict[str, int | None]:
    return {f.removesuffix("_id"): row[f] for f in PLACES}


def _community_names(ids: Iterable[int | None]) -> dict[int, str]:
    return dict(Community.objects.filter(pk__in={i for i in ids if i is not None}).values_list("pk", "name"))


def positives_in_community(*, since: dt.datetime, until: dt.datetime) -> Iterator[Event]:
    positives = positives_recorded(since=since, until=until)
    cases = list(
        Case.objects.filter(created_at__gt=since, created_at__lte=until)
        .exclude(source=CaseSource.QUEUE)  # a case from the queue was notified as 快检's positive
        .values("pk", *PLACES, "found_in", "positive_at")
    )
    names = _community_names([r["community_id"] for r in positives] + [r["community_id"] for r in cases])
    found = (  # (rows, key prefix, when the positive was found, the page the alert opens)
        (positives, "positive", "detected_at", lambda row: reverse("cases:case_list")),
        (cases, "case", "positive_at", lambda row: reverse("cases:case_detail", args=[row["pk"]])),
    )
    for rows, prefix, at, url in found:
        for row in rows:
            yield Event(
                key=f"{prefix}:{row['pk']}",
                message=POSITIVE_IN_COMMUNITY,
                at=row[at],
                places=_places(row),
                params={"community": names.get(row["community_id"], ""), "found_in": row["found_in"]},
                url=url(row),
            )


def transfers_overdue(*, since: dt.datetime, until: dt.datetime) -> Iterator[Event]:
    """Transfers still in flight whose deadline passed in (since, until] (index cases_transfer_board)."""
    rows = list(
        Transfer.objects.filter(status__in=TRANSFER_IN_FLIGHT, deadline_at__gt=since, deadline_at__lte=until).values(
            "pk", "case_id", *PLACES, "deadline_at"
        )
    )
    names = _community_names(r["community_id"] for r in rows)
    for row in rows:
        yield Event(
            key=f"transfer:{row['pk']}",
            message=TRANSFER_OVERDUE,
            at=row["deadline_at"],
            places=_places(row),
            params={"community": names.get(row["community_id"], ""), "deadline": f"{timezone.localtime(row['deadline_at']):%m-%d %H:%M}"},
            url=reverse("cases:case_detail", args=[row["case_id"]]),
        )


def register() -> None:
    rules.register(
        Rule(
            key=POSITIVE_IN_COMMUNITY,
            label=_("本社区（网格）发现阳性"),
            roles=roles(Role.COMMUNITY_WORKER, Role.GRID_WORKER),
            levels=("community", "grid"),
            find="fangkong.cases.alerts.positives_in_community",
            link_needs=(CasesCap.VIEW,),
            messages=(
                Message(
                    POSITIVE_IN_COMMUNITY,
                    _("本社区发现阳性"),
                    _("%(community)s 新增 1 名阳性人员（发现场所：%(found_in)s），请按要求做好流调配合和管控。"),
                    labels={"found_in": FoundIn},
                ),
            ),
            order=10,
        )
    )
    rules.register(
        Rule(
            key=TRANSFER_OVERDUE,
            label=_("辖区内转运超时"),
            roles=roles(Role.DISTRICT_OFFICE, Role.COMMAND_CENTRE),
            levels=("city", "district"),
            find="fangkong.cases.alerts.transfers_overdue",
            link_needs=(CasesCap.VIEW,),
            messages=(
                Message(
                    TRANSFER_OVERDUE,
                    _("转运超时"),
                    _("%(community)s 一名阳性人员的转运已超过时限（%(deadline)s），仍未收治。"),
                ),
            ),
            order=30,
        )
    )
