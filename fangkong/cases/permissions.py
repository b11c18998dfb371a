"""What each role may do in 快转 (registered with the platform in registry.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Capability
from fangkong.core.permissions import need_to_know
from fangkong.core.roles import OFFICES, Role, roles


class CasesCap:
    VIEW = "cases.view"  # the personal details of cases (need-to-know); figures need no capability
    OPEN = "cases.open"  # open cases by hand, classify, withdraw
    DISPATCH = "cases.dispatch"  # dispatch transfers, record pick-up and refusals
    TREAT = "cases.treat"  # admit, record tests, classify, discharge (hospital staff)
    MONITOR = "cases.monitor"  # home health monitoring after discharge
    FACILITY = "cases.facility"  # treatment facilities and their beds


CAPABILITIES = [
    Capability(
        CasesCap.VIEW, _("查看病例的个人信息"), _("您的角色无权查看病例的个人信息"), OFFICES | roles(Role.HOSPITAL_STAFF), personal=True
    ),
    Capability(CasesCap.OPEN, _("登记、分型、撤销病例"), _("您的角色无权登记或修改病例"), roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE)),
    Capability(CasesCap.DISPATCH, _("调度转运"), _("您的角色无权调度转运"), roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE)),
    Capability(
        CasesCap.TREAT, _("收治、检测、出院"), _("您的角色无权办理收治、检测或出院"), roles(Role.COMMAND_CENTRE, Role.HOSPITAL_STAFF)
    ),
    Capability(CasesCap.MONITOR, _("居家健康监测"), _("您的角色无权办理居家健康监测"), roles(Role.COMMAND_CENTRE, Role.COMMUNITY_WORKER)),
    Capability(
        CasesCap.FACILITY,
        _("管理定点医院、方舱医院及床位"),
        _("您的角色无权管理定点医院、方舱医院及床位"),
        roles(Role.COMMAND_CENTRE, Role.HOSPITAL_STAFF),
    ),
]

# Need-to-know: every 快转 page or fragment that shows a case's (or a monitored person's) personal
# details is wrapped in this; the API's viewsets declare the same capability (api/views.py).
case_details = need_to_know(CasesCap.VIEW)
