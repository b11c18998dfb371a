"""The system's flags name places, rules and item ids — no person — so the page is opened by a grant
alone (a user sees the flags of their places); `flags.view` says whose menu shows it and who is
alerted: the offices of the command chain, the supervisors and auditors (监督执纪, 跟踪问效). The
items' own pages keep their need-to-know."""

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
