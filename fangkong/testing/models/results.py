"""A lab's results: one current result per tube (corrections kept), the results that matched no tube,
and the uploaded files they came in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.filestore import private_storage
from fangkong.core.models import TimeStampedModel
from fangkong.policy.models import citation_column, cited_text
from fangkong.results.choices import Result

from ..choices import UPLOAD_FINISHED, UnmatchedReason, UploadStatus
from ..querysets import LaboratoryQuerySet, TestingQuerySet
from .laboratories import LAB_GRANT, Laboratory
from .rounds import TestingRound
from .tubes import Tube


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
    decision_citation = citation_column(_("判定依据"))  # the text: decided_by (the threshold, short)
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

    decided_by = cited_text("decision_citation", "The threshold rule the result was decided under (key<value@profile).")

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
    decision_citation = citation_column(_("判定依据"))  # the text: decided_by
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

    decided_by = cited_text("decision_citation", "The threshold rule the file's results were decided under, cited in full.")

    @property
    def is_finished(self) -> bool:
        return self.status in UPLOAD_FINISHED

    @property
    def wrote_nothing(self) -> bool:
        return self.status in (UploadStatus.REFUSED, UploadStatus.FAILED)
