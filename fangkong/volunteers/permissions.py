"""What each role may do with volunteers (registered with the platform in registry.py). A grant says
where: the volunteers living in the user's places, or those of an organisation the user is granted
(a facility grant "facility:volunteer_organisation"); a capability says what. The totals name no
person and need a grant alone."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Capability
from fangkong.core.roles import OFFICES, Role, roles

ORGANISATION_GRANT = "facility:volunteer_organisation"


class VolunteersCap:
    VIEW = "volunteers.view"  # the volunteers' names, masked ID numbers and phones (need-to-know)
    MANAGE = "volunteers.manage"  # verify, approve, import; organisations, teams, service points, needs, assignments
    RECORD = "volunteers.record"  # vehicles, trips and disinfection records
    DEPLOY = "volunteers.deploy"  # party members, cadres and police sent to places (下沉): assign, recall, put on a 4+N roster


COORDINATORS = roles(Role.VOLUNTEER_COORDINATOR, Role.DISTRICT_OFFICE)

CAPABILITIES = [
    Capability(
        VolunteersCap.VIEW,
        _("查看志愿者名单"),
        _("您的角色无权查看志愿者名单"),
        OFFICES | roles(Role.VOLUNTEER_COORDINATOR),
        personal=True,
    ),
    Capability(VolunteersCap.MANAGE, _("管理志愿者与服务点"), _("只有志愿者协调员可以审核志愿者、安排班次"), COORDINATORS),
    Capability(VolunteersCap.RECORD, _("登记车辆与消杀"), _("您的角色无权登记车辆与消杀"), COORDINATORS | roles(Role.STREET_OFFICE)),
    Capability(
        VolunteersCap.DEPLOY,
        _("安排下沉人员"),
        _("您的角色无权安排报到党员、包联干部和下沉干警"),
        OFFICES | roles(Role.VOLUNTEER_COORDINATOR),
    ),
]
