"""Audit event types of zoning (registered with the platform from its registry)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ZoningEvent(models.TextChoices):
    AREA_DECLARED = "zoning.area_declared", _("划定风险区域")
    AREA_STATUS_CHANGED = "zoning.area_status_changed", _("风险区域状态变更")
    AREA_PROPOSED = "zoning.area_proposed", _("申请划定风险区域")
    AREA_APPROVED = "zoning.area_approved", _("批准划定风险区域")
    AREA_REJECTED = "zoning.area_rejected", _("不批准划定风险区域")
    AREA_DOWNGRADED = "zoning.area_downgraded", _("风险区域降级")
    AREA_LIFTED = "zoning.area_lifted", _("解除风险区域")
    LIFT_PROPOSED = "zoning.lift_proposed", _("系统提示解除风险区域")
    # 4+N duty
    DUTY_POST_ADDED = "zoning.duty_post_added", _("添加值守人员")
    DUTY_SHIFTS_ADDED = "zoning.duty_shifts_added", _("排定值守班次")
    DUTY_CHECKED_IN = "zoning.duty_checked_in", _("值守签到")
    DUTY_SHIFT_CHANGED = "zoning.duty_shift_changed", _("修改值守班次")
    DUTY_SHIFT_REMOVED = "zoning.duty_shift_removed", _("取消值守班次")
    DUTY_POST_REMOVED = "zoning.duty_post_removed", _("移出值守人员")
