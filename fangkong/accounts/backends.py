"""The platform's only authentication backend: Django's `authenticate()` — whoever calls it (a
library, a future login form, `Client.login` in tests) — goes through the same throttle and audit
as the login page (fangkong.accounts.services.signin).

`authenticate()` has no second step, so users with a TOTP device, or whose role needs one, are
not signed in through it: they use the login page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record


class GuardedModelBackend(ModelBackend):
    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any) -> Any:
        from . import services

        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            result = services.login_check_password(request=request, username=username, password=password, enrolled_only=True)
        except services.LoginLocked:
            raise PermissionDenied from None  # stop: no other backend may try
        except services.LoginFailed:
            return None
        if result.needs_second_factor:
            audit_record(actor=None, event_type=EventType.LOGIN_FAILED, obj=result.user, reason="该登录途径不能输入动态口令")
            return None
        return result.user

    def get_user(self, user_id: Any) -> Any:
        """The session's user with their jurisdiction, from the cache while nothing it depends on
        changed (fangkong.accounts.signed_in); an inactive account is no one, as in ModelBackend."""
        from .signed_in import signed_in_user

        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
