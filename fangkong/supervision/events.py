"""Audit event types of 督导 (registered with the platform from its registry)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupervisionEvent(models.TextChoices):
    TEAM_CREATED = "supervision.team_created", _("新建督导组")
    ASSIGNMENT_CREATED = "supervision.assignment_created", _("分派督导点位")
    INSPECTION_RECORDED = "supervision.inspection_recorded", _("记录督导检查")
    RECTIFICATION_FIXED = "supervision.rectification_fixed", _("提交整改证据")
    RECTIFICATION_VERIFIED = "supervision.rectification_verified", _("验证整改销号")
    RECTIFICATION_RETURNED = "supervision.rectification_returned", _("整改退回")
