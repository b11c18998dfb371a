"""What each role may do in 督导 (registered with the platform in registry.py).

The supervision teams (督导) inspect the places assigned to them and verify the fixes; the offices
own the rectifications in their jurisdiction and give the evidence of the fix; the command and the
district offices set up teams and assign places. Findings and photos are about places, not people."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Capability
from fangkong.core.roles import OFFICES, Role, roles


class SupervisionCap:
    VIEW = "supervision.view"  # inspections, findings and rectifications (an inspector: their assignments)
    INSPECT = "supervision.inspect"  # record an inspection of an assigned place, verify a fix
    RECTIFY = "supervision.rectify"  # give the evidence of a fix for a rectification one owns
    MANAGE = "supervision.manage"  # set up teams and assign places


CAPABILITIES = [
    Capability(
        SupervisionCap.VIEW,
        _("查看督导检查和整改"),
        _("您的角色无权查看督导检查和整改"),
        OFFICES | roles(Role.SUPERVISOR, Role.AUDITOR),
    ),
    Capability(SupervisionCap.INSPECT, _("督导检查、验证整改"), _("只有督导组成员可以记录督导检查、验证整改"), roles(Role.SUPERVISOR)),
    Capability(SupervisionCap.RECTIFY, _("提交整改证据"), _("您的角色无权提交整改证据"), OFFICES),
    Capability(
        SupervisionCap.MANAGE,
        _("组建督导组、分派点位"),
        _("只有指挥部或区县防控办可以组建督导组、分派点位"),
        roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE),
    ),
]
