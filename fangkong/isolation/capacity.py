"""Reads of 快隔 for the capacity forecast (fangkong.reports.capacity): close contacts identified
per day, the share of them isolated centrally, the rooms and beds of the isolation sites (capacity
and in use), and how many were in central isolation at past moments (for the back-test). Scoped
to the user: counts cover only the rows inside their grants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from fangkong.core.board import counts_by_local_day

from .choices import EpisodeKind, EpisodeStatus
from .models import IsolationEpisode
from .selectors import site_occupancy


def _contacts(user: Any):
    return IsolationEpisode.objects.covered_by(user).filter(kind=EpisodeKind.CLOSE_CONTACT).exclude(status=EpisodeStatus.CANCELLED)


def contacts_per_day(*, user: Any, days: Sequence[dt.date]) -> list[int]:
    """Close contacts identified on each Beijing day (cancelled ones left out)."""
    return counts_by_local_day(_contacts(user), "identified_at", days, n=Count("id"))["n"]


def central_share(*, user: Any, since: dt.datetime, until: dt.datetime) -> float | None:
    """Of the close contacts identified in [since, until), the share checked in at a site; None when none."""
    qs = _contacts(user).filter(identified_at__gte=since, identified_at__lt=until)
    row = qs.aggregate(n=Count("id"), central=Count("id", filter=Q(checked_in_at__isnull=False)))
    return row["central"] / row["n"] if row["n"] else None


@dataclass(frozen=True)
class Rooms:
    rooms: int  # usable rooms (in service)
    beds: int
    rooms_occupied: int
    people_in: int

    @property
    def people_per_room(self) -> float:
        """People per occupied room now (1 when no room is occupied)."""
        return self.people_in / self.rooms_occupied if self.rooms_occupied else 1.0


def rooms_now(*, user: Any) -> Rooms:
    """Every active site the user sees: rooms in service, beds, occupied rooms and people in."""
    sites = site_occupancy(user=user)
    return Rooms(
        rooms=sum(s.rooms - s.rooms_out_of_service for s in sites),
        beds=sum(s.beds for s in sites),
        rooms_occupied=sum(s.rooms_occupied for s in sites),
        people_in=sum(s.people_in for s in sites),
    )


def in_central_at(*, user: Any, moments: Sequence[dt.datetime]) -> list[int]:
    """For each moment: people checked in at a site and not yet out (released, turned positive, ended)."""
    qs = IsolationEpisode.objects.covered_by(user).exclude(checked_in_at=None).annotate(out_at=Coalesce("released_at", "ended_at"))
    return [qs.filter(Q(checked_in_at__lt=m) & (Q(out_at__isnull=True) | Q(out_at__gte=m))).count() for m in moments]
