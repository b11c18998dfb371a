"""What each role may do in 快转: the capabilities live in fangkong.accounts.roles; this module
names them for the cases app and raises a clear refusal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from fangkong.accounts.roles import Cap, user_can
from fangkong.core.errors import PermissionRefused


class CasesCap:
    OPEN = Cap.CASES_OPEN
    DISPATCH = Cap.CASES_DISPATCH
    TREAT = Cap.CASES_TREAT
    MONITOR = Cap.CASES_MONITOR
    FACILITY = Cap.CASES_FACILITY


_MESSAGES = {
    CasesCap.OPEN: _("您的角色无权登记或修改病例"),
    CasesCap.DISPATCH: _("您的角色无权调度转运"),
    CasesCap.TREAT: _("您的角色无权办理收治、检测或出院"),
    CasesCap.MONITOR: _("您的角色无权办理居家健康监测"),
    CasesCap.FACILITY: _("您的角色无权管理定点医院、方舱医院及床位"),
}


def cases_can(user: Any, cap: str) -> bool:
    return user_can(user, cap)


def require(user: Any, cap: str) -> None:
    if not user_can(user, cap):
        raise PermissionRefused(str(_MESSAGES[cap]), rule=cap)


def require_any(user: Any, caps: Iterable[str]) -> None:
    """Any one of `caps` will do (e.g. a refusal is recorded by the dispatcher or by the facility)."""
    caps = list(caps)
    if not any(user_can(user, c) for c in caps):
        raise PermissionRefused(str(_MESSAGES[caps[0]]), rule=" | ".join(caps))
