"""Where 快隔 hands over to 快转: a positive test during isolation.

`on_positive` runs inside the transaction that records the positive and ends the episode
(status turned_positive, room stay ended). For now it only records the hand-off in the audit log,
with everything the cases app will need; the cases integration comes later.
"""

from __future__ import annotations

from fangkong.audit.services import audit_record

from .. import events
from ..models import IsolationEpisode, ScheduledTest


def on_positive(episode: IsolationEpisode, test: ScheduledTest) -> None:
    """A person in isolation tested positive: becomes a case and is transferred the same day.

    TODO(cases): open the case and its same-day transfer here, in this transaction, through the 快转
    service for cases not coming from the screening queue — today
    `fangkong.cases.services.case_open_by_hand(actor=..., person=episode.person, confirmed_at=
    test.resulted_at, positive_at=test.resulted_at, source=<an "isolation" CaseSource, or
    CaseSource.OTHER>, source_note=f"隔离记录 #{episode.pk} {test}")` (it needs the cases.open
    capability: call it as the system, or add a dedicated `case_open_from_isolation`). Where the
    case was found must come out as `FoundIn.ISOLATION_SITE` for a central-phase positive:
    `fangkong.cases.services.found_in_for` should look at IsolationEpisode (status turned_positive,
    site set, ended_at = the positive) before its other checks. Then keep the link (a case FK on
    the episode, or on the contact) so the transmission chain stays visible.
    """
    audit_record(
        actor="system",
        event_type=events.POSITIVE_HANDOFF,
        obj=episode,
        after={
            "person": episode.person_id,
            "kind": episode.kind,
            "site": episode.site_id,
            "phase": test.phase,
            "day": test.day_number,
            "sampled_at": test.sampled_at,
            "resulted_at": test.resulted_at,
            "ct": test.ct_value,
            "cases_integration": "pending",
        },
        reason="隔离期间核酸阳性，待快转（病例登记与当日转运）接入",
    )
