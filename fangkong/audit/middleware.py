"""Remember the request (ip, id, path) so services can audit without being handed the request."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from fangkong.core.netaddr import client_address

from .context import RequestContext, current


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current.set(RequestContext(ip=client_address(request), request_id=uuid.uuid4().hex[:16], path=request.path[:200]))
        try:
            return self.get_response(request)
        finally:
            current.reset(token)
