"""What each role may do in 快检: the capabilities live in fangkong.accounts.roles; this module
names them for the testing app and raises a clear refusal."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from fangkong.accounts.roles import Cap, user_can
from fangkong.core.errors import PermissionRefused


class TestingCap:
    PLAN = Cap.TESTING_PLAN
    SAMPLE = Cap.TESTING_SAMPLE
    LAB = Cap.TESTING_LAB
    CHECK = Cap.TESTING_CHECK


_MESSAGES = {
    TestingCap.PLAN: _("您的角色无权安排核酸检测轮次"),
    TestingCap.SAMPLE: _("您的角色无权采样登记"),
    TestingCap.LAB: _("您的角色无权接收试管或报告结果"),
    TestingCap.CHECK: _("您的角色无权登记入户核查"),
}


def testing_can(user: Any, cap: str) -> bool:
    return user_can(user, cap)


def require(user: Any, cap: str) -> None:
    if not user_can(user, cap):
        raise PermissionRefused(str(_MESSAGES[cap]), rule=cap)
