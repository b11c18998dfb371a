"""A daily report (日报): one per place and day at each level of the command chain.

`figures` holds the day's numbers by the board's figure keys ("cases.awaiting": 3) — filled in from
the modules' board figures for a community (or any level opening a fresh report), the sum of its
units' submitted reports once the level above compiles. `deadline` is the policy's deadline for the
level on that day, stored when the report is opened (deadlines are data); `late` is decided once, at
the first submission. `compiled_into` is the report of the level above that took this one in: from
then on it cannot change until that level reopens it (an audited action)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.core.scoping import ScopedQuerySet

from .choices import ReportLevel, ReportStatus


class DailyReport(TimeStampedModel):
    date = models.DateField(_("日期"))
    level = models.CharField(_("层级"), max_length=16, choices=ReportLevel.choices)
    # "city", "district:3", "street:12", "community:240": one report per place and day.
    place_key = models.CharField(max_length=32)
    district = models.ForeignKey("geo.District", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("geo.Street", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("geo.Community", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    place_name = models.CharField(_("单位"), max_length=128)
    status = models.CharField(_("状态"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    figures = models.JSONField(_("主要数据"), default=dict, blank=True)
    problems = models.TextField(_("存在的问题"), blank=True)
    needs = models.TextField(_("困难和需求"), blank=True)
    next_steps = models.TextField(_("下一步工作"), blank=True)
    deadline = models.DateTimeField(_("报送截止时间"))
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    late = models.BooleanField(_("逾期"), default=False)
    compiled_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="units")
    compiled_at = models.DateTimeField(_("汇总时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id", "street": "street_id", "community": "community_id"}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["date", "place_key"], name="daily_report_one_per_place_and_day")]
        indexes = [models.Index(fields=["date", "level"], name="daily_report_date_level")]
        ordering = ["-date", "level", "place_name"]

    def __str__(self) -> str:
        return f"{self.place_name} {self.date:%Y-%m-%d}"

    @property
    def place_id(self) -> int | None:
        return getattr(self, f"{self.level}_id", None) if self.level != ReportLevel.CITY else None
