"""Shared REST API pieces: pagination, and the answer for a refused service call."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from .errors import DomainError, PermissionRefused, RateLimited


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


def domain_error_body(exc: DomainError, *, with_index: bool = False) -> dict[str, Any]:
    """{message, field, rule[, errors]} for a refusal. A batch refusal (it carries `errors`, rows
    counted from 1; 0 = the whole request) lists every row at fault; `with_index` adds the 0-based
    position in the posted JSON array."""
    body: dict[str, Any] = {"message": exc.message, "field": exc.field, "rule": exc.rule}
    errors = getattr(exc, "errors", None)
    if errors is not None:
        body["errors"] = [
            {"row": e.row, **({"index": e.row - 1 if e.row else None} if with_index else {}), "field": e.field, "message": e.message}
            for e in errors
        ]
    return body


def domain_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """PermissionRefused → 403, RateLimited → 429 (with Retry-After), any other DomainError → 400, all
    as `domain_error_body`; the rest as DRF does."""
    if isinstance(exc, RateLimited):
        return Response(domain_error_body(exc), status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, DomainError):
        set_rollback()
    if isinstance(exc, PermissionRefused):
        return Response(domain_error_body(exc), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DomainError):
        return Response(domain_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)


class DomainErrorsMixin:
    """For API views that call services directly: refusals answer with `domain_exception_handler`."""

    def get_exception_handler(self):
        return domain_exception_handler
