"""快检 hands its confirmed positives to 快转: the one write of a positive's hand-over.

快转 takes the positives awaiting case handling through the testing selectors
(`positives_awaiting_case`, `positive_for_case`) and, once it has opened (or attached) their cases,
calls `positives_hand_over` in the same transaction: 快检 marks them handed over and audits which case
took each. 快转 never writes 快检's tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError
from fangkong.core.transitions import check_transition

from .. import events
from ..choices import POSITIVE_TRANSITIONS, PositiveStatus
from ..models import ConfirmedPositive


@transaction.atomic
def positives_hand_over(*, actor: Any, cases: Mapping[int, int], at: dt.datetime | None = None) -> int:
    """`cases`: confirmed positive id → the case (of 快转) that took it. Each moves awaiting → handed
    over (its transition checked); one audit event for the batch. Returns how many."""
    if not cases:
        return 0
    at = at or now()
    positives = list(ConfirmedPositive.objects.select_for_update().filter(pk__in=list(cases)))
    if len(positives) != len(cases):
        raise DomainError("Unknown confirmed positive", rule="testing.positive_handover")
    for p in positives:
        check_transition(
            POSITIVE_TRANSITIONS,
            p.status,
            PositiveStatus.HANDED_OVER,
            labels=PositiveStatus,
            what=f"#{p.pk}",
            action="移交快转",
            rule="testing.positive_transitions",
        )
    ConfirmedPositive.objects.filter(pk__in=list(cases)).update(status=PositiveStatus.HANDED_OVER, updated_at=at)
    audit_record(
        actor=actor,
        event_type=events.POSITIVES_HANDED_OVER,
        object_type="testing.confirmedpositive",
        count=len(positives),
        after={"cases": {str(k): v for k, v in list(cases.items())[:200]}},
    )
    return len(positives)
