"""The admin site signs nobody in itself: its login, logout and password-change pages send people
to the platform's own (throttled, audited, with the second factor), so there is one way in.

It is for superusers only (the operator's tool: raw tables, sign-in counters). Accounts are managed
on the platform's own page (账号管理, fangkong.accounts.management_views), where an account manager
who opens /admin/ is sent."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from fangkong.core.permissions import user_can

from .permissions import ACCOUNTS_MANAGE


class FangkongAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def _next(self, request: HttpRequest) -> str:
        candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
        ok = url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure())
        return candidate if ok else reverse("admin:index", current_app=self.name)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """Never checks a password: anonymous visitors (a POST too) go to the login page."""
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect(self._next(request))
            if user_can(request.user, ACCOUNTS_MANAGE):
                messages.info(request, _("后台仅供超级管理员使用；账号、角色和管辖范围请在“账号管理”中维护。"))
                return redirect("accounts:account_list")
            raise PermissionDenied  # signed in, but not a superuser: no loop back to the login page
        return redirect(f"{reverse('accounts:login')}?{urlencode({REDIRECT_FIELD_NAME: self._next(request)})}")

    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        from .views import logout_view

        return logout_view(request)

    def password_change(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return redirect("accounts:password_change")
