"""民生's row of the 三快一严 board (fangkong.core.board): the residents' requests still open and
those past their deadline (the policy's hours for their kind), read through this app's selectors
(`overdue_requests`, the rule of the landing panel and the request list). Each late request names
its community and kind, never the resident; its owner is the community and the pair's member or the
compound's work group. Reads only; scoped to the user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.board import DeadlineTrend, Figure, Item

from .choices import RequestStatus
from .models import SupportRequest
from .selectors import OPEN_STATES, overdue_requests

REQUEST_PLACES = {"district": "district_id", "street": "street_id", "community": "community_id"}


def open_requests(user: Any, now: dt.datetime) -> QuerySet[SupportRequest]:
    """Requests registered and not yet delivered, within the user's grants."""
    return SupportRequest.objects.covered_by(user).filter(status__in=OPEN_STATES, requested_at__lte=now)


def late_requests(user: Any, now: dt.datetime) -> QuerySet[SupportRequest]:
    return overdue_requests(user, at=now)


def describe_requests(requests: Sequence[SupportRequest], now: dt.datetime) -> list[Item]:
    by_pk = (
        SupportRequest.objects.filter(pk__in=[r.pk for r in requests])
        .select_related("member", "group", "community", "deadline_citation")
        .in_bulk()
    )
    out = []
    for r in (by_pk[x.pk] for x in requests if x.pk in by_pk):
        out.append(
            Item(
                pk=r.pk,
                title=f"{r.community.name if r.community_id else ''} · {r.get_kind_display()}",
                url=reverse("livelihood:request_detail", args=[r.pk]),
                deadline=r.due_at if r.due_at < now else None,
                places={"district": r.district_id, "street": r.street_id, "community": r.community_id},
                unit=r.group.name if r.group_id else "",
                person=r.member.name if r.member_id else "",
                detail=r.deadline_basis,
            )
        )
    return out


def figures() -> list[Figure]:
    url = reverse("livelihood:requests")
    return [
        Figure("requests_open", _("待送达需求（件）"), open_requests, REQUEST_PLACES, describe_requests, url=url, snapshot=True),
        Figure(
            "requests_overdue",
            _("超时未送达（件）"),
            late_requests,
            REQUEST_PLACES,
            describe_requests,
            late=True,
            deadline="due_at",
            url=url + "?overdue=1",
            snapshot=True,
        ),
    ]


# Requests due each day (by their deadline) and how many of them were delivered late or not yet.
TREND = DeadlineTrend(
    rows=lambda user: SupportRequest.objects.covered_by(user).exclude(status=RequestStatus.CANCELLED),
    deadline="due_at",
    done="delivered_at",
    due_label=_("应送达（件）"),
    late_label=_("超时（件）"),
)
trend = TREND.trend
trend_today_by_place = TREND.today_by_place
