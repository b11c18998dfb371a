"""Time guards every service shares: now, one tolerance for clocks a little ahead, and the checks
that a step is not dated in the future nor before the step it follows. Times are stored in UTC and
shown in Beijing time (fangkong.core.timefmt)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError
from .timefmt import local_minutes

# A phone's, a tablet's or a laboratory system's clock a little ahead of the server's is not "in the future".
CLOCK_SKEW = dt.timedelta(minutes=10)
NOT_IN_FUTURE = "time.not_in_future"
TIME_ORDER = "time.order"
# Nothing the platform records happened before this: an earlier time is a slip of the keyboard (year
# 0269 for 2022), and before 1901 Beijing's offset was local mean time (+08:05:43), which an ISO 8601
# reader refuses — such a time, once stored, made every answer that showed it invalid.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def too_early(when: dt.datetime | None) -> bool:
    return when is not None and when < EARLIEST


def now() -> dt.datetime:
    return timezone.now()


def aware(when: dt.datetime | None, *, field: str = "at") -> dt.datetime:
    """`when`, or now; refuses a naive datetime (a time without a time zone is ambiguous)."""
    if when is None:
        return now()
    if timezone.is_naive(when):
        raise DomainError(_("时间须带时区"), field=field)
    return when


def is_future(when: dt.datetime | None, *, at: dt.datetime | None = None) -> bool:
    """True when `when` lies beyond the tolerated skew after `at` (now)."""
    return when is not None and when > (at or now()) + CLOCK_SKEW


def future_message(when: dt.datetime, *, label: str) -> str:
    return _("%(label)s %(t)s 晚于当前时间") % {"label": label, "t": local_minutes(when)}


def not_in_future(when: dt.datetime | None, *, field: str, label: str, at: dt.datetime | None = None) -> None:
    if is_future(when, at=at):
        raise DomainError(future_message(when, label=label), rule=NOT_IN_FUTURE, field=field)


def order_message(later: dt.datetime, earlier: dt.datetime, *, label: str, earlier_label: str) -> str:
    return _("%(later)s %(b)s 早于%(earlier)s %(a)s，时间顺序不对") % {
        "later": label,
        "b": local_minutes(later),
        "earlier": earlier_label,
        "a": local_minutes(earlier),
    }


def not_before(later: dt.datetime | None, earlier: dt.datetime | None, *, field: str, label: str, earlier_label: str) -> None:
    """`later` may not come before `earlier` (a check-in before the identification …); a missing
    one leaves nothing to compare."""
    if later is not None and earlier is not None and later < earlier:
        raise DomainError(order_message(later, earlier, label=label, earlier_label=earlier_label), rule=TIME_ORDER, field=field)
