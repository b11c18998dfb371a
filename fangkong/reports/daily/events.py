"""Audit event types of the daily reports (registered with the platform from the registry)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyReportEvent(models.TextChoices):
    OPENED = "reports.daily_opened", _("新建日报")
    EDITED = "reports.daily_edited", _("修改日报")
    REFILLED = "reports.daily_refilled", _("日报数据重新取数")
    SUBMITTED = "reports.daily_submitted", _("报送日报")
    COMPILED = "reports.daily_compiled", _("汇总下级日报")
    REOPENED = "reports.daily_reopened", _("退回下级日报")
