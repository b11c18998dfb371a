"""Shared REST API pieces: pagination, request parsing, and the one answer for a refused call.

Every refusal has the documented `Error` shape: {message, field, rule[, errors]}; a batch lists
every row at fault (`row` from 1, 0 = the request as a whole; `index` from 0 for posted arrays)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import InvalidPage
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from .clock import too_early
from .errors import DomainError, PermissionRefused, RateLimited
from .permissions import require_all
from .rows import RowError, RowsRefused


class PageNotFound(NotFound):
    """A page past the last one (404, `field` page, rule api.page)."""


class Pagination(PageNumberPagination):
    """`?page=` (from 1) and `?page_size=` (default 50; more than 1000 gives 1000). A page or page
    size that is not a whole number from 1 is a malformed query (400, like a bad filter); a page past
    the last is not found (404). Page 1 of an empty list is an empty page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if not raw:
            return self.page_size
        return min(_whole_number(self.page_size_query_param, raw), self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any) -> int | str:
        raw = request.query_params.get(self.page_query_param)
        if not raw or raw in self.last_page_strings:
            return super().get_page_number(request, paginator)
        return _whole_number(self.page_query_param, raw)

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            if not isinstance(exc.__context__, InvalidPage):
                raise
            raise PageNotFound(_("没有这一页：页码超过了最后一页")) from None

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            most = self.max_page_size
            parameter["description"] = (
                "Page number, from 1 (a page past the last: 404)"
                if parameter["name"] == self.page_query_param
                else f"Results per page (default {self.page_size}; more than {most} gives {most})"
            )
        return parameters


def _whole_number(name: str, raw: str) -> int:
    value = raw.strip()
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise ValidationError({name: [_("应为从 1 开始的整数")]})
    return int(value)


# ---- need-to-know ----


class NeedToKnow(BasePermission):
    """The API side of `fangkong.core.permissions.need_to_know`: a view that shows people's personal
    details names the capabilities they need in `need_to_know` (every one); the actions in its
    `figures_actions` answer aggregate figures and are open to everyone in scope. A role without
    them is refused before any object is looked up: 403 in the Error shape, `rule` naming the
    capability (PermissionRefused through `domain_exception_handler`)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if getattr(view, "action", None) not in getattr(view, "figures_actions", ()):
            try:
                require_all(request.user, getattr(view, "need_to_know", ()))
            except PermissionRefused as exc:
                # As DRF's own refusal, so the browsable API (which asks again for each form it would
                # draw, catching only DRF's exceptions) answers 403 too, not 500.
                raise CapabilityRefused(exc) from exc
        return True


class CapabilityRefused(exceptions.PermissionDenied):
    """A need-to-know refusal carried as DRF's PermissionDenied; answered as its PermissionRefused."""

    def __init__(self, refused: PermissionRefused) -> None:
        super().__init__(detail=refused.message)
        self.refused = refused


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


REQUEST_RULE = "api.request"  # a malformed body or query: `field` names the part at fault


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField(help_text="What was refused and why, in the user's words")
    field = serializers.CharField(allow_blank=True, help_text="The field at fault (the first one for a batch); empty when none is")
    rule = serializers.CharField(
        help_text="The rule, policy key or capability that refused (`api.request`: a malformed body or query; see docs/api.md)"
    )
    source = serializers.CharField(
        required=False, help_text="The 依据 of the rule, when it cites one: the policy version and document it comes from"
    )
    errors = RowErrorSerializer(many=True, required=False, help_text="Batch refusals: every row at fault; nothing was written")


def domain_error_body(exc: DomainError, *, with_index: bool = False) -> dict[str, Any]:
    """{message, field, rule[, source][, errors]} for a refusal; `with_index` adds each row's 0-based position
    in the posted JSON array. A refusal always names a rule: a service's check of a value it was
    given (a reason left empty, an unknown bed type) that names none is `api.request`."""
    body: dict[str, Any] = {"message": exc.message, "field": exc.field, "rule": exc.rule or REQUEST_RULE}
    if exc.source:
        body["source"] = exc.source
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


# DRF's own refusals: the rule each answers with, and the part of the request at fault.
_REQUEST_RULES: tuple[tuple[type[exceptions.APIException], str, str], ...] = (
    (exceptions.ParseError, REQUEST_RULE, "body"),
    (exceptions.UnsupportedMediaType, "api.media_type", "body"),
    (exceptions.NotAuthenticated, "api.authentication", ""),
    (exceptions.AuthenticationFailed, "api.authentication", ""),
    (exceptions.PermissionDenied, "api.permission", ""),
    (PageNotFound, "api.page", "page"),
    (exceptions.NotFound, "api.not_found", ""),
    (exceptions.MethodNotAllowed, "api.method", ""),
    (exceptions.NotAcceptable, "api.accept", ""),
    (exceptions.Throttled, "api.throttle", ""),
)


def domain_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The one answer for a refused call, always the `Error` shape: PermissionRefused → 403,
    RateLimited → 429 (with Retry-After), any other DomainError → 400; a validation error → 400 with
    every problem in `errors`; DRF's own refusals (a malformed body, a wrong content type, no or a bad
    token, a missing object or page, a method the endpoint does not have) with their status and a rule
    from _REQUEST_RULES. A missing object and one outside the caller's jurisdiction answer alike."""
    if isinstance(exc, CapabilityRefused):
        exc = exc.refused
    if isinstance(exc, RateLimited):
        return Response(domain_error_body(exc), status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, DomainError):
        set_rollback()
        code = status.HTTP_403_FORBIDDEN if isinstance(exc, PermissionRefused) else status.HTTP_400_BAD_REQUEST
        return Response(domain_error_body(exc), status=code)
    if isinstance(exc, ValidationError):
        set_rollback()
        problems = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return Response(domain_error_body(_rows_refused(problems)), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):  # a missing object and one outside the jurisdiction: the same words
        exc = exceptions.NotFound(_("未找到：不存在，或不在您的管辖范围内"))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    rule, field = next(((r, f) for kind, r, f in _REQUEST_RULES if isinstance(exc, kind)), (REQUEST_RULE, ""))
    detail = response.data.get("detail", response.data) if isinstance(response.data, dict) else response.data
    message = "；".join(str(m) for m in detail) if isinstance(detail, list) else str(detail)
    response.data = {"message": message, "field": field, "rule": rule}
    return response


@csrf_exempt  # the API's answer to any method: a POST to a wrong URL is a 404, not a CSRF page
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other URL under /api/: 404 in the `Error` shape, not the site's HTML page."""
    body = {"message": _("没有这个接口：请查阅 /api/schema/"), "field": "", "rule": "api.not_found"}
    return JsonResponse(body, status=status.HTTP_404_NOT_FOUND, json_dumps_params={"ensure_ascii": False})


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
    return RowsRefused(errors, rule=REQUEST_RULE)


def parse_moment(value: str) -> dt.datetime | None:
    """An ISO 8601 time; without a zone it is Beijing time. None when it is not one, or is before
    2000 (fangkong.core.clock.EARLIEST)."""
    moment = parse_datetime(value.strip())
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return None if too_early(moment) else moment


class MomentField(serializers.DateTimeField):
    """A time in a request: ISO 8601, Beijing time without an offset; a time before 2000
    (fangkong.core.clock.EARLIEST) is refused."""

    default_error_messages = {"too_early": gettext_lazy("时间不能早于 2000 年")}

    def to_internal_value(self, value: Any) -> dt.datetime:
        moment = super().to_internal_value(value)
        if too_early(moment):
            self.fail("too_early")
        return moment


def moment_error(row: int, field: str) -> RowError:
    return RowError(row, field, _("应为 ISO 8601 时间，例如 2022-11-22T08:30:00+08:00"))
