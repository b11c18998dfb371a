"""入境人员: arrival registration, the central regimen at the first entry point (inbound.*: 5+3 under
the 20 measures), then a closed-loop transfer (点对点: charter, rail or coach) to the destination
with a handover record. Whether the destination may quarantine them again is the policy's
`inbound.second_quarantine_at_destination`, fixed on the arrival when it is registered."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import aware, not_in_future
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.geo.models import Community, Person
from fangkong.policy.rules import rule

from .. import events
from ..choices import ArrivalMode, EpisodeKind
from ..models import InboundArrival, IsolationSite
from ..permissions import IsolationCap
from .common import require_site
from .episodes import open_episode, refuse_second_quarantine


@transaction.atomic
def inbound_register(
    *,
    actor: Any,
    person: Person,
    mode: str,
    number: str,
    origin: str,
    port_of_entry: str,
    arrived_at: dt.datetime,
    entry_site: IsolationSite,
    destination: str,
    destination_community: Community | None = None,
    party: str = "",
) -> InboundArrival:
    """Register an inbound traveller at the first entry point: an inbound episode bound for the
    entry-point site (same-day deadline), with the destination for the handover afterwards.

    `destination` names the place in words; `destination_community` is set when it is in this city
    (the handover then goes to that community, which sees the traveller from now on)."""
    require(actor, IsolationCap.MANAGE)
    require_site(actor, entry_site)
    arrived_at = aware(arrived_at)
    not_in_future(arrived_at, field="arrived_at", label=_("抵达时间"))
    if mode not in ArrivalMode.values:
        raise DomainError(_("交通方式无效"), field="mode")
    number, origin, port_of_entry, destination = (v.strip() for v in (number or "", origin or "", port_of_entry or "", destination or ""))
    for field, value in (("number", number), ("origin", origin), ("port_of_entry", port_of_entry)):
        if not value:
            raise DomainError(_("请填写航班号（车次）、出发地和第一入境点"), field=field)
    if not destination and destination_community is not None:
        destination = str(destination_community)
    if not destination:
        raise DomainError(_("请填写目的地"), field="destination")
    if not entry_site.receives_inbound or not entry_site.is_active:
        raise DomainError(_("隔离点“%(s)s”不接收入境人员") % {"s": entry_site.name}, field="entry_site", rule="isolation.inbound_site")
    refuse_second_quarantine(person, arrived_at)
    second = rule("inbound.second_quarantine_at_destination")
    episode = open_episode(
        actor=actor,
        person=person,
        kind=EpisodeKind.INBOUND,
        at=arrived_at,
        source=f"{ArrivalMode(mode).label} {number} {origin} → {port_of_entry}",
        party=party,
        site=entry_site,
        destination=destination_community,
    )
    arrival = InboundArrival.objects.create(
        episode=episode,
        person=person,
        mode=mode,
        number=number[:32],
        origin=origin[:100],
        port_of_entry=port_of_entry[:100],
        arrived_at=arrived_at,
        entry_site=entry_site,
        destination=destination[:200],
        destination_district_id=destination_community.district_id if destination_community else None,
        destination_street_id=destination_community.street_id if destination_community else None,
        destination_community=destination_community,
        second_quarantine_at_destination=bool(second.value),
        second_quarantine_rule=second.citation,
        registered_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        event_type=events.INBOUND_REGISTERED,
        obj=arrival,
        after={
            "episode": episode.pk,
            "mode": mode,
            "number": number,
            "entry_site": entry_site.pk,
            "destination": destination,
            "destination_community": destination_community.pk if destination_community else None,
            "second_quarantine_at_destination": bool(second.value),
            "rule": second.citation,
        },
    )
    return arrival
