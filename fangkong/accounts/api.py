"""API sign-in: POST /api/token/ exchanges a username and password (and a TOTP token where needed)
for a sign-in token; POST /api/token/logout/ ends the token it is called with."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.core.api import ErrorSerializer, domain_error_body
from fangkong.core.errors import DomainError

from . import services
from .authentication import ApiTokenAuthentication
from .models import ApiToken


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp_token = serializers.CharField(required=False, allow_blank=True, default="", help_text="TOTP token, for users with a second factor")


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown once: it is stored only as a hash.")
    expires_at = serializers.DateTimeField()


class LockedSerializer(ErrorSerializer):
    locked_until = serializers.DateTimeField(help_text="The password is not checked before this time")


class ApiTokenViewSet(viewsets.ViewSet):
    """Exchange a username and password (and a TOTP token where needed) for a sign-in token.

    The login page's throttle and audit apply: while a wait runs the answer is 429 with
    `locked_until`, and the password is not checked."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = TokenRequestSerializer

    @extend_schema(
        operation_id="token_obtain",
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="Wrong username, password or TOTP token, or a second factor must be enrolled first"),
            429: OpenApiResponse(LockedSerializer, description="Too many failed attempts: wait until `locked_until` (in Retry-After too)"),
        },
        auth=[],
        tags=["auth"],
    )
    def create(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            issued = services.api_token_obtain(request=request._request, **data.validated_data)
        except services.LoginLocked as exc:
            seconds = max(1, int((exc.until - timezone.now()).total_seconds()))
            return Response(
                {**domain_error_body(exc), "locked_until": exc.until.isoformat()},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(seconds)},
            )
        except DomainError as exc:
            return Response(domain_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response({"token": issued.key, "expires_at": issued.token.expires_at})

    @extend_schema(
        operation_id="token_logout",
        request=None,
        responses={204: OpenApiResponse(description="The token is revoked"), 401: OpenApiResponse(description="No valid token")},
        tags=["auth"],
    )
    @action(detail=False, methods=["post"], authentication_classes=[ApiTokenAuthentication], permission_classes=[IsAuthenticated])
    def logout(self, request: Request) -> Response:
        """Revoke the token this request is made with (any kind)."""
        if isinstance(request.auth, ApiToken):
            services.api_token_revoke(actor=request.user, token=request.auth, reason="API 退出")
        return Response(status=status.HTTP_204_NO_CONTENT)
