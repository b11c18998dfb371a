"""The daily report's levels and states."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportLevel(models.TextChoices):
    CITY = "city", _("市指挥部")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道（乡镇）")
    COMMUNITY = "community", _("社区")


# From the bottom up: the order of command.daily_report_deadline's values.
LEVELS_UP = (ReportLevel.COMMUNITY, ReportLevel.STREET, ReportLevel.DISTRICT, ReportLevel.CITY)
PARENT = {
    ReportLevel.COMMUNITY: ReportLevel.STREET,
    ReportLevel.STREET: ReportLevel.DISTRICT,
    ReportLevel.DISTRICT: ReportLevel.CITY,
}
CHILD = {parent: child for child, parent in PARENT.items()}


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("已报送")


# What the level above sees for each of its units on a day.
class UnitState(models.TextChoices):
    ON_TIME = "on_time", _("按时报送")
    LATE = "late", _("逾期报送")
    DRAFT = "draft", _("填报中未报送")
    MISSING = "missing", _("未报送")


TEXT_SECTIONS = (
    ("problems", _("存在的问题")),
    ("needs", _("困难和需求")),
    ("next_steps", _("下一步工作")),
)
