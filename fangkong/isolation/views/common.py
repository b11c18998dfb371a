"""What every 快隔 page module shares: today in Beijing time and the htmx-or-redirect answer (a
service's refusal is answered by fangkong.core.actions, as on every page)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone

from fangkong.policy.regimen import local_date


def today() -> dt.date:
    return local_date(timezone.now())


def htmx(request: HttpRequest) -> bool:
    """An htmx request asking for a fragment (a boosted navigation wants the whole page)."""
    h = getattr(request, "htmx", None)
    return bool(h) and not h.boosted


def int_param(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.GET.get(name) or "") or None
    except ValueError:
        return None
