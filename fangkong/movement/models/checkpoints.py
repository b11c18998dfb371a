"""Checkpoints (卡口), their daily logs, the fevers recorded there and their shifts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.core.scoping import ScopedQuerySet
from fangkong.geo.models import cached_fk

from ..choices import CheckpointRole, CheckpointStatus, FeverAction
from .scope import PLACE_SCOPE


class Checkpoint(TimeStampedModel):
    """A checkpoint (检查站、卡口) proposed by a district's traffic group and approved by another of its
    staff (four eyes) before anyone is put on shift there or scans at it. One that would close a
    highway or a trunk road needs the approval the rules name (报批程序): the city's command approves
    it, with the approval's reference recorded here."""

    name = models.CharField(_("卡口名称"), max_length=120)
    road = models.CharField(_("所在道路"), max_length=120, blank=True)
    closes_trunk_road = models.BooleanField(_("封闭高速公路或国省干线"), default=False)
    approval_reference = models.CharField(_("报批文号"), max_length=120, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=CheckpointStatus.choices, default=CheckpointStatus.PROPOSED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.CharField(_("审批意见"), max_length=200, blank=True)
    # A closure's detour, announced in advance by the traffic police (seed 004: 对外发布绕行线路公告).
    detour_notice = models.CharField(_("绕行线路公告"), max_length=300, blank=True)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    @property
    def is_approved(self) -> bool:
        return self.status == CheckpointStatus.APPROVED

    class Meta:
        ordering = ["district_id", "name"]
        indexes = [models.Index(fields=["district"], name="movement_checkpoint_district")]
        verbose_name = _("卡口")

    def __str__(self) -> str:
        return self.name


class CheckpointLog(models.Model):
    """One vehicle checked at a checkpoint (逢车必查、逢人必测): how many people, how many with a
    fever, and what was done with them. Each fever is a CheckpointFever row with its temperature
    and action; `fevers` is their number, written with them (the counts per checkpoint and shift sum
    it), and `fever_action` their summary. A log written before fevers were recorded one by one has
    its count and its free-text action only."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="logs")
    at = models.DateTimeField(_("检查时间"))
    plate = models.CharField(_("车牌"), max_length=16)
    people = models.PositiveSmallIntegerField(_("随车人数"))
    fevers = models.PositiveSmallIntegerField(_("体温异常人数"), default=0)
    fever_action = models.CharField(_("体温异常处置"), max_length=200, blank=True)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["checkpoint", "at"], name="movement_log_checkpoint_at")]

    def __str__(self) -> str:
        return f"{self.plate} {self.at:%Y-%m-%d %H:%M}"


class CheckpointFever(models.Model):
    """One traveller found with a fever at a checkpoint: the temperature taken, what was done (转运发热
    门诊, 隔离观察, or 复测正常 with the retest's temperature). No name: the checkpoint logs vehicles,
    and a traveller taken to a fever clinic is registered there."""

    log = models.ForeignKey(CheckpointLog, on_delete=models.CASCADE, related_name="fever_records")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="fever_records")
    at = models.DateTimeField(_("检查时间"))
    temperature = models.DecimalField(_("体温（℃）"), max_digits=3, decimal_places=1)
    action = models.CharField(_("处置"), max_length=16, choices=FeverAction.choices)
    retest_temperature = models.DecimalField(_("复测体温（℃）"), max_digits=3, decimal_places=1, null=True, blank=True)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["checkpoint", "at"], name="movement_fever_checkpoint_at")]
        verbose_name = _("卡口发热人员记录")

    def __str__(self) -> str:
        return f"{self.temperature}℃ {self.action}"


class CheckpointShift(models.Model):
    """One person's shift at a checkpoint (卡口值守班次): their role, name and hours (UTC). The
    checkpoint's gaps — a moment of the next 24 hours without a police officer or a medic — come from
    these rows (fangkong.movement.shifts, fangkong.core.coverage), and the vehicles logged during a
    shift are its counts."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="shifts")
    role = models.CharField(_("岗位"), max_length=16, choices=CheckpointRole.choices)
    name = models.CharField(_("姓名"), max_length=64)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["checkpoint", "ends_at"], name="movement_shift_checkpoint")]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="movement_shift_order")]
        verbose_name = _("卡口值守班次")

    def __str__(self) -> str:
        return f"{self.checkpoint_id} {self.role} {self.starts_at:%Y-%m-%d %H:%M}"
