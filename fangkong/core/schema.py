"""The OpenAPI schema's plumbing (settings REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]): every operation
declares the refusals it can answer, each in the one `Error` shape of fangkong.core.api — declared
once here, not on each view. A view still names a refusal where it has something to add (which
capability, which rule); a refusal it declares without a body gets the `Error` body."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from .api import ErrorSerializer

MALFORMED = "Refused: a malformed body or query (`field` names it, `errors` lists every problem), or a rule refused (`rule` names it)"
UNAUTHENTICATED = "No token or session, or a token that is unknown, expired or revoked"
FORBIDDEN_TEXT = "The caller's role may not do this (`rule` names the capability), or a session's CSRF check failed"
NOT_FOUND_TEXT = "Not found: no such object in the caller's jurisdiction (the same answer as a missing one), or a page past the last"
UNSUPPORTED = "The body's Content-Type is not one this operation reads"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

# What a view names when it declares its refusals itself (extend_schema(responses={…, **REFUSALS})): the
# same three answers in every app's API.
BAD_REQUEST = OpenApiResponse(ErrorSerializer, description="Refused: {message, field, rule}; a batch lists every row in `errors`")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="The caller's role may not do this, or the object is outside their grants")
NOT_FOUND = OpenApiResponse(description="No such object in the caller's jurisdiction")
REFUSALS = {400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND}


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code, description in self._refusals(operation):
            responses.setdefault(code, {"description": description})
        error = {"application/json": {"schema": self.resolve_serializer(ErrorSerializer, "response").ref}}
        for code, response in responses.items():
            if code.isdigit() and int(code) >= 400 and "content" not in response:
                response["content"] = error
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _refusals(self, operation: dict[str, Any]) -> list[tuple[str, str]]:
        """The refusals any operation of this kind can answer (fangkong.core.api.domain_exception_handler)."""
        query = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "query"}
        body = "requestBody" in operation
        refusals = []
        if body or query or self.method in UNSAFE:
            refusals.append(("400", MALFORMED))
        if not any(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            refusals += [("401", UNAUTHENTICATED), ("403", FORBIDDEN_TEXT)]
        if "{" in self.path or "page" in query:
            refusals.append(("404", NOT_FOUND_TEXT))
        if body:
            refusals.append(("415", UNSUPPORTED))
        return refusals


class ObjectSchema(AutoSchema):
    """A collection's route that answers one object (figures over a period), not a list of them:
    drf-spectacular would otherwise describe a `list` action's answer as an array."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False
