"""The vocabulary of the system's own flags: the two kinds 监督执纪 looks for (seed 000) and a flag's state."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FlagKind(models.TextChoices):
    UNDER = "under", _("履职不力")  # a step of the loop late: transfers, isolations, tubes, duty
    OVER = "over", _("层层加码、一刀切")  # control beyond the policy: kept too long, too wide, tested twice


class FlagState(models.TextChoices):
    OPEN = "open", _("未消除")
    CLEARED = "cleared", _("已消除")


class FlagRuleCode(models.TextChoices):
    """The rules (rules.py), by code: the page's filter, the alert's words."""

    TRANSFER_OVERDUE = "flags.transfer_overdue", _("阳性人员超时未转运")
    ISOLATION_OVERDUE = "flags.isolation_overdue", _("密接人员超时未隔离")
    TUBE_OVERDUE = "flags.tube_overdue", _("核酸超时未出结果")
    DUTY_GAP = "flags.duty_gap", _("封控小区4+N值守空档")
    AREA_KEPT_TOO_LONG = "flags.area_kept_too_long", _("风险区域逾期未解除")
    AREA_TOO_WIDE = "flags.area_too_wide", _("风险区域超出政策划定单位")
    TESTED_TWICE = "flags.tested_twice", _("同一人员同日重复核酸检测")
