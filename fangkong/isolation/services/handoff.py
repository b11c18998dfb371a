"""Where 快隔 hands over to 快转: a positive test during isolation.

`on_positive` runs inside the transaction that records the positive and ends the episode (status
turned_positive, room stay ended). It opens the case through the 快转 service for positives found
in isolation (`fangkong.cases.services.case_open_from_isolation`, as the system): where it was
found follows the one rule (fangkong.zoning.found_in) from the person's state when the sample was
taken — the isolation site during the central phase, a controlled place during home isolation —
with its same-day transfer on the board. Someone already under care gets the positive as a test of their
case. The episode keeps the case, and so does the contact record (流调) isolated under it, so the
chain case → contact → case stays visible. Nothing is half-written: a refusal from 快转 rolls back
the positive with it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record

from .. import events
from ..hooks import EPISODE_TURNED_POSITIVE
from ..models import IsolationEpisode, ScheduledTest


def on_positive(episode: IsolationEpisode, test: ScheduledTest) -> None:
    """A person in isolation tested positive: becomes a case and is transferred the same day."""
    from fangkong.cases.lookups import latest_transfer
    from fangkong.cases.services import case_open_from_isolation

    positive_at = test.resulted_at or test.sampled_at
    case = case_open_from_isolation(
        person=episode.person,
        positive_at=positive_at,
        reference=_("隔离记录 #%(id)s：%(reason)s") % {"id": episode.pk, "reason": episode.end_reason},
        ct_orf1ab=test.ct_value,
        sampled_at=test.sampled_at,
        actor=None,
    )
    episode.case = case
    episode.save(update_fields=["case", "updated_at"])
    turned = [c for c in EPISODE_TURNED_POSITIVE.send(episode=episode, case=case) if c is not None]
    contact = turned[0] if turned else None
    transfer = latest_transfer(case)
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
            "case": case.pk,
            "found_in": case.found_in,
            "transfer": transfer.pk if transfer else None,
            "transfer_deadline": transfer.deadline_at if transfer else None,
            "contact": contact.pk if contact else None,
        },
        reason=_("隔离期间核酸阳性，已登记病例并列入当日转运"),
    )
