"""Require a verified TOTP second factor for the roles named in FANGKONG_SECOND_FACTOR_ROLES.

Such a user without a verified device is sent to accounts:second_factor (enrol if they have no
device yet, else enter a token) from every page except the views marked `second_factor_exempt`
(login, logout, the second-factor pages themselves) and static files. API tokens are checked
elsewhere (fangkong.accounts.services.tokens): such a user's token works only when it was issued
after a second factor, and while a device is enrolled.

TemporaryPasswordMiddleware then sends a user who signed in with a temporary password (a new
account, or a password an account manager reset) to the change-password page until they change it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

EXEMPT_PREFIXES = ("/static/", "/i18n/")


def second_factor_exempt(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view reachable before the second factor is verified."""
    view.second_factor_exempt = True  # type: ignore[attr-defined]
    return view


def needs_second_factor(user: Any) -> bool:
    roles = getattr(settings, "FANGKONG_SECOND_FACTOR_ROLES", ())
    if not roles or user is None or not user.is_authenticated:
        return False
    if not (user.role in roles or user.is_superuser):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified and is_verified())


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any) -> HttpResponse | None:
        if getattr(view_func, "second_factor_exempt", False) or request.path.startswith(EXEMPT_PREFIXES):
            return None
        if needs_second_factor(getattr(request, "user", None)):
            return redirect(f"{reverse('accounts:second_factor')}?{urlencode({'next': request.get_full_path()})}")
        return None


class TemporaryPasswordMiddleware:
    """Until a temporary password is changed, every page but the change-password page (and those
    reachable before the second factor: signing out, the second-factor pages) redirects there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not getattr(user, "must_change_password", False):
            return None
        if getattr(view_func, "second_factor_exempt", False) or getattr(view_func, "password_change_exempt", False):
            return None
        if request.path.startswith(EXEMPT_PREFIXES):
            return None
        return redirect(reverse("accounts:password_change"))
