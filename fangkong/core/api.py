"""Shared REST API pieces: pagination, request parsing, and the one answer for a refused call.

Every refusal has the documented `Error` shape: {message, field, rule[, errors]}; a batch lists
every row at fault (`row` from 1, 0 = the request as a whole; `index` from 0 for posted arrays)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ParseError, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from .errors import DomainError, PermissionRefused, RateLimited
from .permissions import require_all
from .rows import RowError, RowsRefused


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


# ---- need-to-know ----


class NeedToKnow(BasePermission):
    """The API side of `fangkong.core.permissions.need_to_know`: a view that shows people's personal
    details names the capabilities they need in `need_to_know` (every one); the actions in its
    `figures_actions` answer aggregate figures and are open to everyone in scope. A role without
    them is refused before any object is looked up: 403 in the Error shape, `rule` naming the
    capability (PermissionRefused through `domain_exception_handler`)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if getattr(view, "action", None) not in getattr(view, "figures_actions", ()):
            require_all(request.user, getattr(view, "need_to_know", ()))
        return True


class PersonalDetails:
    """Mixin for viewsets over people's personal details: signed in, then `NeedToKnow`."""

    permission_classes = [IsAuthenticated, NeedToKnow]
    need_to_know: tuple[str, ...] = ()
    figures_actions: frozenset[str] = frozenset()


# ---- the error shape ----


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row at fault, counted from 1 (0 = the request as a whole)")
    index = serializers.IntegerField(
        required=False, allow_null=True, help_text="For posted JSON arrays: the 0-based position of the row (row − 1)"
    )
    field = serializers.CharField()
    message = serializers.CharField()
    rule = serializers.CharField(allow_blank=True, required=False, help_text="The rule that refused the row, when one did")


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField(help_text="What was refused and why, in the user's words")
    field = serializers.CharField(allow_blank=True, help_text="The field at fault (the first one for a batch)")
    rule = serializers.CharField(allow_blank=True, help_text="The rule or policy key that refused")
    errors = RowErrorSerializer(many=True, required=False, help_text="Batch refusals: every row at fault; nothing was written")


def domain_error_body(exc: DomainError, *, with_index: bool = False) -> dict[str, Any]:
    """{message, field, rule[, errors]} for a refusal; `with_index` adds each row's 0-based position
    in the posted JSON array."""
    body: dict[str, Any] = {"message": exc.message, "field": exc.field, "rule": exc.rule}
    errors = getattr(exc, "errors", None)
    if errors is not None:
        body["errors"] = [
            {
                "row": e.row,
                **({"index": e.row - 1 if e.row else None} if with_index else {}),
                "field": e.field,
                "message": e.message,
                "rule": e.rule,
            }
            for e in errors
        ]
    return body


def domain_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """PermissionRefused → 403, RateLimited → 429 (with Retry-After), any other DomainError → 400, all
    as `domain_error_body`; DRF's own errors (a malformed body, a page that does not exist, an
    unauthenticated call) in the same shape."""
    if isinstance(exc, RateLimited):
        return Response(domain_error_body(exc), status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, DomainError):
        set_rollback()
        code = status.HTTP_403_FORBIDDEN if isinstance(exc, PermissionRefused) else status.HTTP_400_BAD_REQUEST
        return Response(domain_error_body(exc), status=code)
    if isinstance(exc, ValidationError) and isinstance(exc.detail, dict):
        set_rollback()
        return Response(domain_error_body(_rows_refused(exc.detail)), status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "message" not in response.data:
        detail = response.data.get("detail", response.data)
        field = "body" if isinstance(exc, ParseError) else ("page" if isinstance(exc, NotFound) else "")
        response.data = {"message": str(detail), "field": field, "rule": "api.request"}
    elif response is not None and isinstance(response.data, list):
        response.data = {"message": "；".join(str(m) for m in response.data), "field": "", "rule": "api.request"}
    return response


# ---- request parsing ----


def parse(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """Validate a small request body or query; every problem is refused at once, like a service
    refuses a batch (row 0 = the request; a list field's items are rows from 1)."""
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return serializer.validated_data
    raise _rows_refused(serializer.errors)


def _rows_refused(problems: dict[str, Any]) -> RowsRefused:
    errors: list[RowError] = []
    for name, value in problems.items():
        field = "request" if name == "non_field_errors" else name
        if isinstance(value, dict):  # a list field: {position: [messages]}
            for position, messages in value.items():
                row = position + 1 if isinstance(position, int) else 0
                errors.extend(RowError(row, field, str(m)) for m in (messages if isinstance(messages, list) else [messages]))
        else:
            errors.extend(RowError(0, field, str(m)) for m in (value if isinstance(value, list) else [value]))
    return RowsRefused(errors, rule="api.request")


def parse_moment(value: str) -> dt.datetime | None:
    """An ISO 8601 time; without a zone it is Beijing time."""
    moment = parse_datetime(value.strip())
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def moment_error(row: int, field: str) -> RowError:
    return RowError(row, field, _("应为 ISO 8601 时间，例如 2022-11-22T08:30:00+08:00"))
