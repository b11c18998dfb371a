"""What each role may do in 快隔: the capabilities live in fangkong.accounts.roles; this module
names them for the isolation app and raises a clear refusal."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from fangkong.accounts.roles import Cap, user_can
from fangkong.core.errors import PermissionRefused


class IsolationCap:
    MANAGE = Cap.ISOLATION_MANAGE
    HANDOVER = Cap.ISOLATION_HANDOVER
    TRACE = Cap.TRACING


_MESSAGES = {
    IsolationCap.MANAGE: _("您的角色无权管理隔离点、入住、检测或解除隔离"),
    IsolationCap.HANDOVER: _("您的角色无权确认交接或登记居家隔离核查"),
    IsolationCap.TRACE: _("您的角色无权登记流调密接"),
}


def isolation_can(user: Any, cap: str) -> bool:
    return user_can(user, cap)


def require(user: Any, cap: str) -> None:
    if not user_can(user, cap):
        raise PermissionRefused(str(_MESSAGES[cap]), rule=cap)
