"""Orderly movement (有序流动): vehicle passes and their scans at checkpoints, checkpoints and their
logs, departure applications and the departures (a coach, a flight) approved travellers leave on.

A pass (一车一事一证) is for one plate, one purpose, one trip (origin → destination within a validity
window) and a named driver, whose ID number is stored encrypted with a keyed hash for the
checkpoint's comparison and a masked form for display (as geo.Person). The QR code carries a token
signed with Ed25519 (fangkong.movement.signing) so a checkpoint phone verifies it offline; every
scan, accepted or refused, is a row here, refused ones flagged for the issuing office.

Every row carries the place ids it is scoped by (district, street, community): a pass its issuing
office's district, a scan its checkpoint's, an application its resident's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.core.scoping import ScopedQuerySet
from fangkong.geo.models import cached_fk

from .choices import (
    ApplicationStatus,
    BatchKind,
    BatchStatus,
    CheckpointRole,
    CheckpointStatus,
    FeverAction,
    MemberStatus,
    NoticeKind,
    PassStatus,
    ScanOutcome,
    ScanRefusal,
    SelfApplicationStatus,
    TravelMode,
)

PLACE_SCOPE = {"district": "district_id", "street": "street_id", "community": "community_id"}


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


class Departure(TimeStampedModel):
    """A coach or a flight (一车、一机) approved travellers leave on, with its passenger list."""

    mode = models.CharField(_("方式"), max_length=8, choices=TravelMode.choices)
    label = models.CharField(_("班次"), max_length=60)  # a coach's plate, a flight number
    destination = models.CharField(_("目的地"), max_length=120)
    departs_at = models.DateTimeField(_("出发时间"))
    capacity = models.PositiveSmallIntegerField(_("座位数"))
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
        ordering = ["departs_at", "id"]
        verbose_name = _("离开班次")

    def __str__(self) -> str:
        return f"{self.label} → {self.destination}"


class DepartureApplication(TimeStampedModel):
    """A resident's request to leave the city (有序离呼), decided by the active policy's rules; the
    decision keeps each rule met or not, with its citation, for the person and the supervisor."""

    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("方式"), max_length=8, choices=TravelMode.choices)
    destination = models.CharField(_("目的地"), max_length=120)
    travel_date = models.DateField(_("出行日期"))
    status = models.CharField(_("状态"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision = models.JSONField(_("审核依据"), default=list, blank=True)  # [{"rule", "met", "text", "citation"}]
    profile_code = models.CharField(_("政策版本"), max_length=48, blank=True)
    departure = models.ForeignKey(Departure, null=True, blank=True, on_delete=models.SET_NULL, related_name="passengers")
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    grid = cached_fk("geo.Grid", _("网格"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = {**PLACE_SCOPE, "grid": "grid_id"}

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "travel_date"], name="movement_app_status"),
            models.Index(fields=["community", "status"], name="movement_app_community"),
            models.Index(fields=["district", "status"], name="movement_app_district"),
            models.Index(fields=["person", "status"], name="movement_app_person"),
        ]
        verbose_name = _("离开申请")

    @property
    def unmet(self) -> list[dict]:
        return [d for d in self.decision if not d.get("met")]


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


class SelfApplication(models.Model):
    """A resident's own application from their phone (居民自助申请), as they typed it: nothing is looked
    up when it arrives (the page answers the same whoever the number belongs to), the ID number and
    phone sealed, hashed and masked like a resident's. It lands with the chosen community, whose
    worker confirms it against the registry — then it is filed and decided as a departure
    application — or turns it down with the reason."""

    name = models.CharField(_("姓名"), max_length=64)
    id_cipher = models.TextField()
    id_hash = models.CharField(max_length=32)
    id_masked = models.CharField(_("证件号码"), max_length=24)
    phone_cipher = models.TextField()
    phone_masked = models.CharField(_("手机号"), max_length=20)
    mode = models.CharField(_("方式"), max_length=8, choices=TravelMode.choices)
    destination = models.CharField(_("目的地"), max_length=120)
    travel_date = models.DateField(_("出行日期"))
    status = models.CharField(_("状态"), max_length=12, choices=SelfApplicationStatus.choices, default=SelfApplicationStatus.PENDING)
    reject_reason = models.CharField(_("未通过原因"), max_length=200, blank=True)
    application = models.ForeignKey(DepartureApplication, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["community", "status"], name="movement_selfapp_community")]
        constraints = [
            models.UniqueConstraint(fields=["id_hash"], condition=models.Q(status="pending"), name="movement_selfapp_one_pending")
        ]
        verbose_name = _("居民自助离开申请")

    def __str__(self) -> str:
        return f"{self.id_masked} {self.travel_date}"
