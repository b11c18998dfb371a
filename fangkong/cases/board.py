"""快转's row of the 三快一严 board (fangkong.core.board): the positives awaiting transfer (the transfer
board's rows), those overdue — not admitted by the end of the day of confirmation (policy
transfer.deadline, stored on each transfer) — and the free beds. Reads only; scoped to the user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.board import Figure, Item, Stat, Trend, counts_by_local_day, counts_by_place_on_day, trend_days, user_name
from fangkong.core.scoping import CITY_WIDE
from fangkong.policy.regimen import local_date

from .choices import TransferReason, TransferStatus
from .models import Transfer
from .selectors import facility_occupancy

TRANSFER_PLACES = {"district": "district_id", "street": "street_id", "community": "community_id"}


def awaiting_transfer(user: Any, now: dt.datetime) -> QuerySet[Transfer]:
    """On the transfer board: awaiting a vehicle, or on the way."""
    return Transfer.objects.visible_to(user).in_flight()


def overdue_transfers(user: Any, now: dt.datetime) -> QuerySet[Transfer]:
    """On the board past their deadline (当日转运 not met): TransferQuerySet.overdue, one rule."""
    return Transfer.objects.visible_to(user).overdue(now)


def describe_transfers(transfers: Sequence[Transfer], now: dt.datetime) -> list[Item]:
    related = ("case", "assigned_facility", "dispatched_by", "created_by")
    by_pk = Transfer.objects.filter(pk__in=[t.pk for t in transfers]).select_related(*related).in_bulk()
    out = []
    for t in (by_pk[x.pk] for x in transfers if x.pk in by_pk):
        out.append(
            Item(
                pk=t.pk,
                title=_("病例 #%(case)s · %(cls)s") % {"case": t.case_id, "cls": t.case.get_classification_display()},
                url=reverse("cases:case_detail", args=[t.case_id]),
                deadline=t.deadline_at,
                places={"district": t.district_id, "street": t.street_id, "community": t.community_id},
                unit=t.assigned_facility.name if t.assigned_facility_id else "",
                person=user_name(t.dispatched_by or t.created_by),
                detail=str(t.get_status_display()),
            )
        )
    return out


def _free_beds(user: Any, now: dt.datetime) -> int:
    return sum(max(k.free, 0) for k in facility_occupancy(user=user).by_kind.values())


def figures() -> list[Figure | Stat]:
    board = reverse("cases:board")
    return [
        Figure("awaiting", _("待转运（人）"), awaiting_transfer, TRANSFER_PLACES, describe_transfers, url=board, snapshot=True),
        Figure(
            "transfers_overdue",
            _("超时未收治（人）"),
            overdue_transfers,
            TRANSFER_PLACES,
            describe_transfers,
            late=True,
            deadline="deadline_at",
            url=board + "?overdue=1",
            snapshot=True,
        ),
        # The city's beds: every grant sees every facility (FacilityQuerySet), the same value for all.
        Stat("free_beds", _("空余床位"), _free_beds, url=reverse("cases:facility_list"), shared=True),
    ]


def _trend_rows(user: Any, now: dt.datetime) -> tuple[QuerySet[Transfer], dict[str, Any]]:
    """The first transfers the trend counts by their deadline, and its two counts (due, late)."""
    first = Transfer.objects.visible_to(user).filter(reason=TransferReason.FIRST).exclude(status=TransferStatus.CANCELLED)
    late = Q(case__first_admitted_at__gt=F("deadline_at")) | Q(case__first_admitted_at__isnull=True, deadline_at__lt=now)
    return first, {"due": Count("id"), "late": Count("id", filter=late)}


def trend_today_by_place(now: dt.datetime) -> list[tuple]:
    first, counts = _trend_rows(CITY_WIDE, now)
    return counts_by_place_on_day(first, "deadline_at", local_date(now), **counts)


def trend(user: Any, today: dt.date, days: Sequence[dt.date] | None = None) -> Trend:
    """Positives due for transfer each day (by the first transfer's deadline) and how many were not
    admitted by it."""
    from django.utils import timezone

    days = list(days) if days else trend_days(today)
    first, counts = _trend_rows(user, timezone.now())
    counts = counts_by_local_day(first, "deadline_at", days, **counts)
    return Trend(days, [(str(_("应转运（人）")), counts["due"]), (str(_("超时（人）")), counts["late"])])
