"""Day N of an isolation regimen, and "same-day" deadlines — defined once, here.

The regulations count isolation in calendar days on Beijing time: "第 1、2、3、5 天各开展 1 次核酸检测"
(seed 000). Which calendar day is day 1 is itself a rule (`regimen.day_one`):

    isolation_start_date   day 1 is the local calendar day on which isolation starts (the default
                           of every shipped profile): a check-in at 23:50 makes that evening day 1;
    day_after_start        day 1 is the first full local day after the start (the start day does
                           not count) — some localities counted this way; a city may choose it.

Every other module asks this one: `regimen_day(start_at, n)` is the local date of day n,
`regimen_day_starts_at(start_at, n)` the aware datetime at which day n begins (local midnight), and
`regimen_day_number(start_at, when)` which day `when` falls on (`period_day_number(until, days, when)`
the same for a period whose end is already fixed). Times are stored in UTC and may be
given in any time zone; the day boundaries are always Asia/Shanghai midnights, whatever the
server's TIME_ZONE.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import PolicyProfile
from .rules import PolicyNotConfigured, rule

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
DAY_ONE_KEY = "regimen.day_one"
# Convention → how many local days after the start day day 1 falls.
DAY_ONE_OFFSET: dict[str, int] = {"isolation_start_date": 0, "day_after_start": 1}
SAME_DAY = "same_day"


def local_date(when: dt.datetime) -> dt.date:
    """The Beijing calendar date of an aware datetime."""
    if timezone.is_naive(when):
        raise ValueError("regimen times must be timezone-aware")
    return when.astimezone(LOCAL_TZ).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """The aware datetime at which a Beijing calendar day begins."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=LOCAL_TZ)


def day_one_convention(*, profile: PolicyProfile | None = None) -> str:
    """The active (or given) profile's `regimen.day_one`; refuses a value this module does not know."""
    value = rule(DAY_ONE_KEY, profile=profile).value
    if value not in DAY_ONE_OFFSET:
        raise PolicyNotConfigured(
            _("政策参数 %(key)s 的取值“%(value)s”无法识别（可用：%(known)s）")
            % {"key": DAY_ONE_KEY, "value": value, "known": "、".join(DAY_ONE_OFFSET)},
            rule=DAY_ONE_KEY,
        )
    return value


def _offset(convention: str | None, profile: PolicyProfile | None) -> int:
    return DAY_ONE_OFFSET[convention or day_one_convention(profile=profile)]


def day_one(start_at: dt.datetime, *, convention: str | None = None, profile: PolicyProfile | None = None) -> dt.date:
    """The local date of day 1 of a regimen that starts at `start_at`."""
    return local_date(start_at) + dt.timedelta(days=_offset(convention, profile))


def regimen_day(start_at: dt.datetime, n: int, *, convention: str | None = None, profile: PolicyProfile | None = None) -> dt.date:
    """The local date of day `n` (1-based) of a regimen that starts at `start_at`."""
    if n < 1:
        raise ValueError("regimen days are counted from 1")
    return day_one(start_at, convention=convention, profile=profile) + dt.timedelta(days=n - 1)


def regimen_day_starts_at(
    start_at: dt.datetime, n: int, *, convention: str | None = None, profile: PolicyProfile | None = None
) -> dt.datetime:
    """When day `n` begins (Beijing midnight). Day `n + 1` beginning is when an n-day period is over."""
    return local_midnight(regimen_day(start_at, n, convention=convention, profile=profile))


def regimen_day_number(
    start_at: dt.datetime, when: dt.datetime, *, convention: str | None = None, profile: PolicyProfile | None = None
) -> int:
    """Which day of the regimen `when` falls on (0 or less: before day 1)."""
    return (local_date(when) - day_one(start_at, convention=convention, profile=profile)).days + 1


def period_day_number(until: dt.datetime, days: int, when: dt.datetime | dt.date) -> int:
    """Which day of a period of `days` regimen days `when` falls on, read off the period's end as fixed
    when it started (`until` = regimen_day_starts_at(start, days + 1), whatever the convention then):
    day 1 is `days` local days before the end's. More than `days` after the end (overdue)."""
    day = local_date(when) if isinstance(when, dt.datetime) else when
    return (day - local_date(until)).days + days + 1


def deadline_after(value: Any, start_at: dt.datetime) -> dt.datetime:
    """A deadline rule's value applied to a start: "same_day" → the end of the start's local day
    (日清日结: the next Beijing midnight); a number → that many hours after the start."""
    if value == SAME_DAY:
        return local_midnight(local_date(start_at) + dt.timedelta(days=1))
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return start_at + dt.timedelta(hours=value)
    raise PolicyNotConfigured(_("时限参数取值“%(value)s”无法识别（可用：same_day 或小时数）") % {"value": value})
