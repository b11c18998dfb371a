"""Transfer batches (点对点转运): their vehicles and members, the receiving units, the one-time
handover links and the notices sent to the destination."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.core.scoping import ScopedQuerySet
from fangkong.geo.models import cached_fk

from ..choices import BatchKind, BatchStatus, MemberStatus, NoticeKind
from .departures import Departure
from .scope import PLACE_SCOPE


class TransferBatch(TimeStampedModel):
    """A point-to-point batch (点对点): a sending unit's list of people (a school's students, an
    employer's workers, released prisoners), each tested and temperature-checked before travel, a
    transport plan, a boarding check against the list, and the handover at the destination confirmed
    by the receiving unit with the count and the names (闭环). "成熟一批、转运一批": it leaves when every
    one still on it has boarded; those not ready wait for the next batch."""

    kind = models.CharField(_("类别"), max_length=16, choices=BatchKind.choices)
    sending_unit = models.CharField(_("送出单位"), max_length=120)
    receiving_unit = models.CharField(_("接收单位"), max_length=120)
    destination = models.CharField(_("目的地"), max_length=120)
    # The sending unit's demand list (需求清单): how many, when and where they are picked up.
    requested_count = models.PositiveIntegerField(_("需求人数"), null=True, blank=True)
    pickup_at = models.DateTimeField(_("需求时间（集合时间）"), null=True, blank=True)
    pickup_place = models.CharField(_("集合（上车）地点"), max_length=120, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.PLANNING)
    vehicle_plate = models.CharField(_("车牌"), max_length=16, blank=True)
    driver_name = models.CharField(_("驾驶人"), max_length=64, blank=True)
    route = models.CharField(_("路线"), max_length=200, blank=True)
    departs_at = models.DateTimeField(_("计划出发时间"), null=True, blank=True)
    departed_at = models.DateTimeField(_("出发时间"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("交接时间"), null=True, blank=True)
    handover_count = models.PositiveIntegerField(_("交接人数"), null=True, blank=True)
    handover_confirmed_by = models.CharField(_("接收人"), max_length=64, blank=True)
    # Who confirmed the handover for the receiving unit: a user of its district (in this city), or
    # nobody when it came through the unit's signed one-time link (HandoverLink).
    handover_confirmed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handover_link = models.ForeignKey("HandoverLink", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    receiver = models.ForeignKey(
        "ReceivingUnit", verbose_name=_("接收单位（通知对象）"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["district", "status"], name="movement_batch_district")]
        verbose_name = _("点对点转运批次")

    def __str__(self) -> str:
        return f"{self.sending_unit} → {self.destination}"

    @property
    def awaiting_handover(self) -> bool:
        """On its way or arrived, not yet confirmed by the receiving unit (交接待确认)."""
        return self.status == BatchStatus.IN_TRANSIT


class BatchVehicle(models.Model):
    """One vehicle of a batch's transport plan (运输计划): its plate and seats, and its driver — the ID
    number stored as a pass driver's is (encrypted, a keyed hash, a masked form for display)."""

    batch = models.ForeignKey(TransferBatch, on_delete=models.CASCADE, related_name="vehicles")
    plate = models.CharField(_("车牌"), max_length=16)
    seats = models.PositiveSmallIntegerField(_("核载人数"))
    driver_name = models.CharField(_("驾驶人"), max_length=64)
    driver_id_cipher = models.TextField(_("驾驶人证件号码（密文）"))
    driver_id_hash = models.CharField(max_length=32)
    driver_id_masked = models.CharField(_("驾驶人证件号码"), max_length=24)

    class Meta:
        ordering = ["batch_id", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "plate"], name="movement_batch_vehicle_once")]
        verbose_name = _("转运车辆")

    def __str__(self) -> str:
        return self.plate


class BatchMember(models.Model):
    batch = models.ForeignKey(TransferBatch, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.LISTED)
    temperature = models.DecimalField(_("体温"), max_digits=3, decimal_places=1, null=True, blank=True)
    checked_at = models.DateTimeField(_("检测时间"), null=True, blank=True)
    removed_reason = models.CharField(_("移出原因"), max_length=200, blank=True)
    boarded_at = models.DateTimeField(_("登车时间"), null=True, blank=True)
    vehicle = models.ForeignKey(
        BatchVehicle, verbose_name=_("车辆"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    # Set when the receiving unit's confirmation left this person unticked (未到, unaccounted); cleared
    # when a later confirmation accounts for them.
    unaccounted_at = models.DateTimeField(_("记为未到"), null=True, blank=True)

    class Meta:
        ordering = ["batch_id", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "person"], name="movement_member_once")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.person_id}"


class ReceivingUnit(models.Model):
    """A destination's receiving unit (接收地) — a city's or county's epidemic office, a school, a
    prison's receiving office — told when travellers are on their way and when they are handed over.
    Inside this city it names its district (whose office is notified in the platform); anywhere, a
    system administrator may give it a webhook (notifications: level 机构, kind `movement_receiver`,
    number = this unit's id). Configured in the admin."""

    name = models.CharField(_("接收单位"), max_length=120, unique=True)
    region = models.CharField(_("所在地"), max_length=120, blank=True)
    district = models.ForeignKey(
        "geo.District",
        verbose_name=_("本市区县"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("接收单位在本市时填写：该区县防控办在平台内收到通知"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("接收单位")
        verbose_name_plural = _("接收单位")

    def __str__(self) -> str:
        return f"{self.name}（{self.region}）" if self.region else self.name


class HandoverLink(models.Model):
    """The one-time link a receiving unit outside this city confirms a batch's handover with
    (fangkong.movement.handover): its URL carries a signed token of this row's id and nonce — no
    name, no ID number — valid until `expires_at`, and spent by the one confirmation it records."""

    batch = models.ForeignKey(TransferBatch, on_delete=models.CASCADE, related_name="handover_links")
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField(_("签发时间"))
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("交接确认链接")

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.pk}"


class DestinationNotice(models.Model):
    """One notice to a destination (an outbox row, written with the step that caused it): the
    notifications worker turns it into the in-platform notice and the webhook delivery
    (fangkong.movement.alerts). It holds counts and times, never a person."""

    kind = models.CharField(_("通知类型"), max_length=20, choices=NoticeKind.choices)
    receiver = models.ForeignKey(ReceivingUnit, on_delete=models.PROTECT, related_name="notices")
    departure = models.ForeignKey(Departure, null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    batch = models.ForeignKey(TransferBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    people = models.PositiveIntegerField(_("人数"))
    at = models.DateTimeField(_("通知时间"))

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["at"], name="movement_notice_at")]
        verbose_name = _("目的地通知")

    def __str__(self) -> str:
        return f"{self.kind} → {self.receiver_id}"
