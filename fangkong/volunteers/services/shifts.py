"""Shifts: a volunteer signs up for a need (from their own page) or a coordinator assigns one; they
check in and out on their phone by scanning the point's QR code; the minutes served are counted at
check-out; a coordinator records the no-shows once a shift is over.

Refused, naming the field, nothing written: a volunteer not approved, a field task for one not
cleared for field work or blocked that day (fitness.py), a need already full, a skill missing, a
shift overlapping one the volunteer already holds, more than MAX_DAY of shifts on one day; a
check-in far outside the shift's window (CHECK_IN_EARLY before its start … its end), a second open
check-in, a check-out before check-in, an expired or forged code.

The check-in is one short transaction (the morning rush at sampling points): the volunteer's row
locked (a double tap waits and then finds the first one done), their shift at the point read by an
index, one update and one audit row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.timefmt import local_minutes
from fangkong.policy.regimen import local_date, local_midnight

from ..choices import HOLDING, AssignmentStatus, Skill, VolunteerStatus
from ..events import VolunteersEvent
from ..fitness import FIELD_WORK_RULE, field_work_block
from ..models import Assignment, Need, Volunteer
from ..permissions import VolunteersCap
from ..tokens import point_from_code
from .common import within

CHECK_IN_EARLY = dt.timedelta(minutes=60)  # a check-in from an hour before the shift to its end
CHECK_OUT_LATE = dt.timedelta(hours=4)  # a check-out until four hours after its end
MAX_DAY = dt.timedelta(hours=12)  # shifts of one volunteer on one Beijing day
OVERLAP_RULE = "volunteers.shift_overlap"
WINDOW_RULE = "volunteers.check_in_window"


def span(a: dt.datetime, b: dt.datetime) -> str:
    la, lb = timezone.localtime(a), timezone.localtime(b)
    return f"{la:%m-%d %H:%M}–{lb:%H:%M}" if la.date() == lb.date() else f"{la:%m-%d %H:%M}–{lb:%m-%d %H:%M}"


def _check_fits(volunteer: Volunteer, need: Need, *, actor: Any = None) -> None:
    if volunteer.status != VolunteerStatus.APPROVED:
        raise DomainError(_("%(v)s 尚未获批准，不能参加服务") % {"v": volunteer.name}, field="volunteer")
    if need.task_type.field_work:
        if not volunteer.field_work:
            raise DomainError(
                _("“%(t)s”是一线工作，%(v)s 只获批从事非一线工作") % {"t": need.task_type.name, "v": volunteer.name},
                field="volunteer",
                rule=FIELD_WORK_RULE,
            )
        reason = field_work_block(volunteer, need.starts_at, user=actor)  # the status only to whom may see it
        if reason:
            raise DomainError(
                _("%(v)s 当天不能从事一线工作：%(r)s") % {"v": volunteer.name, "r": reason}, field="volunteer", rule=FIELD_WORK_RULE
            )
    if need.skill and need.skill not in volunteer.skill_codes:
        raise DomainError(_("该班次需要技能：%(s)s") % {"s": Skill(need.skill).label}, field="volunteer")
    if need.ends_at <= now():
        raise DomainError(_("该班次已结束"), field="need")
    held = Assignment.objects.filter(volunteer=volunteer, status__in=HOLDING)
    clash = held.filter(starts_at__lt=need.ends_at, ends_at__gt=need.starts_at).select_related("point").first()
    if clash is not None:
        raise DomainError(
            _("%(v)s 在 %(s)s 已有班次（%(p)s），同一人的班次不能重叠")
            % {"v": volunteer.name, "s": span(clash.starts_at, clash.ends_at), "p": clash.point.name},
            field="need",
            rule=OVERLAP_RULE,
        )
    day_start = local_midnight(local_date(need.starts_at))
    same_day = held.filter(starts_at__gte=day_start, starts_at__lt=day_start + dt.timedelta(days=1)).values_list("starts_at", "ends_at")
    total = sum((b - a for a, b in same_day), dt.timedelta()) + (need.ends_at - need.starts_at)
    if total > MAX_DAY:
        raise DomainError(_("%(v)s 当天班次合计将超过 12 小时") % {"v": volunteer.name}, field="need")
    if Assignment.objects.filter(need=need, status__in=HOLDING).count() >= need.headcount:
        raise DomainError(_("该班次已满（%(n)s 人）") % {"n": need.headcount}, field="need")


def _take(volunteer: Volunteer, need: Need, status: str, *, actor: Any = None) -> Assignment:
    # The need's row is locked: two volunteers taking its last place one after the other, not both.
    need = Need.objects.select_for_update().select_related("task_type", "point").get(pk=need.pk)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if Assignment.objects.filter(need=need, volunteer=volunteer).exists():
        raise DomainError(_("%(v)s 已在该班次中") % {"v": volunteer.name}, field="need")
    _check_fits(volunteer, need, actor=actor)
    return Assignment.objects.create(
        need=need,
        volunteer=volunteer,
        status=status,
        starts_at=need.starts_at,
        ends_at=need.ends_at,
        point_id=need.point_id,
        organisation_id=volunteer.organisation_id or need.organisation_id,
        district_id=need.district_id,
        street_id=need.street_id,
        community_id=need.community_id,
    )


@transaction.atomic
def shift_sign_up(*, volunteer: Volunteer, need: Need) -> Assignment:
    """The volunteer takes a place on a need's shift, from their own page."""
    assignment = _take(volunteer, need, AssignmentStatus.SIGNED_UP)
    audit_record(actor=None, event_type=VolunteersEvent.SIGNED_UP, obj=assignment, object_repr=str(need), after={"need": need.pk})
    return assignment


@transaction.atomic
def shift_assign(*, actor: Any, volunteer: Volunteer, need: Need) -> Assignment:
    """The coordinator puts a volunteer of their reach on a need of their reach."""
    require(actor, VolunteersCap.MANAGE)
    within(actor, volunteer, field="volunteer")
    within(actor, need, field="need")
    assignment = _take(volunteer, need, AssignmentStatus.ASSIGNED, actor=actor)
    audit_record(actor=actor, event_type=VolunteersEvent.ASSIGNED, obj=assignment, object_repr=str(need), after={"need": need.pk})
    return assignment


@transaction.atomic
def check_in(*, volunteer: Volunteer, code: str) -> Assignment:
    """Check in at the point whose code was scanned, for the volunteer's shift there under way."""
    point_id = point_from_code(code)
    at = now()
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    # One read for both questions (the rush's cost is its queries): the volunteer's shifts that can
    # still be checked out of or into now. Open: checked in and still able to check out — one left
    # open past its check-out time (a volunteer who forgot) no longer stands in the way; it stays
    # without minutes for the coordinator to see. A checked-in shift started at most CHECK_IN_EARLY
    # after now, so the bound on starts_at leaves none out.
    current = list(
        Assignment.objects.filter(
            volunteer=volunteer,
            status__in=(AssignmentStatus.CHECKED_IN, AssignmentStatus.SIGNED_UP, AssignmentStatus.ASSIGNED),
            starts_at__lte=at + CHECK_IN_EARLY,
            ends_at__gte=at - CHECK_OUT_LATE,
        )
        .select_related("point")
        .order_by("starts_at", "id")
    )
    open_one = next((a for a in current if a.status == AssignmentStatus.CHECKED_IN), None)
    if open_one is not None:
        raise DomainError(
            _("您已于 %(t)s 在“%(p)s”签到，尚未签退；请先签退") % {"t": local_minutes(open_one.checked_in_at), "p": open_one.point.name},
            field="code",
        )
    shift = next((a for a in current if a.point_id == point_id), None)  # the earliest signed-up or assigned one here
    if shift is None or not (shift.starts_at - CHECK_IN_EARLY <= at <= shift.ends_at):
        raise DomainError(
            _("现在（%(now)s）不在您在本服务点的班次签到时间内：可在班次开始前 1 小时至班次结束前签到") % {"now": local_minutes(at)},
            field="code",
            rule=WINDOW_RULE,
        )
    shift.status = AssignmentStatus.CHECKED_IN
    shift.checked_in_at = at
    shift.save(update_fields=["status", "checked_in_at"])
    audit_record(actor=None, event_type=VolunteersEvent.CHECKED_IN, obj=shift, object_repr=f"#{shift.pk}", after={"at": at})
    return shift


def served_minutes(checked_in_at: dt.datetime, checked_out_at: dt.datetime) -> int:
    """Service time: from check-in to check-out, in whole minutes."""
    return max(0, int((checked_out_at - checked_in_at).total_seconds() // 60))


@transaction.atomic
def check_out(*, volunteer: Volunteer, code: str) -> Assignment:
    """Check out at the point whose code was scanned; the minutes served are counted."""
    point_id = point_from_code(code)
    at = now()
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    shift = (
        Assignment.objects.select_for_update()
        .filter(volunteer=volunteer, point_id=point_id, status=AssignmentStatus.CHECKED_IN)
        .order_by("-checked_in_at")
        .first()
    )
    if shift is None:
        raise DomainError(_("您在本服务点没有已签到的班次，请先签到"), field="code")
    if at > shift.ends_at + CHECK_OUT_LATE:
        raise DomainError(_("已超过签退时间（班次结束后 4 小时），请联系协调员补录"), field="code", rule=WINDOW_RULE)
    shift.status = AssignmentStatus.DONE
    shift.checked_out_at = at
    shift.minutes = served_minutes(shift.checked_in_at, at)
    shift.save(update_fields=["status", "checked_out_at", "minutes"])
    audit_record(
        actor=None, event_type=VolunteersEvent.CHECKED_OUT, obj=shift, object_repr=f"#{shift.pk}", after={"minutes": shift.minutes}
    )
    return shift


@transaction.atomic
def no_shows_record(*, actor: Any, need: Need) -> int:
    """Once the need's shift is over, those signed up or assigned who never checked in are no-shows."""
    require(actor, VolunteersCap.MANAGE)
    within(actor, need, field="need")
    if need.ends_at > now():
        raise DomainError(_("班次结束后才能记录未到岗"), field="need")
    count = (
        Assignment.objects.filter(need=need, status__in=(AssignmentStatus.SIGNED_UP, AssignmentStatus.ASSIGNED))
        .filter(~Q(checked_in_at__isnull=False))
        .update(status=AssignmentStatus.NO_SHOW)
    )
    audit_record(actor=actor, event_type=VolunteersEvent.NO_SHOWS, obj=need, count=count)
    return count
