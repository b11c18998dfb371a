"""What each role may do in 快隔 and 流调 (registered with the platform in registry.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.cases.permissions import CasesCap
from fangkong.core.modules import Capability
from fangkong.core.permissions import need_to_know
from fangkong.core.roles import OFFICES, Role, roles


class IsolationCap:
    VIEW = "isolation.view"  # the personal details of people in isolation and of contacts (need-to-know)
    MANAGE = "isolation.manage"  # isolation sites, rooms, check-in, tests, release, inbound arrivals
    HANDOVER = "isolation.handover"  # the receiving community confirms handover; home checks and tests
    TRACE = "isolation.trace"  # 流调: record contacts of cases and their exposures; contacts are isolated the same day


CAPABILITIES = [
    Capability(
        IsolationCap.VIEW,
        _("查看隔离人员与密接的个人信息"),
        _("您的角色无权查看隔离人员与密接的个人信息"),
        OFFICES | roles(Role.GRID_WORKER, Role.ISOLATION_SITE_STAFF),
        personal=True,
    ),
    Capability(
        IsolationCap.MANAGE,
        _("管理隔离点、入住、检测与解除隔离"),
        _("您的角色无权管理隔离点、入住、检测或解除隔离"),
        roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE, Role.ISOLATION_SITE_STAFF),
    ),
    Capability(
        IsolationCap.HANDOVER,
        _("确认交接、居家隔离核查与检测"),
        _("您的角色无权确认交接或登记居家隔离核查"),
        OFFICES | roles(Role.GRID_WORKER),
    ),
    Capability(
        IsolationCap.TRACE, _("流调：登记密接与暴露"), _("您的角色无权登记流调密接"), roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE)
    ),
]

# Need-to-know: every 快隔 page or fragment that shows the personal details of people in isolation is
# wrapped in `people_details`; 流调 shows cases and their contacts together, so its pages need both
# capabilities (`tracing_details`). The API's viewsets declare the same (api/views.py).
PEOPLE = (IsolationCap.VIEW,)
TRACING = (CasesCap.VIEW, IsolationCap.VIEW)
people_details = need_to_know(*PEOPLE)
tracing_details = need_to_know(*TRACING)
