"""Liveness, readiness and the worker's heartbeat (docs/operator-guide.md §7).

- /healthz: the process answers (no database, no Redis): restart it when this fails.
- /readyz: the database answers, the job queue (Redis in production) and the shared cache answer,
  and the Huey consumer wrote its heartbeat less than WORKER_STALE_AFTER ago: send it traffic only
  when this is 200.

Both answer JSON with check names, timings and ages only: no personal data, nothing about users,
open without login (a load balancer probes them). The consumer writes its heartbeat when it starts
and every ~15 s after (fangkong.core.tasks)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "fangkong:worker:heartbeat"
HEARTBEAT_EVERY = 15  # seconds, roughly: the periodic task runs each minute and schedules three more
WORKER_STALE_AFTER = 90  # seconds without a heartbeat: the consumer is taken for gone
_PROBE_KEY = "fangkong:health:probe"


class NotReady(Exception):
    """A check's own finding, said in the answer (other errors show only their kind: no hosts,
    user names or paths to an unauthenticated caller; the log has the whole text)."""


def worker_heartbeat_write(*, now: float | None = None) -> None:
    cache.set(HEARTBEAT_KEY, now if now is not None else time.time(), timeout=24 * 3600)


def worker_heartbeat_age(*, now: float | None = None) -> float | None:
    """Seconds since the consumer's last heartbeat; None when there is none (never started, or the
    cache was emptied)."""
    beat = cache.get(HEARTBEAT_KEY)
    if beat is None:
        return None
    return max(0.0, (now if now is not None else time.time()) - float(beat))


def queue_counts() -> dict[str, int]:
    """Tasks waiting in the Huey queue, and scheduled for later (raises when the queue's store is down)."""
    from huey.contrib.djhuey import HUEY

    return {"pending": HUEY.pending_count(), "scheduled": HUEY.scheduled_count()}


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def _cache() -> dict[str, Any]:
    cache.set(_PROBE_KEY, 1, timeout=60)
    if cache.get(_PROBE_KEY) != 1:
        raise NotReady("the cache did not keep a value")
    return {}


def _worker() -> dict[str, Any]:
    age = worker_heartbeat_age()
    if age is None:
        raise NotReady("no heartbeat from the job worker")
    if age > WORKER_STALE_AFTER:
        raise NotReady(f"the job worker's last heartbeat is {age:.0f} s old")
    return {"heartbeat_age_seconds": round(age, 1)}


def replica_aliases() -> list[str]:
    """The read replicas: settings.FANGKONG_REPLICA_DATABASES, else every PostgreSQL alias but default."""
    configured = getattr(settings, "FANGKONG_REPLICA_DATABASES", None)
    if configured is not None:
        return list(configured)
    return [a for a, db in settings.DATABASES.items() if a != "default" and db.get("ENGINE") == "django.db.backends.postgresql"]


def replica_lag(alias: str) -> float:
    """Seconds the replica's replay is behind (0 when it has replayed all it received); raises NotReady
    when the database is not a replica at all, or when it is not receiving from the primary (then
    nothing bounds how far behind it is: the read router passes it over)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(),"
            " CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0"
            " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END,"
            " (SELECT status FROM pg_stat_wal_receiver)"
        )
        in_recovery, lag, receiver = cursor.fetchone()
    if not in_recovery:
        raise NotReady("not a replica (not in recovery): promoted, or pointed at a primary")
    if receiver != "streaming":
        raise NotReady("not streaming from the primary (receiver %s)" % (receiver or "stopped"))
    return max(0.0, float(lag))


def replicas() -> dict[str, dict[str, Any]]:
    """Each replica's lag, for /readyz and /metrics: reported, not a readiness condition (the primary
    still serves every read when a replica lags or is down). Empty when no replica is configured."""
    found: dict[str, dict[str, Any]] = {}
    for alias in replica_aliases():
        try:
            found[alias] = {"ok": True, "lag_seconds": round(replica_lag(alias), 3)}
        except NotReady as exc:
            found[alias] = {"ok": False, "error": str(exc)}
        except Exception as exc:
            log.warning("replica %s check failed: %s: %s", alias, exc.__class__.__name__, exc)
            found[alias] = {"ok": False, "error": exc.__class__.__name__}
    return found


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {"database": _database, "queue": queue_counts, "cache": _cache, "worker": _worker}


def readiness() -> tuple[bool, dict[str, dict[str, Any]]]:
    """Each check's outcome: ok, milliseconds, and its figures or the error's kind and text."""
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            outcome = {"ok": True, **check()}
        except NotReady as exc:
            outcome = {"ok": False, "error": str(exc)}
        except Exception as exc:  # any failure of a dependency is "not ready"
            log.warning("readiness check %s failed: %s: %s", name, exc.__class__.__name__, exc)
            outcome = {"ok": False, "error": exc.__class__.__name__}
        outcome["ms"] = round((time.perf_counter() - started) * 1000, 1)
        results[name] = outcome
    return all(r["ok"] for r in results.values()), results


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    ready, checks = readiness()
    body: dict[str, Any] = {"status": "ok" if ready else "unavailable", "checks": checks}
    if lags := replicas():
        body["replicas"] = lags
    return JsonResponse(body, status=200 if ready else 503)
