"""A per-key sliding-window limit kept in the shared cache (Redis in production, files in the demo).

`limit_hit(key, windows)` records one attempt unless one of the windows — (at most N, per S
seconds) — is already full, and says how long to wait. Attempts are timestamps in one cache entry
per key; two simultaneous requests may both pass at the edge (the limit is a brake on a person or a
script, not an exact quota).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .netaddr import address_block, client_address


@dataclass(frozen=True)
class Refused:
    limit: int
    seconds: int
    retry_after: int  # seconds until an attempt leaves the full window


def limit_hit(key: str, windows: Sequence[tuple[int, int]], *, now: float | None = None) -> Refused | None:
    """Count one attempt for `key`, or refuse it (counting nothing) if a window is full."""
    now = time.time() if now is None else now
    longest = max(seconds for _n, seconds in windows)
    attempts = [t for t in (cache.get(key) or []) if t > now - longest]
    for limit, seconds in windows:
        inside = [t for t in attempts if t > now - seconds]
        if len(inside) >= limit:
            return Refused(limit, seconds, max(1, math.ceil(inside[-limit] + seconds - now)))
    attempts.append(now)
    cache.set(key, attempts, longest)
    return None


def public_limit(request: HttpRequest, key: str, windows: Sequence[tuple[int, int]], *, subject: str = "") -> HttpResponse | None:
    """For a public page (no account): count one request of the caller's network block (behind the
    trusted proxy: fangkong.core.netaddr) under `key` — or, given a `subject` (e.g. the link's token),
    of that subject whatever the address (its SHA-256 is the cache key: no secret in the cache) — or
    the 429 answer (with Retry-After) to send."""
    by_subject = "s-" + hashlib.sha256(subject.encode()).hexdigest()[:32] if subject else ""
    who = by_subject or address_block(client_address(request)) or "unknown"
    refused = limit_hit(f"{key}:{who}", windows)
    if refused is None:
        return None
    response = HttpResponse(
        _("请求过于频繁，请 %(s)s 秒后再试。") % {"s": refused.retry_after}, status=429, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = str(refused.retry_after)
    return response
