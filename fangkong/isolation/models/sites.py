"""An isolation site (集中隔离点): its rooms, staff, daily checklist and incident log."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel

from ..choices import IncidentKind, RoomType, Severity, SiteKind, StaffDuty
from ..querysets import SITE_SCOPE, THROUGH_SITE, SiteChildQuerySet, SiteQuerySet
from .columns import _place, _user


class IsolationSite(TimeStampedModel):
    """集中隔离点. Site staff hold a facility grant `facility:isolation_site` to it."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=SiteKind.choices, default=SiteKind.HOTEL)
    district = _place("geo.District", _("区县"))
    street = _place("geo.Street", _("街道"))
    community = _place("geo.Community", _("社区"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("核定容量（人）"), default=0)
    manager_name = models.CharField(_("负责人"), max_length=64, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    receives_inbound = models.BooleanField(_("接收入境人员"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = SiteQuerySet.as_manager()
    scope_paths = SITE_SCOPE

    class Meta:
        ordering = ["district_id", "name"]
        verbose_name = _("隔离点")

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    """A room of a site. Holds one party (household or travelling group) at a time, up to its capacity."""

    site = models.ForeignKey(IsolationSite, on_delete=models.PROTECT, related_name="rooms")
    number = models.CharField(_("房间号"), max_length=16)
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    room_type = models.CharField(_("房型"), max_length=16, choices=RoomType.choices, default=RoomType.SINGLE)
    capacity = models.PositiveSmallIntegerField(_("可住人数"))
    is_active = models.BooleanField(_("可用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = SiteChildQuerySet.as_manager()
    scope_paths = THROUGH_SITE

    class Meta:
        ordering = ["site_id", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="isolation_room_unique_number"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="isolation_room_capacity_positive"),
        ]
        verbose_name = _("隔离房间")

    def __str__(self) -> str:
        return f"{self.site_id}-{self.number}"


class SiteStaff(TimeStampedModel):
    """A person on a site's duty roster (岗位职责), optionally with a platform account."""

    site = models.ForeignKey(IsolationSite, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField(_("姓名"), max_length=64)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    duty = models.CharField(_("岗位"), max_length=16, choices=StaffDuty.choices)
    user = _user(_("平台账号"))
    is_active = models.BooleanField(_("在岗"), default=True)

    objects = SiteChildQuerySet.as_manager()
    scope_paths = THROUGH_SITE

    class Meta:
        ordering = ["site_id", "duty", "name"]
        verbose_name = _("隔离点工作人员")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_duty_display()}）"


class SiteDailyChecklist(models.Model):
    """隔离场所内部管理: one checklist per site and local day; `gaps` lists what fell short."""

    site = models.ForeignKey(IsolationSite, on_delete=models.CASCADE, related_name="checklists")
    date = models.DateField(_("日期"))
    cleaning_done = models.BooleanField(_("房间及公共区域已清洁"), default=False)
    disinfection_done = models.BooleanField(_("已按要求消毒消杀"), default=False)
    occupied_rooms = models.PositiveIntegerField(_("在住房间数"), default=0)
    meals_breakfast_rooms = models.PositiveIntegerField(_("早餐送达房间数"), default=0)
    meals_lunch_rooms = models.PositiveIntegerField(_("午餐送达房间数"), default=0)
    meals_dinner_rooms = models.PositiveIntegerField(_("晚餐送达房间数"), default=0)
    staff_on_duty = models.PositiveIntegerField(_("在岗工作人员"), default=0)
    staff_health_checked = models.PositiveIntegerField(_("已健康监测人数"), default=0)
    staff_unwell = models.PositiveIntegerField(_("健康异常人数"), default=0)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    gaps = models.JSONField(_("问题"), default=list, blank=True)
    recorded_at = models.DateTimeField(_("填报时间"))
    recorded_by = _user(_("填报人"))

    objects = SiteChildQuerySet.as_manager()
    scope_paths = THROUGH_SITE

    class Meta:
        ordering = ["-date", "site_id"]
        constraints = [models.UniqueConstraint(fields=["site", "date"], name="isolation_checklist_daily")]
        verbose_name = _("隔离点每日检查")

    def __str__(self) -> str:
        return f"{self.site_id} {self.date}"


class SiteIncident(models.Model):
    """An incident at a site (someone left their room, a fall, a fire alarm …) and how it was handled."""

    site = models.ForeignKey(IsolationSite, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(_("类型"), max_length=24, choices=IncidentKind.choices)
    severity = models.CharField(_("等级"), max_length=16, choices=Severity.choices, default=Severity.LOW)
    occurred_at = models.DateTimeField(_("发生时间"))
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    episode = models.ForeignKey("isolation.IsolationEpisode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    description = models.TextField(_("情况"))
    reported_at = models.DateTimeField(_("报告时间"))
    reported_by = _user(_("报告人"))
    resolved_at = models.DateTimeField(_("处置完毕时间"), null=True, blank=True)
    resolution = models.TextField(_("处置情况"), blank=True)

    objects = SiteChildQuerySet.as_manager()
    scope_paths = THROUGH_SITE

    class Meta:
        ordering = ["-occurred_at", "id"]
        indexes = [models.Index(fields=["site", "resolved_at"], name="isolation_incident_open")]
        verbose_name = _("隔离点突发事件")

    def __str__(self) -> str:
        return f"{self.site_id} {self.get_kind_display()}"
