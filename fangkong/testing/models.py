"""快检: testing rounds, sampling points, tubes and their members, lab results and what follows.

A round (轮次) covers some places; each covered area has a pooling mode set by the active policy.
Sampling staff open a tube (barcode) at a sampling point and add people to it; the lab receives
the tube and reports one result per tube. Each person's result in a round is the result of the
tube they were sampled in (and, after a pool-positive or invalid tube, of their single re-test).

Rows that belong to a person carry the ids of the person's places (district … household) copied
at the time of sampling, so coverage is a grouped query on one indexed table. On the large tables
(TubeMember) these copies are plain indexed columns without database foreign-key checks: they are
caches of the registry, not the source of truth, and COPY of millions of rows must not pay a
trigger per ancestor.

The three tables a round fills by the million (Tube, TubeMember, TubeResult) keep no database
foreign-key constraints at all (decision 0002): the services read every referenced row (person,
tube, point, laboratory, round) in the same transaction before writing, Django still applies
on_delete (PROTECT/CASCADE) in the ORM, and the deferred FK checks cost more than the COPY itself
(measured: 99,000 member rows, COPY with indexes 1.3 s, FK checks at commit 3.0 s more).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.filestore import private_storage
from fangkong.core.models import TimeStampedModel
from fangkong.geo.models import PersonPlaces, cached_fk
from fangkong.results.choices import Result
from fangkong.zoning.choices import AreaClass, FoundIn

from .choices import (
    UPLOAD_FINISHED,
    CheckOutcome,
    ControlStatus,
    PoolingMode,
    PositiveStatus,
    ResamplingReason,
    ResamplingStatus,
    RoundStatus,
    ScopeLevel,
    StickerStatus,
    TubeStatus,
    UnmatchedReason,
    UploadStatus,
)
from .querysets import LaboratoryQuerySet, RoundQuerySet, SamplingPointQuerySet, TestingQuerySet, TubeQuerySet

LAB_GRANT = "facility:laboratory"


class Laboratory(TimeStampedModel):
    """A testing laboratory (检测机构). Lab users hold a facility grant `facility:laboratory` to it."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    code = models.CharField(_("代码"), max_length=32, unique=True)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)

    objects = LaboratoryQuerySet.as_manager()
    scope_paths = {LAB_GRANT: "id"}

    class Meta:
        ordering = ["name"]
        verbose_name = _("检测机构")

    def __str__(self) -> str:
        return self.name


class TestingRound(TimeStampedModel):
    """第 N 轮核酸检测: a scope, a start, a deadline and the pooling of each covered area."""

    number = models.PositiveIntegerField(_("轮次"), unique=True)
    name = models.CharField(_("名称"), max_length=100)
    status = models.CharField(_("状态"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.PLANNED)
    starts_at = models.DateTimeField(_("开始时间"))
    deadline_at = models.DateTimeField(_("完成时限"))
    deadline_rule = models.TextField(_("时限依据"), blank=True)
    result_deadline_hours = models.PositiveIntegerField(_("出结果时限（小时）"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        verbose_name = _("核酸检测轮次")

    def __str__(self) -> str:
        return self.name or f"第{self.number}轮"


class RoundArea(models.Model):
    """One place in a round's scope, with its area class and the pooling the policy sets for it."""

    round = models.ForeignKey(TestingRound, on_delete=models.CASCADE, related_name="areas")
    level = models.CharField(_("层级"), max_length=16, choices=ScopeLevel.choices)
    place_id = models.BigIntegerField(_("区域编号"), null=True, blank=True)
    place_name = models.CharField(_("区域"), max_length=100)
    area_class = models.CharField(_("区域类别"), max_length=16, choices=AreaClass.choices, default=AreaClass.PRECAUTION)
    pooling_mode = models.CharField(_("采样方式"), max_length=16, choices=PoolingMode.choices)
    pooling_rule = models.TextField(_("采样方式依据"), blank=True)

    class Meta:
        ordering = ["round_id", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "level", "place_id"], name="testing_round_area_unique")]

    def __str__(self) -> str:
        return f"{self.place_name} {self.get_pooling_mode_display()}"

    @property
    def place_label(self) -> str:
        """The place's name in the active language: the city's is a word (全市), not a stored name."""
        return str(ScopeLevel.CITY.label) if self.level == ScopeLevel.CITY else self.place_name


class SamplingPoint(TimeStampedModel):
    """采样点: belongs to a community, with opening hours and staff."""

    district = models.ForeignKey("geo.District", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("geo.Street", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("geo.Community", on_delete=models.PROTECT, related_name="sampling_points")
    grid = models.ForeignKey("geo.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=100, blank=True)
    staff_names = models.CharField(_("采样人员"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = SamplingPointQuerySet.as_manager()
    scope_paths = {"district": "district_id", "street": "street_id", "community": "community_id"}

    class Meta:
        ordering = ["community_id", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="testing_point_unique_name")]
        verbose_name = _("采样点")

    def __str__(self) -> str:
        return self.name


class Tube(models.Model):
    """A sample tube. Its barcode is unique in the round; one result per tube is current."""

    # No index of its own for the round: (round, barcode) leads with it.
    round = models.ForeignKey(TestingRound, on_delete=models.PROTECT, related_name="tubes", db_constraint=False, db_index=False)
    barcode = models.CharField(_("条码"), max_length=40)
    sampling_point = models.ForeignKey(SamplingPoint, on_delete=models.PROTECT, related_name="tubes", db_constraint=False)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    pooling_mode = models.CharField(_("采样方式"), max_length=16, choices=PoolingMode.choices)
    capacity = models.PositiveSmallIntegerField(_("容量"))
    member_count = models.PositiveSmallIntegerField(_("已采人数"), default=0)
    is_resample = models.BooleanField(_("上门单采"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=TubeStatus.choices, default=TubeStatus.OPEN)
    opened_at = models.DateTimeField(_("开管时间"))
    sampled_at = models.DateTimeField(_("采样时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("封管时间"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("出结果时限"), null=True, blank=True)
    # (laboratory, round) leads with the laboratory: no index of its own.
    laboratory = models.ForeignKey(
        Laboratory, null=True, blank=True, on_delete=models.PROTECT, related_name="tubes", db_constraint=False, db_index=False
    )
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    resulted_at = models.DateTimeField(_("出结果时间"), null=True, blank=True)
    result = models.CharField(_("结果"), max_length=16, choices=Result.choices, blank=True)

    objects = TubeQuerySet.as_manager()
    scope_paths = {"district": "district_id", "street": "street_id", "community": "community_id", LAB_GRANT: "laboratory_id"}

    class Meta:
        ordering = ["round_id", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "barcode"], name="testing_tube_barcode_unique")]
        indexes = [
            models.Index(fields=["round", "community"], name="testing_tube_round_comm"),
            models.Index(fields=["laboratory", "round"], name="testing_tube_lab_round"),
            # Tubes still waiting for a result, by deadline (overdue lists). Partial: a result leaves
            # it, so the lab's 320,000 result updates of a round add no entries here.
            models.Index(fields=["round", "deadline_at"], condition=Q(resulted_at__isnull=True), name="testing_tube_pending_due"),
        ]
        verbose_name = _("试管")

    def __str__(self) -> str:
        return self.barcode


class TubeMember(PersonPlaces):
    """One person sampled into one tube. A person is sampled once per round (re-tests aside)."""

    round = models.ForeignKey(TestingRound, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="members", db_constraint=False)
    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    building = cached_fk("geo.Building", _("楼栋"))
    unit = cached_fk("geo.Unit", _("单元"))
    is_resample = models.BooleanField(_("上门单采"), default=False)
    sampled_at = models.DateTimeField(_("采样时间"))

    objects = TestingQuerySet.as_manager()

    class Meta:
        ordering = ["tube_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "round"], condition=Q(is_resample=False), name="testing_member_once_per_round"),
        ]
        indexes = [
            models.Index(fields=["round", "community"], name="testing_member_round_comm"),
            models.Index(fields=["round", "grid"], name="testing_member_round_grid"),
        ]

    def __str__(self) -> str:
        return f"{self.tube_id}:{self.person_id}"


class TubeResult(models.Model):
    """A lab's result for a tube. A correction adds a row and supersedes the old one (kept)."""

    round = models.ForeignKey(TestingRound, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="results", db_constraint=False)
    laboratory = models.ForeignKey(
        Laboratory, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    result = models.CharField(_("结果"), max_length=16, choices=Result.choices)
    ct_orf1ab = models.FloatField(_("ORF1ab Ct"), null=True, blank=True)
    ct_n = models.FloatField(_("N Ct"), null=True, blank=True)
    reported_at = models.DateTimeField(_("报告时间"))
    decided_by = models.CharField(_("判定依据"), max_length=120, blank=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    source_row = models.PositiveIntegerField(_("来源行号"), null=True, blank=True)
    is_current = models.BooleanField(_("当前结果"), default=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False, db_index=False
    )
    created_at = models.DateTimeField(_("录入时间"))

    objects = TestingQuerySet.as_manager()
    scope_paths = {
        "district": "tube__district_id",
        "street": "tube__street_id",
        "community": "tube__community_id",
        LAB_GRANT: "tube__laboratory_id",
    }

    class Meta:
        ordering = ["tube_id", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tube"], condition=Q(is_current=True), name="testing_one_current_result"),
        ]
        verbose_name = _("检测结果")

    def __str__(self) -> str:
        return f"{self.tube_id} {self.result}"

    @property
    def ct_min(self) -> float | None:
        values = [v for v in (self.ct_orf1ab, self.ct_n) if v is not None]
        return min(values) if values else None


class UnmatchedResult(models.Model):
    """A reported result that matched no sampled tube: kept and shown, never dropped."""

    round = models.ForeignKey(TestingRound, on_delete=models.CASCADE, related_name="unmatched_results")
    laboratory = models.ForeignKey(Laboratory, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    barcode = models.CharField(_("条码"), max_length=40)
    reason = models.CharField(_("原因"), max_length=16, choices=UnmatchedReason.choices)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    source_row = models.PositiveIntegerField(_("来源行号"), null=True, blank=True)
    payload = models.JSONField(_("原始内容"), default=dict)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    resolved = models.BooleanField(_("已处理"), default=False)

    objects = LaboratoryQuerySet.as_manager()
    scope_paths = {LAB_GRANT: "laboratory_id"}

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.barcode} {self.get_reason_display()}"


class ResamplingTask(PersonPlaces, TimeStampedModel):
    """上门单采: sample this person alone, at home (after a pool-positive or invalid tube, or bedridden)."""

    round = models.ForeignKey(TestingRound, on_delete=models.PROTECT, related_name="resampling_tasks")
    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+")
    origin_tube = models.ForeignKey(Tube, null=True, blank=True, on_delete=models.PROTECT, related_name="resampling_tasks")
    reason = models.CharField(_("原因"), max_length=16, choices=ResamplingReason.choices)
    status = models.CharField(_("状态"), max_length=16, choices=ResamplingStatus.choices, default=ResamplingStatus.OPEN)
    resample_tube = models.ForeignKey(Tube, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sampled_at = models.DateTimeField(_("采样时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closing_note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = TestingQuerySet.as_manager()

    class Meta:
        ordering = ["grid_id", "household_id", "id"]
        indexes = [models.Index(fields=["round", "grid", "status"], name="testing_task_grid")]
        verbose_name = _("上门单采任务")

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_reason_display()}"


class DoorSamplingTask(PersonPlaces, TimeStampedModel):
    """上门采样: a household of a high-risk area in force (足不出户、上门服务) sampled at its door in the
    round, with the pooling the policy sets for the area (single tubes, or one tube for the household).
    Done when every resident is bound to a tube of the round — read from the tubes, by whichever path
    they were bound (fangkong.testing.selectors.door_sampling), never stored twice."""

    round = models.ForeignKey(TestingRound, on_delete=models.PROTECT, related_name="door_tasks")
    building = cached_fk("geo.Building", _("楼栋"))
    unit = cached_fk("geo.Unit", _("单元"))
    area = models.ForeignKey("zoning.RiskArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("风险区域"))
    area_class = models.CharField(_("区域类别"), max_length=16, choices=AreaClass.choices)
    pooling_mode = models.CharField(_("采样方式"), max_length=16, choices=PoolingMode.choices)
    pooling_rule = models.TextField(_("采样方式依据"), blank=True)
    residents = models.PositiveSmallIntegerField(_("计划时户内人数"), default=0)

    objects = TestingQuerySet.as_manager()

    class Meta:
        ordering = ["grid_id", "building_id", "unit_id", "household_id"]
        constraints = [models.UniqueConstraint(fields=["round", "household"], name="testing_door_task_once")]
        indexes = [models.Index(fields=["round", "grid"], name="testing_door_task_grid")]
        verbose_name = _("上门采样任务")

    def __str__(self) -> str:
        return f"{self.round_id}:{self.household_id}"


class PersonControl(PersonPlaces, TimeStampedModel):
    """就地管控: a person kept at home until a negative single re-test."""

    round = models.ForeignKey(TestingRound, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+")
    origin_tube = models.ForeignKey(Tube, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("原因"), max_length=200)
    status = models.CharField(_("状态"), max_length=16, choices=ControlStatus.choices, default=ControlStatus.ACTIVE)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    ended_reason = models.CharField(_("解除原因"), max_length=200, blank=True)

    objects = TestingQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "id"]
        indexes = [models.Index(fields=["person", "status"], name="testing_control_person")]
        verbose_name = _("就地管控")

    def __str__(self) -> str:
        return f"{self.person_id} {self.reason}"


class ConfirmedPositive(PersonPlaces, TimeStampedModel):
    """A person whose single tube was positive: awaiting case handling (the cases issue consumes this)."""

    round = models.ForeignKey(TestingRound, on_delete=models.PROTECT, related_name="positives")
    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+")
    tube = models.ForeignKey(Tube, on_delete=models.PROTECT, related_name="+")
    result = models.ForeignKey(TubeResult, on_delete=models.PROTECT, related_name="+")
    ct_orf1ab = models.FloatField(_("ORF1ab Ct"), null=True, blank=True)
    ct_n = models.FloatField(_("N Ct"), null=True, blank=True)
    detected_at = models.DateTimeField(_("检出时间"))
    found_in = models.CharField(_("发现场所"), max_length=16, choices=FoundIn.choices)
    found_in_basis = models.CharField(_("发现场所依据"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=PositiveStatus.choices, default=PositiveStatus.AWAITING_CASE)
    decided_by = models.TextField(_("判定依据"))

    objects = TestingQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], condition=~Q(status="withdrawn"), name="testing_one_positive_per_round"),
        ]
        verbose_name = _("阳性（待处置）")

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_status_display()}"


class HouseholdCheck(PersonPlaces):
    """敲门行动: a grid worker's check of one household in a round, with its sticker (核酸检测贴)."""

    round = models.ForeignKey(TestingRound, on_delete=models.CASCADE, related_name="+")
    sticker = models.CharField(_("检测贴"), max_length=16, choices=StickerStatus.choices, default=StickerStatus.NONE)
    checked_at = models.DateTimeField(_("核查时间"))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = TestingQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "household"], name="testing_household_check_unique")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_sticker_display()}"


class PersonCheck(PersonPlaces):
    """Why a resident was not sampled (or that they were sampled on the spot), per round."""

    round = models.ForeignKey(TestingRound, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("geo.Person", on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(_("核查结果"), max_length=16, choices=CheckOutcome.choices)
    whereabouts = models.CharField(_("去向"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    checked_at = models.DateTimeField(_("核查时间"))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = TestingQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="testing_person_check_unique")]
        indexes = [models.Index(fields=["round", "household"], name="testing_pcheck_household")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_outcome_display()}"


class ResultUpload(TimeStampedModel):
    """One lab result file (CSV, .xlsx or a FHIR R4 Bundle) uploaded for a round, and what became of it.

    The file is kept as uploaded (encrypted: fangkong.core.filestore), with its SHA-256, until the
    retention period ends (policy data.upload_retention_days; the row and its counts stay). Small files are applied in the request, large
    ones by a background job (fangkong.testing.tasks); either way `services.results_ingest` does the
    writing and the counts here are its IngestReport. A refused file keeps every error (row, field,
    message) for the lab to download, and nothing of it is written. Uploading the same file again
    changes no result: the second upload counts its rows as unchanged."""

    round = models.ForeignKey(TestingRound, on_delete=models.PROTECT, related_name="result_uploads")
    laboratory = models.ForeignKey(Laboratory, verbose_name=_("检测机构"), on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Stored encrypted, never served (fangkong.core.filestore); deleted after the retention period.
    file = models.FileField(_("文件"), upload_to="testing/results/%Y/%m/", storage=private_storage, blank=True)
    files_deleted_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True, help_text=_("上传文件按保留期限删除的时间"))
    original_name = models.CharField(_("原文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file_format = models.CharField(_("格式"), max_length=8)
    status = models.CharField(_("状态"), max_length=16, choices=UploadStatus.choices, default=UploadStatus.QUEUED)
    in_background = models.BooleanField(_("后台处理"), default=False)
    rows_total = models.PositiveIntegerField(_("结果行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增结果"), default=0)
    superseded_count = models.PositiveIntegerField(_("更正结果"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    unmatched_count = models.PositiveIntegerField(_("未匹配"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)  # [{"row", "field", "message"}]
    unmatched = models.JSONField(_("未匹配条码"), default=list, blank=True)  # [{"row", "barcode", "reason"}]
    consequences = models.JSONField(_("后续处置"), default=dict, blank=True)  # positives confirmed, controls, tasks …
    decided_by = models.CharField(_("判定依据"), max_length=200, blank=True)
    message = models.TextField(_("说明"), blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = LaboratoryQuerySet.as_manager()
    scope_paths = {LAB_GRANT: "laboratory_id"}

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["round", "laboratory", "-created_at"], name="testing_upload_lab"),
            models.Index(fields=["sha256"], name="testing_upload_sha256"),
        ]
        verbose_name = _("结果上传")

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in UPLOAD_FINISHED

    @property
    def wrote_nothing(self) -> bool:
        return self.status in (UploadStatus.REFUSED, UploadStatus.FAILED)
