"""快转's row of the 三快一严 board (fangkong.core.board): the positives awaiting transfer (the transfer
board's rows), those overdue — not admitted by the end of the day of confirmation (policy
transfer.deadline, stored on each transfer) — and the free beds. Reads only; scoped to the user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.board import DeadlineTrend, Figure, Item, Stat, user_name

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


# Positives due for transfer each day (by the first transfer's deadline) and how many were not admitted by it.
TREND = DeadlineTrend(
    rows=lambda user: Transfer.objects.visible_to(user).filter(reason=TransferReason.FIRST).exclude(status=TransferStatus.CANCELLED),
    deadline="deadline_at",
    done="case__first_admitted_at",
    due_label=_("应转运（人）"),
    late_label=_("超时（人）"),
)
trend = TREND.trend
trend_today_by_place = TREND.today_by_place
