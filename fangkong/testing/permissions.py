"""What each role may do in 快检 (registered with the platform in registry.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Capability
from fangkong.core.permissions import user_can
from fangkong.core.roles import Role, roles


class TestingCap:
    PLAN = "testing.plan"  # plan rounds and laboratories
    POINTS = "testing.points"  # add sampling points (in the communities the user covers)
    SAMPLE = "testing.sample"  # open tubes, bind people, close tubes
    LAB = "testing.lab"  # receive tubes, report results
    CHECK = "testing.check"  # door-knocking checks, home re-sampling


# Who tested positive is a case's personal detail (快转's need-to-know, docs/security.md §2.4): the
# positives queue (page and `/api/testing/positives/`) needs cases.view as well as a grant, and so does
# 快检 wherever it shows one person's positive — a resident's 阳性 or 混管阳性 on the coverage page, or a
# count of positives small enough to name one (per building, unit or household). A string, not
# fangkong.cases's constant: 快转 sits above 快检.
POSITIVES_NEED = ("cases.view",)


def positives_shown(user: Any) -> bool:
    """Whether `user` may read who tested positive (POSITIVES_NEED)."""
    return all(user_can(user, c) for c in POSITIVES_NEED)


_FIELD = roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE, Role.STREET_OFFICE, Role.COMMUNITY_WORKER, Role.GRID_WORKER)

CAPABILITIES = [
    Capability(
        TestingCap.PLAN,
        _("安排核酸检测轮次与检测机构"),
        _("您的角色无权安排核酸检测轮次"),
        roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE),
    ),
    # The community runs its sampling points: a community worker adds one where a round has none.
    Capability(
        TestingCap.POINTS,
        _("新建采样点"),
        _("您的角色无权新建采样点"),
        roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE, Role.STREET_OFFICE, Role.COMMUNITY_WORKER),
    ),
    Capability(TestingCap.SAMPLE, _("采样登记（开管、绑定、封管）"), _("您的角色无权采样登记"), _FIELD, personal=True),
    Capability(TestingCap.LAB, _("接收试管、报告检测结果"), _("您的角色无权接收试管或报告结果"), roles(Role.LABORATORY)),
    Capability(TestingCap.CHECK, _("入户核查与上门单采"), _("您的角色无权登记入户核查"), _FIELD, personal=True),
]
