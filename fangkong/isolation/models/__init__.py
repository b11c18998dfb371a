"""快隔: isolation sites and their rooms, each person's isolation episode, the regimen, release and handover.

An isolation site (集中隔离点, usually a hotel) has rooms with a type and a capacity, staff, a daily
internal-management checklist (cleaning, disinfection, meals to every occupied room, staff health)
and an incident log.

An isolation episode is one person's way through the loop: identified (a close contact, an inbound
traveller …) with a deadline to be isolated the same day → in transit → checked in to a room → the
regimen of the active policy (central days and test days, then the home phase) → released with every
central test negative → handed over "手递手、点对点" to the receiving community, which confirms it —
until then the person is the site's responsibility → home isolation with its tests and a daily
check → completed. A positive test ends the episode (turned_positive) and hands the person to 快转.

Every deadline is stored on the row when it becomes due (isolate_by, central_until, home_until, each
test's due date), with the policy rule that set it, so the boards are queries. Day N of the regimen
is defined once, in fangkong.policy.regimen.

A room holds one party at a time — a household, or a group that travelled together — never
unrelated people together, and never more than its capacity; `services.room_assign` holds the rule
under a row lock on the room. A person has at most one open episode and at most one open room stay
(partial unique indexes).

Episodes carry the ids of the person's places (PersonPlaces) for scoped, grouped counts, and the
site's id for site staff.

流调 (contact tracing): a Contact is a person 流调 found exposed — a close contact (密接) of a case,
or a secondary contact (次密接) of a close contact where the policy traces them — with one
ContactLink per exposure (the case, or the close contact, how, where and when last). A contact
linked to several cases has several links. Each contact gets an isolation episode the same day;
a contact who turns positive points at the case opened for them, so the chain case → contact →
case stays visible (selectors in tracing.selectors).
"""

from __future__ import annotations

from fangkong.policy.models import RuleCitation  # the platform's; kept importable from here

from .episodes import Handover, HomeCheck, InboundArrival, IsolationEpisode, ReleaseOrder, RoomStay, ScheduledTest
from .sites import IsolationSite, Room, SiteDailyChecklist, SiteIncident, SiteStaff
from .tracing import Contact, ContactLink

__all__ = [
    "Contact",
    "ContactLink",
    "Handover",
    "HomeCheck",
    "InboundArrival",
    "IsolationEpisode",
    "IsolationSite",
    "ReleaseOrder",
    "Room",
    "RoomStay",
    "RuleCitation",
    "ScheduledTest",
    "SiteDailyChecklist",
    "SiteIncident",
    "SiteStaff",
]
