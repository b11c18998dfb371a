"""Audit event types of the volunteers module (registered with the platform from its registry)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VolunteersEvent(models.TextChoices):
    APPLIED = "volunteers.applied", _("志愿者报名")
    APPLIED_AGAIN = "volunteers.applied_again", _("志愿者重复报名（未写入）")
    IMPORTED = "volunteers.imported", _("批量导入志愿者")
    VERIFIED = "volunteers.verified", _("核验志愿者身份")
    APPROVED = "volunteers.approved", _("批准志愿者")
    REJECTED = "volunteers.rejected", _("不批准志愿者")
    LINK_ISSUED = "volunteers.link_issued", _("发放志愿者个人链接")
    ORGANISATION_ADDED = "volunteers.organisation_added", _("添加志愿服务组织")
    TEAM_ADDED = "volunteers.team_added", _("添加志愿服务队")
    POINT_ADDED = "volunteers.point_added", _("添加服务点")
    TASK_TYPE_ADDED = "volunteers.task_type_added", _("添加任务类型")
    NEED_PUBLISHED = "volunteers.need_published", _("发布用人需求")
    SIGNED_UP = "volunteers.signed_up", _("志愿者报名班次")
    ASSIGNED = "volunteers.assigned", _("安排志愿者班次")
    CHECKED_IN = "volunteers.checked_in", _("志愿者签到")
    CHECKED_OUT = "volunteers.checked_out", _("志愿者签退")
    NO_SHOWS = "volunteers.no_shows", _("记录未到岗")
    VEHICLE_ADDED = "volunteers.vehicle_added", _("登记车辆")
    TRIP_ADDED = "volunteers.trip_added", _("登记出车")
    DISINFECTION_ADDED = "volunteers.disinfection_added", _("登记消杀")
    DEPLOYED = "volunteers.deployed", _("安排下沉人员")
    DEPLOYMENT_ENDED = "volunteers.deployment_ended", _("下沉人员撤回")
    DEPLOYMENT_ROSTERED = "volunteers.deployment_rostered", _("下沉人员编入 4+N 值守")
