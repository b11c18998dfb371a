"""Shared pieces of the 快隔 services: scope checks, the transition check, row locks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core import transitions
from fangkong.core.errors import PermissionRefused
from fangkong.core.scoping import Jurisdiction, jurisdiction_of

from ..choices import EPISODE_TRANSITIONS, EpisodeStatus
from ..models import IsolationEpisode, IsolationSite, RoomStay
from ..querysets import SITE_GRANT

TRANSITIONS_RULE = "isolation.episode_transitions"


def covers_place(j: Jurisdiction, *, district_id: int | None, street_id: int | None, community_id: int | None) -> bool:
    """True when a grant covers the whole community (its own, its street's, its district's or the city's)."""
    if j.city:
        return True
    return (
        (community_id is not None and community_id in j.covered.get("community", ()))
        or (street_id is not None and street_id in j.covered.get("street", ()))
        or (district_id is not None and district_id in j.covered.get("district", ()))
    )


def sees(actor: Any, person: Any) -> bool:
    """The actor may see the person (their places; `actor` None: the system). A refusal describes
    only such people: a tracer may act on someone from another district by their full number, but a
    refusal tells nothing about people outside the caller's places."""
    if actor is None:
        return True
    ids = {f: getattr(person, f, None) for f in ("district_id", "street_id", "community_id", "grid_id")}
    return jurisdiction_of(actor).covers_place(**ids)


def who(actor: Any, person: Any) -> str:
    """A person as a refusal names them: by name when the actor may see them (`sees`), else only as "该人员"."""
    return person.name if sees(actor, person) else _("该人员")


def require_site(actor: Any, site: IsolationSite) -> None:
    if not IsolationSite.objects.visible_to(actor).filter(pk=site.pk).exists():
        raise PermissionRefused(_("隔离点“%(s)s”不在您的管辖范围内") % {"s": site.name}, rule="isolation.site_scope")


def require_episode(actor: Any, episode: IsolationEpisode) -> None:
    if not IsolationEpisode.objects.visible_to(actor).filter(pk=episode.pk).exists():
        raise PermissionRefused(_("该隔离人员不在您的管辖范围内"), rule="isolation.episode_scope")


def receives_at(actor: Any, site_id: int) -> bool:
    """The actor is the site's staff: they receive whoever is brought to the site (the check-in's own
    rules then refuse a person sent to another site, naming it)."""
    return jurisdiction_of(actor).covers(SITE_GRANT, site_id)


def require_check_in(actor: Any, episode: IsolationEpisode, site: IsolationSite) -> None:
    """The person is the actor's to check in at `site`: the site's staff receive whoever is brought to
    it; anyone else (an office acting for a site it holds) must see the person (their places)."""
    if not receives_at(actor, site.pk):
        require_episode(actor, episode)


def require_community(actor: Any, *, district_id: int | None, street_id: int | None, community_id: int | None, what: str) -> None:
    if community_id is None or not covers_place(
        jurisdiction_of(actor), district_id=district_id, street_id=street_id, community_id=community_id
    ):
        raise PermissionRefused(
            _("只有接收社区（或其所属街道、区县）的工作人员可以%(what)s") % {"what": what}, rule="isolation.receiving_community"
        )


def lock_episode(episode: IsolationEpisode) -> IsolationEpisode:
    """The episode re-read under a row lock: every state change holds it, so two changes never interleave."""
    return IsolationEpisode.objects.select_for_update().get(pk=episode.pk)


def check_transition(episode: IsolationEpisode, to: str, action: str) -> None:
    transitions.check_transition(
        EPISODE_TRANSITIONS, episode.status, to, labels=EpisodeStatus, what=_("该人员"), action=action, rule=TRANSITIONS_RULE
    )


def set_status(episode: IsolationEpisode, to: str, action: str) -> str:
    """Move the (locked) episode to `to` after checking the transition; returns the old status."""
    check_transition(episode, to, action)
    before = episode.status
    episode.status = to
    return before


def open_stay(*, person_id: int) -> RoomStay | None:
    return RoomStay.objects.select_related("room__site").filter(person_id=person_id, ended_at__isnull=True).first()


def end_stay(episode: IsolationEpisode, *, at: dt.datetime, reason: str) -> RoomStay | None:
    stay = RoomStay.objects.select_for_update().filter(episode=episode, ended_at__isnull=True).first()
    if stay is not None:
        stay.ended_at = at
        stay.end_reason = reason
        stay.save(update_fields=["ended_at", "end_reason"])
    return stay


def end_episode(episode: IsolationEpisode, *, to: str, at: dt.datetime, reason: str, action: str) -> str:
    before = set_status(episode, to, action)
    episode.ended_at = at
    episode.end_reason = reason[:200]
    return before


ENDED_STATUSES = (EpisodeStatus.COMPLETED, EpisodeStatus.TURNED_POSITIVE, EpisodeStatus.CANCELLED)
