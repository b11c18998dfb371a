"""The daily report's submission deadline: policy command.daily_report_deadline, one Beijing time
per level (community, street, district, city), on the report's day; parsed by the policy's own
`clock_times` (which also checks an editor's change)."""

from __future__ import annotations

import datetime as dt

from fangkong.policy.clock_times import clock_times
from fangkong.policy.regimen import local_midnight
from fangkong.policy.rules import PolicyNotConfigured, rule

from .choices import LEVELS_UP

RULE = "command.daily_report_deadline"
DEFAULTS = ("16:00", "17:00", "18:00", "19:00")  # when no profile sets it (never in a migrated database)


def deadline_times() -> dict[str, dt.time]:
    try:
        values = list(rule(RULE).value)
    except PolicyNotConfigured:
        values = list(DEFAULTS)
    return {str(level): t for level, t in zip(LEVELS_UP, clock_times(values, key=RULE), strict=True)}


def deadline_for(level: str, date: dt.date) -> dt.datetime:
    """When a `level` report of `date` is due (aware, Beijing time of that day)."""
    t = deadline_times()[level]
    return local_midnight(date) + dt.timedelta(hours=t.hour, minutes=t.minute)
