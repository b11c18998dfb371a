"""What every 快隔 page module shares: the capability check (403), a service's refusal put on its
form (or 403 when it is about permission), today in Beijing time, and the htmx-or-redirect answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.policy.regimen import local_date


def refuse(form: Any, exc: DomainError, *, fields: dict[str, str] | None = None) -> None:
    """A refusal for lack of permission or scope is a 403; any other goes next to its field."""
    if isinstance(exc, PermissionRefused):
        raise PermissionDenied(exc.message) from exc
    form.refuse(exc, fields=fields)


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
