"""The roles people hold on the platform. What each role may do is declared by the modules (each
capability lists the roles that hold it: fangkong.core.modules); where, by the user's grants."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMAND_CENTRE = "command_centre", _("指挥部")
    DISTRICT_OFFICE = "district_office", _("区县防控办")
    STREET_OFFICE = "street_office", _("街道（乡镇）办事处")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    GRID_WORKER = "grid_worker", _("网格员")
    ISOLATION_SITE_STAFF = "isolation_site_staff", _("隔离点工作人员")
    HOSPITAL_STAFF = "hospital_staff", _("医院工作人员")
    LABORATORY = "laboratory", _("检测机构")
    VOLUNTEER_COORDINATOR = "volunteer_coordinator", _("志愿者协调员")
    SUPERVISOR = "supervisor", _("督导")
    AUDITOR = "auditor", _("审计员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


def roles(*members: str) -> frozenset[str]:
    return frozenset(str(m) for m in members)


# The offices of the command chain, from the city down to the community.
OFFICES = roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE, Role.STREET_OFFICE, Role.COMMUNITY_WORKER)
