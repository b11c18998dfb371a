"""Times as people here read them: stored in UTC, shown in local time (Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def local_minutes(value: dt.datetime | None, *, blank: str = "—") -> str:
    """`2022-11-22 14:05` in local time; `blank` when there is no time."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else blank
