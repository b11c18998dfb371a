"""Signing in and out, the TOTP second factor, the user's own account page and API token.

Views parse, call fangkong.accounts.services and render; the rules (lockout, tokens) live there.
"""

from __future__ import annotations

import time
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.core.errors import DomainError

from . import selectors, services
from .forms import LoginForm, TokenForm
from .middleware import second_factor_exempt

PENDING_USER = "_fk_pending_user"
PENDING_BACKEND = "_fk_pending_backend"
PENDING_AT = "_fk_pending_at"
PENDING_MAX_SECONDS = 300
NEW_TOKEN = "_fk_new_api_token"


def _next_url(request: HttpRequest, default: str | None = None) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return resolve_url(default or settings.LOGIN_REDIRECT_URL)


def _next_value(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return candidate if ok else ""


@second_factor_exempt
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.login_check_password(
                request=request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if result.needs_second_factor:
                request.session[PENDING_USER] = result.user.pk
                request.session[PENDING_BACKEND] = result.user.backend
                request.session[PENDING_AT] = time.time()
                target = resolve_url("accounts:login_otp")
                nxt = _next_value(request)
                return redirect(f"{target}?next={nxt}" if nxt else target)
            auth_login(request, result.user)
            return redirect(_next_url(request))
    return render(request, "registration/login.html", {"form": form, "next": _next_value(request)})


def _pending_user(request: HttpRequest) -> Any | None:
    pk = request.session.get(PENDING_USER)
    at = request.session.get(PENDING_AT) or 0
    if pk is None or time.time() - at > PENDING_MAX_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is not None:
        user.backend = request.session.get(PENDING_BACKEND)
    return user


def _clear_pending(request: HttpRequest) -> None:
    for key in (PENDING_USER, PENDING_BACKEND, PENDING_AT):
        request.session.pop(key, None)


@second_factor_exempt
@sensitive_post_parameters("token")
@csrf_protect
@never_cache
def login_otp(request: HttpRequest) -> HttpResponse:
    """Second step of signing in for users with a confirmed TOTP device."""
    user = _pending_user(request)
    if user is None:
        _clear_pending(request)
        messages.warning(request, _("登录已超时，请重新输入用户名和密码。"))
        return redirect("accounts:login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.login_check_token(request=request, user=user, token=form.cleaned_data["token"])
        except services.LoginLocked as exc:
            _clear_pending(request)
            messages.error(request, exc.message)
            return redirect("accounts:login")
        except DomainError as exc:
            form.add_error("token", exc.message)
        else:
            _clear_pending(request)
            user.otp_device = device  # django_otp marks the new session verified on login
            auth_login(request, user, backend=user.backend)
            return redirect(_next_url(request))
    return render(request, "registration/login_otp.html", {"form": form, "next": _next_value(request), "pending_user": user})


@second_factor_exempt
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.logout_record(actor=request.user)
    auth_logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@second_factor_exempt
@login_required
@never_cache
def second_factor(request: HttpRequest) -> HttpResponse:
    """Where the middleware sends users who must pass a second factor: enrol, or enter a token."""
    nxt = _next_value(request)
    if selectors.confirmed_device(user=request.user) is None:
        target = resolve_url("accounts:totp_setup")
        return redirect(f"{target}?next={nxt}" if nxt else target)
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.totp_verify(user=request.user, token=form.cleaned_data["token"])
        if device is None:
            form.add_error("token", _("动态口令错误或已使用，请等待下一个口令。"))
        else:
            otp_login(request, device)
            return redirect(_next_url(request))
    return render(request, "accounts/second_factor.html", {"form": form, "next": nxt})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


@second_factor_exempt
@login_required
@never_cache
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol (or replace) the TOTP device: scan the QR code, then confirm with the first token."""
    existing = selectors.confirmed_device(user=request.user)
    if existing is not None and not request.user.is_verified():
        # Replacing a device needs the current one first.
        return redirect(f"{resolve_url('accounts:second_factor')}?next={request.get_full_path()}")
    device = services.totp_device_start(actor=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_device_confirm(actor=request.user, device=device, token=form.cleaned_data["token"])
        except DomainError as exc:
            form.add_error("token", exc.message)
        else:
            otp_login(request, device)
            messages.success(request, _("动态口令已绑定。今后登录时需要输入手机上的 6 位口令。"))
            return redirect(_next_url(request, "accounts:profile"))
    uri = device.config_url
    secret = uri.split("secret=", 1)[1].split("&", 1)[0]
    context = {
        "form": form,
        "qr_svg": _qr_svg(uri),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "otpauth_uri": uri,
        "replacing": existing is not None,
        "next": _next_value(request),
    }
    return render(request, "accounts/totp_setup.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's own account: role, capabilities, grants, second factor and API token."""
    context = {
        "grants": selectors.grant_rows(user=request.user),
        "capabilities": selectors.capability_list(user=request.user),
        "device": selectors.confirmed_device(user=request.user),
        "token": selectors.api_token_get(user=request.user),
        "second_factor_required": services.second_factor_required(request.user),
    }
    return render(request, "accounts/profile.html", context)


@login_required
@never_cache
def api_token(request: HttpRequest) -> HttpResponse:
    """Create, rotate or revoke the user's own API token. A new key is shown once."""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.api_token_revoke(actor=request.user)
            messages.info(request, _("API 令牌已作废。"))
        else:
            token = services.api_token_rotate(actor=request.user)
            request.session[NEW_TOKEN] = token.key  # server-side session, shown once on the next page
            messages.success(request, _("已生成新的 API 令牌，旧令牌立即失效。"))
        return redirect("accounts:api_token")
    context = {"token": selectors.api_token_get(user=request.user), "new_key": request.session.pop(NEW_TOKEN, None)}
    return render(request, "accounts/api_token.html", context)


# ---- API: POST /api/token/ ----


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp_token = serializers.CharField(required=False, allow_blank=True, default="", help_text="TOTP token, for users with a second factor")


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class ApiTokenViewSet(viewsets.ViewSet):
    """Exchange a username and password (and a TOTP token where needed) for the user's API token.

    The login lockout applies: a locked username answers 429 with `locked_until`."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = TokenRequestSerializer

    @extend_schema(
        operation_id="token_obtain",
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="Wrong username, password or TOTP token"),
            429: OpenApiResponse(
                response=inline_serializer(
                    "LockedResponse", {"detail": serializers.CharField(), "locked_until": serializers.DateTimeField()}
                ),
                description="Too many failed attempts: locked until `locked_until`",
            ),
        },
        auth=[],
        tags=["auth"],
    )
    def create(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token = services.api_token_obtain(request=request._request, **data.validated_data)
        except services.LoginLocked as exc:
            seconds = max(1, int((exc.until - timezone.now()).total_seconds()))
            return Response(
                {"detail": exc.message, "locked_until": exc.until.isoformat()},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(seconds)},
            )
        except DomainError as exc:
            return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"token": token.key})
