"""Who reads the system's flags: the offices of the command chain (each its own places: a grant says
where), the supervisors and auditors (监督执纪, 跟踪问效). A flag names places, rules and item ids —
no person — so reading it needs no need-to-know capability; its items' pages keep their own."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Capability
from fangkong.core.roles import OFFICES, Role, roles


class FlagsCap:
    VIEW = "flags.view"


CAPABILITIES = [
    Capability(
        FlagsCap.VIEW,
        _("查看系统预警"),
        _("您的角色无权查看系统预警"),
        OFFICES | roles(Role.SUPERVISOR, Role.AUDITOR),
    ),
]
