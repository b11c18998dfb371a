"""When a resident's request is due: the policy's hours for its kind (livelihood.request_deadline_hours,
with its citation) after it was taken."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from fangkong.core.errors import DomainError
from fangkong.policy.rules import rule

DEADLINE_KEY = "livelihood.request_deadline_hours"


@dataclass(frozen=True)
class Deadline:
    due_at: dt.datetime
    hours: float
    basis: str  # the rule's citation, for the expandable 依据


def request_deadline(kind: str, requested_at: dt.datetime) -> Deadline:
    found = rule(DEADLINE_KEY)
    hours = (found.value or {}).get(kind)
    if not isinstance(hours, int | float) or hours <= 0:
        raise DomainError(_("防控政策未设置该类需求的办结时限"), field="kind", rule=DEADLINE_KEY)
    return Deadline(requested_at + dt.timedelta(hours=hours), float(hours), found.citation[:300])
