"""An episode from identification to a room: open (with its same-day deadline), transfer, check in
(with the regimen of the active policy), room changes, cancellation.

Room assignment is the one place two people can race: it locks the episode, then the room
(SELECT … FOR UPDATE, always in that order), then counts who is in the room, so two check-ins to
the last bed of a room — or of two strangers to one empty room — cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import aware, not_before, not_in_future, now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.rows import RowsRefused
from fangkong.geo.models import Community, Person
from fangkong.policy.regimen import deadline_after
from fangkong.policy.rules import rule

from .. import events
from ..choices import EPISODE_INITIAL, EPISODE_OPEN, EpisodeKind, EpisodeStatus, StayEnd
from ..models import InboundArrival, IsolationEpisode, IsolationSite, Room, RoomStay
from ..permissions import IsolationCap
from .checkin import EPISODE_SCOPE, BulkCheckIn, episodes_check_in_bulk
from .common import end_episode, end_stay, lock_episode, require_episode, require_site, set_status
from .regimen import regimen_plan, schedule
from .rooms import ONE_OPEN_STAY, SITE_ASSIGNMENT, room_problem

ONE_OPEN_EPISODE = "isolation.one_open_episode"
SECONDARY_TRACED = "secondary_contact.traced"

DEADLINE_KEY = {
    EpisodeKind.CLOSE_CONTACT: "contact.isolation_deadline",
    EpisodeKind.OTHER: "contact.isolation_deadline",
    EpisodeKind.INBOUND: "inbound.isolation_deadline",
}


def default_party(person: Person) -> str:
    """People of one household may share a room; anyone else is a party of one."""
    return f"household:{person.household_id}" if person.household_id else f"person:{person.pk}"


def _places_of(person: Person, community: Community | None) -> dict[str, int | None]:
    """The places the episode is scoped to: the person's own, or (inbound) the destination's."""
    if community is None:
        return {f"{k}_id": getattr(person, f"{k}_id") for k in ("district", "street", "community", "grid", "household")}
    same = person.community_id == community.pk
    return {
        "district_id": community.district_id,
        "street_id": community.street_id,
        "community_id": community.pk,
        "grid_id": person.grid_id if same else None,
        "household_id": person.household_id if same else None,
    }


def _refuse_if_open(person: Person) -> None:
    existing = IsolationEpisode.objects.select_related("site").filter(person=person, status__in=EPISODE_OPEN).first()
    if existing is not None:
        where = f"（{existing.site.name}）" if existing.site else ""
        raise DomainError(
            _("%(name)s 已有进行中的隔离记录：%(status)s%(where)s")
            % {"name": person.name, "status": existing.get_status_display(), "where": where},
            rule=ONE_OPEN_EPISODE,
        )


def refuse_second_quarantine(person: Person, at: dt.datetime) -> None:
    """An inbound traveller released at the first entry point is not quarantined again at the
    destination when the policy says so (inbound.second_quarantine_at_destination = false)."""
    arrival = (
        InboundArrival.objects.select_related("episode")
        .filter(person=person, second_quarantine_at_destination=False)
        .exclude(episode__status__in=(EpisodeStatus.CANCELLED, EpisodeStatus.TURNED_POSITIVE))
        .order_by("-arrived_at")
        .first()
    )
    if arrival is None:
        return
    ep = arrival.episode
    until = ep.home_until or ep.central_until
    if ep.status in EPISODE_OPEN or (until is not None and until > at):
        raise DomainError(
            _("%(name)s 已在第一入境点（%(port)s）完成或正在进行集中隔离，目的地不得重复隔离")
            % {"name": person.name, "port": arrival.port_of_entry},
            rule="inbound.second_quarantine_at_destination",
            source=arrival.second_quarantine_rule,
        )


def secondary_not_traced() -> DomainError | None:
    """The refusal of every secondary contact (次密接) while the active policy does not trace them, naming
    the policy in words and citing the rule (its 依据); None while it does. Checked again when a form
    opened before a policy switch is submitted."""
    traced = rule(SECONDARY_TRACED)
    if traced.value:
        return None
    return DomainError(
        _("现行政策“%(p)s”不再判定次密接，不能登记次密接") % {"p": traced.profile_name}, rule=traced.key, source=traced.citation
    )


def open_episode(
    *,
    actor: Any,
    person: Person,
    kind: str,
    at: dt.datetime,
    source: str = "",
    party: str = "",
    site: IsolationSite | None = None,
    destination: Community | None = None,
) -> IsolationEpisode:
    """Open an episode (no permission check: for the services of this app). Call inside a transaction."""
    if kind not in EpisodeKind.values:
        raise DomainError(_("隔离类别无效"), field="kind")
    if kind == EpisodeKind.SECONDARY_CONTACT and (refusal := secondary_not_traced()) is not None:
        raise refusal
    _refuse_if_open(person)
    episode = IsolationEpisode(
        person=person,
        kind=kind,
        source=source[:200],
        status=EPISODE_INITIAL[kind],
        party=(party or default_party(person))[:48],
        identified_at=at,
        site=site,
        opened_by=actor if getattr(actor, "is_authenticated", False) else None,
        **_places_of(person, destination),
    )
    if kind in DEADLINE_KEY:
        r = rule(DEADLINE_KEY[kind])
        episode.isolate_by = deadline_after(r.value, at)
        episode.isolate_by_rule = r.citation
    try:
        with transaction.atomic():
            episode.save()
    except IntegrityError as exc:  # a concurrent open for the same person won the race
        raise DomainError(_("%(name)s 已有进行中的隔离记录") % {"name": person.name}, rule=ONE_OPEN_EPISODE) from exc
    if episode.status == EpisodeStatus.HOME_ISOLATION:
        # A home-only regimen (secondary contacts) starts at once.
        schedule(episode, regimen_plan(kind), at)
        episode.home_started_at = at
        episode.save()
    audit_record(
        actor=actor,
        event_type=events.EPISODE_OPENED,
        obj=episode,
        after={
            "person": person.pk,
            "kind": kind,
            "status": episode.status,
            "isolate_by": episode.isolate_by,
            "rule": episode.isolate_by_rule or episode.regimen_rules,
            "source": source,
        },
    )
    return episode


@transaction.atomic
def episode_open(
    *,
    actor: Any,
    person: Person,
    kind: str,
    identified_at: dt.datetime | None = None,
    source: str = "",
    party: str = "",
) -> IsolationEpisode:
    """Register a person to be isolated, with the deadline the policy sets (密接: the same day, 日清日结).

    A person has one open episode at a time; a secondary contact only where the policy traces them
    (isolated at home at once); an inbound traveller released at the entry point is not quarantined
    again where the policy forbids it."""
    require(actor, IsolationCap.MANAGE)
    if not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        raise PermissionRefused(_("该人员不在您的管辖范围内"), rule="isolation.person_scope")
    at = aware(identified_at)
    if kind == EpisodeKind.INBOUND:
        refuse_second_quarantine(person, at)
    return open_episode(actor=actor, person=person, kind=kind, at=at, source=source, party=party)


@transaction.atomic
def episode_transit(*, actor: Any, episode: IsolationEpisode, site: IsolationSite, at: dt.datetime | None = None) -> IsolationEpisode:
    """The transfer team sets off with the person to `site` (点对点)."""
    require(actor, IsolationCap.MANAGE)
    require_episode(actor, episode)
    at = aware(at)
    not_in_future(at, field="at", label=_("转运出发时间"))
    episode = lock_episode(episode)
    if not site.is_active:
        raise DomainError(_("隔离点“%(s)s”已停用") % {"s": site.name}, field="site")
    not_before(at, episode.identified_at, field="at", label=_("转运出发时间"), earlier_label=_("判定时间"))
    before = set_status(episode, EpisodeStatus.IN_TRANSIT, _("转运"))
    episode.site = site
    episode.transit_started_at = at
    episode.save(update_fields=["status", "site", "transit_started_at", "updated_at"])
    audit_record(
        actor=actor,
        event_type=events.TRANSFER_STARTED,
        obj=episode,
        before={"status": before},
        after={"status": episode.status, "site": site.pk},
    )
    return episode


def _assign(*, actor: Any, episode: IsolationEpisode, room: Room, party: str, at: dt.datetime) -> RoomStay:
    """Put the (locked) episode's person in `room`: one party per room, never over capacity."""
    room = Room.objects.select_for_update().select_related("site").get(pk=room.pk)
    occupants = list(RoomStay.objects.filter(room=room, ended_at__isnull=True).values_list("party", flat=True))
    problem = room_problem(number=room.number, capacity=room.capacity, active=room.is_active, occupants=occupants, party=party)
    if problem is not None:
        raise problem.error()
    try:
        with transaction.atomic():
            return RoomStay.objects.create(
                episode=episode,
                room=room,
                person_id=episode.person_id,
                party=party,
                started_at=at,
                assigned_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError as exc:
        raise DomainError(_("该人员已在其他房间入住"), rule=ONE_OPEN_STAY) from exc


@transaction.atomic
def episode_check_in(
    *,
    actor: Any,
    episode: IsolationEpisode,
    room: Room,
    party: str = "",
    at: dt.datetime | None = None,
) -> IsolationEpisode:
    """Check the person in to `room` and start the regimen of the active policy (day 1 = the policy's
    regimen.day_one), scheduling every central and home test with the rule that set it.

    One person is a batch of one: this is `episodes_check_in_bulk` (the site's batch page and the
    API), so both refuse alike by construction — the user must hold the site; unless they are its
    staff, they must also see the person; the time may not be in the future, nor before the
    identification or the transfer's start; the room's rules (services.rooms)."""
    try:
        episodes_check_in_bulk(actor=actor, assignments=[BulkCheckIn(episode.pk, room.pk, party)], at=at)
    except RowsRefused as exc:
        e = exc.errors[0]
        if e.rule == EPISODE_SCOPE:
            raise PermissionRefused(e.message, rule=e.rule) from exc
        raise DomainError(e.message, field=e.field, rule=e.rule) from exc
    return IsolationEpisode.objects.select_related("site").get(pk=episode.pk)


@transaction.atomic
def room_assign(*, actor: Any, episode: IsolationEpisode, room: Room, at: dt.datetime | None = None) -> RoomStay:
    """Move a checked-in person to another room of the same site (the old stay ends as 'moved')."""
    require(actor, IsolationCap.MANAGE)
    require_site(actor, room.site)
    at = aware(at)
    episode = lock_episode(episode)
    if episode.status != EpisodeStatus.CHECKED_IN:
        raise DomainError(
            _("该人员当前为“%(s)s”，不能调换房间") % {"s": episode.get_status_display()}, rule="isolation.episode_transitions"
        )
    if room.site_id != episode.site_id:
        raise DomainError(_("只能在本隔离点内调换房间"), field="room", rule=SITE_ASSIGNMENT)
    old = RoomStay.objects.filter(episode=episode, ended_at__isnull=True).first()
    if old is not None and old.room_id == room.pk:
        raise DomainError(_("该人员已在房间 %(r)s") % {"r": room.number}, field="room")
    end_stay(episode, at=at, reason=StayEnd.MOVED)
    stay = _assign(actor=actor, episode=episode, room=room, party=episode.party, at=at)
    audit_record(
        actor=actor,
        event_type=events.ROOM_ASSIGNED,
        obj=episode,
        before={"room": old.room_id if old else None},
        after={"room": room.pk, "number": room.number, "stay": stay.pk},
    )
    return stay


@transaction.atomic
def episode_cancel(*, actor: Any, episode: IsolationEpisode, reason: str, at: dt.datetime | None = None) -> IsolationEpisode:
    """Withdraw an episode opened in error (e.g. the contact determination was withdrawn)."""
    require(actor, IsolationCap.MANAGE)
    require_episode(actor, episode)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写撤销原因"), field="reason")
    at = aware(at) if at else now()
    episode = lock_episode(episode)
    before = end_episode(episode, to=EpisodeStatus.CANCELLED, at=at, reason=reason, action=_("撤销"))
    end_stay(episode, at=at, reason=StayEnd.CANCELLED)
    episode.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
    audit_record(
        actor=actor,
        event_type=events.EPISODE_CANCELLED,
        obj=episode,
        before={"status": before},
        after={"status": episode.status},
        reason=reason,
    )
    return episode
