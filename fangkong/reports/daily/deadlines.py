"""The daily report's submission deadline: policy command.daily_report_deadline, one Beijing time
per level (community, street, district, city), on the report's day."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from fangkong.core.errors import DomainError
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
    if len(values) != len(LEVELS_UP):
        raise DomainError(_("政策参数 %(key)s 须依次给出社区、街道、区县、市四个时间") % {"key": RULE}, rule=RULE)
    out = {}
    for level, value in zip(LEVELS_UP, values, strict=True):
        try:
            hours, minutes = (int(p) for p in str(value).split(":"))
            out[str(level)] = dt.time(hours, minutes)
        except (TypeError, ValueError) as exc:
            raise DomainError(_("政策参数 %(key)s 的时间无效：%(v)s") % {"key": RULE, "v": value}, rule=RULE) from exc
    return out


def deadline_for(level: str, date: dt.date) -> dt.datetime:
    """When a `level` report of `date` is due (aware, Beijing time of that day)."""
    t = deadline_times()[level]
    return local_midnight(date) + dt.timedelta(hours=t.hour, minutes=t.minute)
