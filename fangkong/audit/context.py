"""The request an audit event happens in (ip, request id), carried in a context variable."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    request_id: str = ""
    path: str = ""


current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("audit_request", default=RequestContext())  # noqa: B039 - frozen, immutable
