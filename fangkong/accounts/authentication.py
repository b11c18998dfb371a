"""DRF authentication with the platform's API tokens (fangkong.accounts.services.tokens):
`Authorization: Token fk_…` (or `Bearer fk_…`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed


class ApiTokenAuthentication(BaseAuthentication):
    keywords = (b"token", b"bearer")

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        from . import services
        from .signed_in import signed_in_user

        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Authorization: Token <令牌>")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Authorization: Token <令牌>") from None
        try:
            token = services.api_token_authenticate(key=key)
        except services.TokenRefused as exc:
            raise AuthenticationFailed(exc.message) from None
        user = token.user
        cached = signed_in_user(user.pk)  # the jurisdiction kept between requests, as for a session
        if cached is not None:
            user.__dict__["jurisdiction"] = cached.jurisdiction
        return user, token

    def authenticate_header(self, request: Any) -> str:
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'An API token with the prefix "Token": `Authorization: Token fk_…` (see docs/api.md).',
        }
