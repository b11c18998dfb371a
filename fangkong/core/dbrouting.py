"""Reads from PostgreSQL streaming replicas with bounded staleness (decision 0009).

Nothing changes without DATABASE_REPLICA_URL (config.settings.base): no router, every query on the
primary. With it:

- every write goes to the primary (`ReplicaRouter.db_for_write`), and so does every read inside a
  transaction on the primary (a service that reads and then writes sees its own rows);
- a read goes to a replica only inside `replica_reads()` — the decorator `reads_from_replica` on the
  views of the boards, reports and exports. Everywhere else (forms, workflows, the
  API, jobs) reads stay on the primary: the page one acts from must show what is there now;
- `replica_reads` picks, once per request, the first replica whose replay is at most
  FANGKONG_REPLICA_MAX_LAG seconds behind (fangkong.core.health.replica_lag, checked at most every
  FANGKONG_REPLICA_CHECK_SECONDS per process); a lagging, unreachable, promoted or no longer
  streaming replica is passed over and the primary answers;
- read your own writes: a request that wrote (an unsafe method, or any write through the ORM) sets
  a short cookie (RECENT_WRITE_COOKIE, FANGKONG_READ_OWN_WRITES_SECONDS); while the browser sends it,
  its reads stay on the primary. The cookie only ever sends reads to the primary, so a forged or
  kept one costs load, not correctness.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

from .health import replica_aliases, replica_lag

log = logging.getLogger(__name__)

PRIMARY = "default"
ROUTER = "fangkong.core.dbrouting.ReplicaRouter"
RECENT_WRITE_COOKIE = "fk_wrote"
# Writes that are not the caller's data: an export's or a reveal's audit event does not keep the
# browser's next reads on the primary.
UNMARKED_APPS = frozenset({"audit"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_read_from: ContextVar[str | None] = ContextVar("fangkong_read_from", default=None)
_wrote: ContextVar[bool] = ContextVar("fangkong_wrote", default=False)
_checked: dict[str, tuple[float, float | None]] = {}  # alias → (monotonic time of the check, lag or None)


def routing_on() -> bool:
    return ROUTER in getattr(settings, "DATABASE_ROUTERS", ())


def _lag(alias: str) -> float | None:
    """The replica's lag in seconds, None when it cannot serve reads; kept for FANGKONG_REPLICA_CHECK_SECONDS."""
    now = time.monotonic()
    hit = _checked.get(alias)
    if hit is not None and now - hit[0] < settings.FANGKONG_REPLICA_CHECK_SECONDS:
        return hit[1]
    try:
        lag: float | None = replica_lag(alias)
    except Exception as exc:  # down, promoted, not streaming: the primary answers
        log.warning("replica %s passed over: %s: %s", alias, exc.__class__.__name__, exc)
        lag = None
        with suppress(Exception):  # a broken connection may fail to close; the next use reopens
            connections[alias].close()
    _checked[alias] = (now, lag)
    return lag


def forget_checks() -> None:
    _checked.clear()


def usable_replica() -> str | None:
    """The first configured replica at most FANGKONG_REPLICA_MAX_LAG seconds behind, or None."""
    if not routing_on():
        return None
    for alias in replica_aliases():
        lag = _lag(alias)
        if lag is not None and lag <= settings.FANGKONG_REPLICA_MAX_LAG:
            return alias
    return None


def wrote_recently(request: HttpRequest) -> bool:
    return RECENT_WRITE_COOKIE in request.COOKIES


def reading_from() -> str:
    """Where a read outside a transaction goes now (the primary's alias outside replica_reads)."""
    return _read_from.get() or PRIMARY


@contextmanager
def replica_reads(request: HttpRequest | None = None) -> Iterator[str | None]:
    """Reads inside go to a replica within the staleness bound, when there is one and the request's
    browser has not written recently; yields the alias chosen (None: the primary)."""
    alias = None
    if routing_on() and not (request is not None and wrote_recently(request)):
        if request is not None and hasattr(request, "user"):
            # The session and the user are read before, on the primary: a sign-in a moment ago is there.
            getattr(request.user, "is_authenticated", None)
        alias = usable_replica()
    token = _read_from.set(alias)
    try:
        yield alias
    finally:
        _read_from.reset(token)


def reads_from_replica(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A read-only page (board, report, export) that may read from a replica. The view
    must finish its reads before returning (no streaming of querysets after the return)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with replica_reads(request):
            return view(request, *args, **kwargs)

    return wrapped


class ReplicaRouter:
    """Installed by config.settings.base only when DATABASE_REPLICA_URL is set."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        alias = _read_from.get()
        if alias is None or connections[PRIMARY].in_atomic_block:
            return PRIMARY  # explicit, so that a row read from a replica does not pull its relations from there
        return alias

    def db_for_write(self, model: Any, **hints: Any) -> str:
        if model._meta.app_label not in UNMARKED_APPS:
            _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, copied

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return False if db != PRIMARY and db in replica_aliases() else None


class RecentWriteMiddleware:
    """Marks a browser that wrote (unsafe method, or an ORM write during the request) so that its
    reads stay on the primary for FANGKONG_READ_OWN_WRITES_SECONDS. A no-op without replicas."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not routing_on():
            return self.get_response(request)
        token = _wrote.set(False)
        try:
            response = self.get_response(request)
            if request.method not in SAFE_METHODS or _wrote.get():
                response.set_cookie(
                    RECENT_WRITE_COOKIE,
                    "1",
                    max_age=settings.FANGKONG_READ_OWN_WRITES_SECONDS,
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
        finally:
            _wrote.reset(token)
        return response
