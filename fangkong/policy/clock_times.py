"""Parameters that are times of day (Beijing), such as command.daily_report_deadline's four
deadlines: one parser, used when an editor changes the value and by the module that reads it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import DomainError

# key → how many times of day its value lists (in the order its description gives)
TIME_LISTS = {"command.daily_report_deadline": 4}


def clock_times(values: Any, *, key: str) -> list[dt.time]:
    """The value's times ("16:00" → 16:00); refuses a value of the wrong length or a bad time,
    naming the parameter (field "value")."""
    count = TIME_LISTS[key]
    items = list(values) if isinstance(values, list | tuple) else []
    if len(items) != count:
        raise DomainError(_("政策参数 %(key)s 须给出 %(n)s 个时间（如 16:00）") % {"key": key, "n": count}, field="value", rule=key)
    out = []
    for value in items:
        try:
            hours, minutes = (int(p) for p in str(value).split(":"))
            out.append(dt.time(hours, minutes))
        except (TypeError, ValueError) as exc:
            raise DomainError(_("政策参数 %(key)s 的时间无效：%(v)s") % {"key": key, "v": value}, field="value", rule=key) from exc
    return out
