"""One structured line per request, without personal data (docs/operator-guide.md §7a).

`RequestLogMiddleware` logs to `fangkong.request` when each response is ready: the request id (the
caller's `X-Request-ID` when it is a plain token, else a new one; sent back in the response and kept in
a context variable for every other line logged while the request runs), the user's id (never a name),
the method, the *route* (the URL pattern that matched, `places/people/<int:pk>/`: never the raw path
or its query string, where a name or a number could be), the status and the duration. Production
settings write these lines as JSON (fangkong.core.logjson); elsewhere the logger stays quiet.

No Django import at module level beyond what a middleware needs: logjson reads REQUEST_ID."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

log = logging.getLogger("fangkong.request")
REQUEST_ID: ContextVar[str | None] = ContextVar("fangkong_request_id", default=None)
_TOKEN = re.compile(r"[A-Za-z0-9._-]{8,64}")  # a proxy's id (uuid, hex): anything else is replaced


def route_of(request: HttpRequest) -> str:
    """The matched URL pattern, or what kind of path it was: never the path itself."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + match.route.lstrip("^").rstrip("$")
    static = getattr(settings, "STATIC_URL", None) or "/static/"
    if request.path.startswith("/" + static.lstrip("/")):
        return "<static>"
    return "<unmatched>"


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "_cached_user", None)  # only if the request already loaded it: no query here
    return user.pk if user is not None and user.is_authenticated else None


class RequestLogMiddleware:
    """First (after the metrics counter) so that static files and refusals are logged too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _TOKEN.fullmatch(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]  # Django logs some warnings after the middlewares return
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "user_id": _user_id(request),
                        "method": request.method,
                        "route": route_of(request),
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            return response
        finally:
            REQUEST_ID.reset(token)
