"""Require a verified TOTP second factor for the roles named in FANGKONG_SECOND_FACTOR_ROLES."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/")


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        roles = getattr(settings, "FANGKONG_SECOND_FACTOR_ROLES", ())
        if (
            user is not None
            and user.is_authenticated
            and (user.role in roles or (user.is_superuser and roles))
            and not user.is_verified()
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            return redirect(f"{reverse('accounts:second_factor')}?next={request.path}")
        return self.get_response(request)
