"""The rules of putting someone in a room, one function each, used by every path that does it — one
check-in, a site's batch check-in, a move to another room — so their refusals are the same by
construction. Each returns a problem (field, message, rule) or None; the caller refuses a single
request with it, or collects it for its row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from fangkong.core.errors import DomainError

ONE_OPEN_STAY = "isolation.one_open_stay"
ROOM_ONE_PARTY = "isolation.room_one_party"
ROOM_CAPACITY = "isolation.room_capacity"
SITE_ASSIGNMENT = "isolation.site_assignment"


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    rule: str = ""

    def error(self) -> DomainError:
        return DomainError(self.message, field=self.field, rule=self.rule)


def already_in_a_room(site_name: str, number: str) -> Problem:
    return Problem("episode", _("该人员已在 %(site)s %(room)s 房间隔离，不能重复入住") % {"site": site_name, "room": number}, ONE_OPEN_STAY)


def site_problem(*, sent_to: str | None, site_name: str, site_active: bool) -> Problem | None:
    """The person was sent to another site (`sent_to` names it), or this site is out of service."""
    if sent_to:
        return Problem("room", _("该人员已安排至隔离点“%(s)s”，不能在本隔离点入住") % {"s": sent_to}, SITE_ASSIGNMENT)
    if not site_active:
        return Problem("room", _("隔离点“%(s)s”已停用") % {"s": site_name})
    return None


def room_problem(*, number: str, capacity: int, active: bool, occupants: Sequence[str], party: str) -> Problem | None:
    """One party per room (同户/同行 only), never over its capacity, never a room out of service."""
    if not active:
        return Problem("room", _("房间 %(r)s 暂停使用") % {"r": number})
    if occupants and any(p != party for p in occupants):
        return Problem("room", _("房间 %(r)s 已有其他人员入住，非同户（同行）人员不得混住") % {"r": number}, ROOM_ONE_PARTY)
    if len(occupants) >= capacity:
        return Problem("room", _("房间 %(r)s 已住满（%(n)s 人）") % {"r": number, "n": capacity}, ROOM_CAPACITY)
    return None
