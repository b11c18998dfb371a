"""What each role may do in orderly movement (registered with the platform in registry.py).

Passes: the district office (its traffic group) and the command issue and approve them;
checkpoints: the same traffic group proposes and approves them (another of its staff), and a
checkpoint closing a highway or a trunk road is approved only by the city's command (报批); a
checkpoint's staff (office accounts granted the checkpoint's district) scan them. Departures:
the community worker files for a resident; the district office and the command decide and group travellers into a coach or
a flight. Passenger lists and pass holders are personal details: need-to-know (movement.view)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Capability
from fangkong.core.roles import OFFICES, Role, roles


class MovementCap:
    VIEW = "movement.view"  # passes, applications and passenger lists with names (masked)
    PASS_ISSUE = "movement.pass_issue"  # request a vehicle pass
    PASS_APPROVE = "movement.pass_approve"  # approve (sign) or revoke a pass
    CHECKPOINT_APPROVE = "movement.checkpoint_approve"  # approve or reject a proposed checkpoint (not one's own)
    CLOSURE_APPROVE = "movement.closure_approve"  # approve a checkpoint closing a highway or trunk road (报批)
    CHECK = "movement.check"  # scan passes at a checkpoint
    DEPART = "movement.depart"  # file a departure application for a resident
    ORGANISE = "movement.organise"  # decide applications, group travellers into departures


TRAFFIC = roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE)

CAPABILITIES = [
    Capability(MovementCap.VIEW, _("查看通行证和离开申请"), _("您的角色无权查看通行证和离开申请"), OFFICES, personal=True),
    Capability(MovementCap.PASS_ISSUE, _("申请车辆通行证"), _("您的角色无权申请车辆通行证"), TRAFFIC),
    Capability(MovementCap.PASS_APPROVE, _("审批、撤销车辆通行证"), _("只有区县防控办（交通组）或指挥部可以审批通行证"), TRAFFIC),
    Capability(
        MovementCap.CHECKPOINT_APPROVE,
        _("审批卡口设置"),
        _("只有区县防控办（交通组）或指挥部可以审批卡口设置"),
        TRAFFIC,
    ),
    Capability(
        MovementCap.CLOSURE_APPROVE,
        _("审批封闭高速公路、阻断国省干线的卡口（报批）"),
        _("封闭高速公路或阻断国省干线的卡口须报市指挥部审批"),
        roles(Role.COMMAND_CENTRE),
    ),
    Capability(MovementCap.CHECK, _("卡口核验通行证"), _("您的角色无权在卡口核验通行证"), OFFICES),
    Capability(MovementCap.DEPART, _("代居民提交离开申请"), _("您的角色无权提交离开申请"), OFFICES | roles(Role.GRID_WORKER)),
    Capability(
        MovementCap.ORGANISE,
        _("审核离开申请、编排班次"),
        _("您的角色无权审核离开申请或编排班次"),
        TRAFFIC,
    ),
]
