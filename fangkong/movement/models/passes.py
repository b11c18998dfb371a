"""Vehicle passes (一车一事一证) and every scan of one at a checkpoint, accepted or refused."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.core.scoping import ScopedQuerySet
from fangkong.geo.models import cached_fk

from ..choices import PassStatus, ScanOutcome, ScanRefusal
from .checkpoints import Checkpoint
from .scope import PLACE_SCOPE


class VehiclePass(TimeStampedModel):
    plate = models.CharField(_("车牌"), max_length=16)
    purpose = models.CharField(_("事由"), max_length=200)
    origin = models.CharField(_("起点"), max_length=120)
    destination = models.CharField(_("终点"), max_length=120)
    valid_from = models.DateTimeField(_("有效期自"))
    valid_until = models.DateTimeField(_("有效期至"))
    driver_name = models.CharField(_("驾驶人"), max_length=64)
    driver_id_cipher = models.TextField(_("驾驶人证件号码（密文）"))
    driver_id_hash = models.CharField(max_length=32)
    driver_id_masked = models.CharField(_("驾驶人证件号码"), max_length=24)
    status = models.CharField(_("状态"), max_length=16, choices=PassStatus.choices, default=PassStatus.REQUESTED)
    # Bumped each time the pass is signed: a code signed before (a re-issue) no longer opens it.
    serial = models.PositiveIntegerField(default=0)
    district = cached_fk("geo.District", _("签发区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("撤销理由"), max_length=200, blank=True)
    completed_at = models.DateTimeField(_("行程完成时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["plate", "status"], name="movement_pass_plate"),
            models.Index(fields=["district", "status"], name="movement_pass_district"),
            models.Index(fields=["status", "revoked_at"], name="movement_pass_revoked"),
        ]
        verbose_name = _("车辆通行证")

    def __str__(self) -> str:
        return f"{self.number} {self.plate}"

    @property
    def number(self) -> str:
        return f"TX{self.pk:07d}" if self.pk else ""


class PassScan(models.Model):
    """A pass shown at a checkpoint: passed, arrived (the trip is done) or refused, and why."""

    vehicle_pass = models.ForeignKey(VehiclePass, null=True, blank=True, on_delete=models.PROTECT, related_name="scans")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="scans")
    # The scanning phone's own id for this scan: a scan queued offline and sent twice is recorded once.
    client_ref = models.CharField(max_length=64, unique=True)
    scanned_at = models.DateTimeField(_("核验时间"))
    recorded_at = models.DateTimeField(_("上传时间"))
    offline = models.BooleanField(_("离线核验"), default=False)
    outcome = models.CharField(_("结果"), max_length=16, choices=ScanOutcome.choices)
    refusal = models.CharField(_("拒绝原因"), max_length=16, choices=ScanRefusal.choices, blank=True)
    plate_seen = models.CharField(_("实际车牌"), max_length=16, blank=True)
    driver_checked = models.BooleanField(_("已核对驾驶人证件"), default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["-scanned_at", "-id"]
        indexes = [
            models.Index(fields=["vehicle_pass", "scanned_at"], name="movement_scan_pass"),
            models.Index(fields=["checkpoint", "scanned_at"], name="movement_scan_checkpoint"),
            models.Index(fields=["outcome", "refusal"], name="movement_scan_outcome"),
            # The alert rule's finder: the refusals recorded since its last run.
            models.Index(fields=["recorded_at"], condition=models.Q(outcome="refused"), name="movement_scan_refused_at"),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} {self.scanned_at:%Y-%m-%d %H:%M}"
