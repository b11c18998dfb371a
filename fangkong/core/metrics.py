"""/metrics in Prometheus' text format, behind authentication (docs/operator-guide.md §7).

Responses by status class are counted by RequestCountMiddleware in each process and added to shared
counters in the cache (Redis in production) at most every FLUSH_SECONDS, so the figure covers every
gunicorn worker; a process killed loses at most those last seconds. The rest is read when scraped:
the job queue's depth, the worker's heartbeat age, whether each readiness check passes, and each read
replica's lag when replicas are configured (fangkong.core.health.replicas).

Who may read it: a caller with `Authorization: Bearer <FANGKONG_METRICS_TOKEN>` (the scraper), or a
signed-in staff user. No personal data: counts and ages only."""

from __future__ import annotations

import hmac
import threading
import time
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import queue_counts, readiness, replicas, worker_heartbeat_age

FLUSH_SECONDS = 5.0
CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
_KEY = "fangkong:metrics:responses:{}"


class _Counts:
    """This process's responses not yet added to the shared counters."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: Counter[str] = Counter()
        self.flushed_at = time.monotonic()

    def add(self, status: int) -> None:
        with self.lock:
            self.pending[f"{min(max(status // 100, 1), 5)}xx"] += 1
            due = time.monotonic() - self.flushed_at >= FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            pending, self.pending = self.pending, Counter()
            self.flushed_at = time.monotonic()
        try:
            for status_class, n in pending.items():
                key = _KEY.format(status_class)
                cache.add(key, 0, timeout=None)
                cache.incr(key, n)
        except Exception:  # the cache is down: keep counting here, add them next time
            with self.lock:
                self.pending.update(pending)


COUNTS = _Counts()


def response_totals() -> dict[str, int]:
    COUNTS.flush()
    found = cache.get_many([_KEY.format(c) for c in CLASSES])
    return {c: int(found.get(_KEY.format(c), 0)) for c in CLASSES}


class RequestCountMiddleware:
    """Counts every response by status class (first in MIDDLEWARE: redirects, refusals and static
    files included)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        COUNTS.add(response.status_code)
        return response


def _authorised(request: HttpRequest) -> bool:
    token = getattr(settings, "FANGKONG_METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), token.encode()):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def render() -> str:
    lines = [
        "# HELP fangkong_http_responses_total Responses by status class, all web processes.",
        "# TYPE fangkong_http_responses_total counter",
        *(f'fangkong_http_responses_total{{class="{c}"}} {n}' for c, n in response_totals().items()),
    ]
    ready, checks = readiness()
    try:
        queue = queue_counts()
    except Exception:
        queue = {}
    lines += [
        "# HELP fangkong_job_queue_depth Tasks waiting in the job queue (state=pending) or scheduled for later.",
        "# TYPE fangkong_job_queue_depth gauge",
    ]
    lines += [f'fangkong_job_queue_depth{{state="{state}"}} {n}' for state, n in queue.items()]
    age = worker_heartbeat_age()
    lines += [
        "# HELP fangkong_worker_heartbeat_age_seconds Seconds since the job worker's last heartbeat (-1: none).",
        "# TYPE fangkong_worker_heartbeat_age_seconds gauge",
        f"fangkong_worker_heartbeat_age_seconds {age if age is not None else -1:.1f}",
        "# HELP fangkong_ready Whether each readiness check passes (1) or not (0).",
        "# TYPE fangkong_ready gauge",
        *(f'fangkong_ready{{check="{name}"}} {int(result["ok"])}' for name, result in checks.items()),
    ]
    if lags := replicas():  # only with read replicas configured
        lines += [
            "# HELP fangkong_replica_up Whether each read replica answers as a replica (1) or not (0).",
            "# TYPE fangkong_replica_up gauge",
            *(f'fangkong_replica_up{{database="{alias}"}} {int(r["ok"])}' for alias, r in lags.items()),
            "# HELP fangkong_replica_lag_seconds Seconds each read replica's replay is behind the primary.",
            "# TYPE fangkong_replica_lag_seconds gauge",
            *(f'fangkong_replica_lag_seconds{{database="{alias}"}} {r["lag_seconds"]}' for alias, r in lags.items() if r["ok"]),
        ]
    return "\n".join(lines) + "\n"


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _authorised(request):
        response = HttpResponse("authentication required\n", status=401, content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(render(), content_type="text/plain; version=0.0.4; charset=utf-8")
