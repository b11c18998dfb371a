"""Reads of the volunteers module that carry a rule: what a user may see (their places, or the
organisations they are granted), a need's places taken, today's needs short of people, and a
volunteer's own shifts and hours."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from fangkong.policy.regimen import local_date, local_midnight

from .choices import ATTENDED, HOLDING, AssignmentStatus, VolunteerStatus
from .models import Assignment, Need, Organisation, ServicePoint, Volunteer
from .tokens import link_holder


def volunteer_list(*, user: Any, status: str = "", organisation_id: int | None = None, q: str = "") -> QuerySet[Volunteer]:
    qs = Volunteer.objects.visible_to(user).select_related("organisation", "community", "team")
    if status in VolunteerStatus.values:
        qs = qs.filter(status=status)
    if organisation_id:
        qs = qs.filter(organisation_id=organisation_id)
    if q:
        qs = qs.filter(name__startswith=q)
    return qs


def volunteer_by_link(token: str) -> Volunteer | None:
    """The approved volunteer a personal link names (genuine, unexpired, not revoked by a newer link)."""
    holder = link_holder(token)
    if holder is None or not holder[1]:
        return None
    return Volunteer.objects.filter(pk=holder[0], status=VolunteerStatus.APPROVED, link_nonce=holder[1]).first()


def volunteer_get(*, user: Any, pk: int) -> Volunteer:
    return get_object_or_404(Volunteer.objects.visible_to(user).select_related("organisation", "community", "district", "team"), pk=pk)


def organisation_list(*, user: Any) -> QuerySet[Organisation]:
    return (
        Organisation.objects.visible_to(user)
        .select_related("district", "community")
        .annotate(n_volunteers=Count("volunteers", filter=Q(volunteers__status=VolunteerStatus.APPROVED), distinct=True))
        .prefetch_related("teams__leader")
    )


def point_list(*, user: Any) -> QuerySet[ServicePoint]:
    return ServicePoint.objects.visible_to(user).select_related("organisation", "community", "district")


def point_get(*, user: Any, pk: int) -> ServicePoint:
    return get_object_or_404(point_list(user=user), pk=pk)


def with_taken(needs: QuerySet[Need]) -> QuerySet[Need]:
    return needs.annotate(taken=Count("assignments", filter=Q(assignments__status__in=HOLDING)))


def need_get(*, user: Any, pk: int) -> Need:
    return get_object_or_404(with_taken(Need.objects.visible_to(user).select_related("point", "task_type")), pk=pk)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return local_midnight(day), local_midnight(day + dt.timedelta(days=1))


def short_needs(*, user: Any, at: dt.datetime) -> QuerySet[Need]:
    """Today's needs (Beijing day), not over yet, with fewer people than asked."""
    start, end = day_bounds(local_date(at))
    qs = with_taken(Need.objects.visible_to(user).filter(starts_at__gte=start, starts_at__lt=end, ends_at__gt=at))
    return qs.filter(taken__lt=F("headcount")).select_related("point", "task_type").order_by("starts_at", "id")


def open_needs_for(volunteer: Volunteer, *, at: dt.datetime, days: int = 7) -> QuerySet[Need]:
    """Needs a volunteer may sign up for from their page: not yet started, within `days`, not full,
    in the district they live in or of their organisation's points; field work only if cleared."""
    qs = Need.objects.filter(starts_at__gt=at, starts_at__lt=at + dt.timedelta(days=days))
    place = Q(district_id=volunteer.district_id)
    if volunteer.organisation_id:
        place |= Q(organisation_id=volunteer.organisation_id)
    qs = with_taken(qs.filter(place))
    if not volunteer.field_work:
        qs = qs.filter(task_type__field_work=False)
    taken = Assignment.objects.filter(volunteer=volunteer).values("need_id")
    return qs.filter(taken__lt=F("headcount")).exclude(pk__in=taken).select_related("point", "task_type").order_by("starts_at")


@dataclass(frozen=True)
class ServiceRecord:
    shifts: list[Assignment]
    attended: int
    minutes: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def shifts_at_point(volunteer: Volunteer, point_id: int, *, limit: int = 5) -> list[Assignment]:
    """The volunteer's latest shifts at one point (the QR page's list): one query, in the database."""
    qs = Assignment.objects.filter(volunteer=volunteer, point_id=point_id).select_related("need__task_type").order_by("-starts_at")
    return list(qs[:limit])


def service_record(volunteer: Volunteer) -> ServiceRecord:
    shifts = list(Assignment.objects.filter(volunteer=volunteer).select_related("point", "need__task_type").order_by("-starts_at"))
    done = Assignment.objects.filter(volunteer=volunteer, status__in=ATTENDED).aggregate(n=Count("id"), m=Sum("minutes"))
    return ServiceRecord(shifts, done["n"] or 0, done["m"] or 0)


# ---- plan against actual: per service point and Beijing day ----


@dataclass(frozen=True)
class PointDay:
    """One service point's day: the people its needs asked for (published), and of the shifts on
    them how many were signed up or assigned (everyone put on them, no-shows included), checked in
    (came: on duty or done) and recorded as no-shows."""

    point_id: int
    name: str
    community: str
    needs: int
    published: int
    signed_up: int
    checked_in: int
    no_shows: int

    @property
    def short(self) -> int:
        """People still missing against the plan: published less those still expected or who came."""
        return max(self.published - (self.signed_up - self.no_shows), 0)


ATTENDANCE_FIGURES = ("needs", "published", "signed_up", "checked_in", "no_shows", "short")


def point_day_attendance(*, user: Any, day: dt.date, point_id: int | None = None) -> list[PointDay]:
    """Plan against actual for a Beijing day, one row per service point with needs that day, inside
    the user's grants (or only `point_id`'s): two grouped queries (needs by point, shifts by point), no name."""
    start, end = day_bounds(day)
    needs = Need.objects.visible_to(user).filter(starts_at__gte=start, starts_at__lt=end)
    if point_id is not None:
        needs = needs.filter(point_id=point_id)
    plans = {row["point_id"]: row for row in needs.values("point_id").annotate(needs=Count("id"), published=Sum("headcount"))}
    if not plans:
        return []
    shifts = {
        row["point_id"]: row
        for row in Assignment.objects.visible_to(user)
        .filter(starts_at__gte=start, starts_at__lt=end, point_id__in=sorted(plans))
        .values("point_id")
        .annotate(
            signed_up=Count("id"),
            checked_in=Count("id", filter=Q(status__in=ATTENDED)),
            no_shows=Count("id", filter=Q(status=AssignmentStatus.NO_SHOW)),
        )
    }
    points = ServicePoint.objects.filter(pk__in=sorted(plans)).select_related("community").order_by("name", "id")
    rows = []
    for p in points:
        plan, got = plans[p.pk], shifts.get(p.pk, {})
        rows.append(
            PointDay(
                p.pk,
                p.name,
                p.community.name if p.community else "",
                plan["needs"],
                plan["published"] or 0,
                got.get("signed_up", 0),
                got.get("checked_in", 0),
                got.get("no_shows", 0),
            )
        )
    return rows


def attendance_total(rows: list[PointDay]) -> dict[str, int]:
    """The table's 合计 row: each figure summed over the points."""
    return {key: sum(getattr(r, key) for r in rows) for key in ATTENDANCE_FIGURES}
