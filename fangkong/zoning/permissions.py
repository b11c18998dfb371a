"""What each role may do with risk areas (registered with the platform in registry.py). The areas of
the user's places, their clocks and transitions need a grant alone: they name no person (the public
list shows the same)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Capability
from fangkong.core.roles import OFFICES, Role, roles


class ZoningCap:
    RESIDENTS = "zoning.residents"  # who is still missing from a lifting screening (masked; need-to-know)
    DECLARE = "zoning.declare"  # propose an area (the district office)
    DECIDE = "zoning.decide"  # approve, reject, lift (the command)
    DUTY = "zoning.duty"  # keep a compound's 4+N roster: posts and shifts (street and community offices, in their grants)
    CHECK_IN = "zoning.duty_check_in"  # check in for one's own shift (the person the post links to, and no one else)


CAPABILITIES = [
    Capability(ZoningCap.RESIDENTS, _("查看风险区域未筛查人员"), _("您的角色无权查看风险区域内的人员"), OFFICES, personal=True),
    Capability(
        ZoningCap.DECLARE, _("申请划定风险区域"), _("您的角色无权申请划定风险区域"), roles(Role.DISTRICT_OFFICE, Role.COMMAND_CENTRE)
    ),
    Capability(ZoningCap.DECIDE, _("审批、解除风险区域"), _("只有指挥部可以批准、驳回或解除风险区域"), roles(Role.COMMAND_CENTRE)),
    Capability(
        ZoningCap.DUTY,
        _("安排小区 4+N 值守"),
        _("您的角色无权安排小区值守"),
        roles(Role.DISTRICT_OFFICE, Role.STREET_OFFICE, Role.COMMUNITY_WORKER),
    ),
    Capability(ZoningCap.CHECK_IN, _("值守签到"), _("您的角色无权值守签到"), OFFICES | roles(Role.GRID_WORKER, Role.VOLUNTEER_COORDINATOR)),
]
