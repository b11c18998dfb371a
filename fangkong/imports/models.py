"""Import jobs: one uploaded file of places and people, validated and written in one transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.filestore import private_storage
from fangkong.core.models import TimeStampedModel

from .readers import Source


class ImportMode(models.TextChoices):
    VALIDATE = "validate", _("仅校验（不写入）")
    STRICT = "strict", _("严格导入（有错误则全部不导入）")
    VALID_ROWS = "valid_rows", _("导入有效行（跳过错误行）")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")
    ROLLED_BACK = "rolled_back", _("已回滚")


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.ROLLED_BACK)


class ImportJob(TimeStampedModel):
    """One run of the importer over one file. Re-running the same file (e.g. "import the valid rows"
    after a dry run) makes a new job pointing at the same stored file through `rerun_of`."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Stored encrypted, never served (fangkong.core.filestore); deleted after the retention period.
    file = models.FileField(_("文件"), upload_to="imports/uploads/%Y/%m/", storage=private_storage, blank=True)
    source_path = models.CharField(_("服务器文件路径"), max_length=500, blank=True, help_text=_("命令行导入时的文件位置"))
    original_name = models.CharField(_("原文件名"), max_length=255)
    mode = models.CharField(_("导入方式"), max_length=16, choices=ImportMode.choices, default=ImportMode.STRICT)
    status = models.CharField(_("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    rerun_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns")
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    rows_valid = models.PositiveIntegerField(_("有效行数"), default=0)
    people_created = models.PositiveIntegerField(_("新增人员"), default=0)
    households_created = models.PositiveIntegerField(_("新增户"), default=0)
    places_created = models.PositiveIntegerField(_("新增区域（街道至单元、网格）"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    error_report = models.FileField(_("错误报告"), upload_to="imports/errors/%Y/%m/", storage=private_storage, blank=True)
    files_deleted_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True, help_text=_("上传文件和错误报告按保留期限删除的时间"))
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    message = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入任务")
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def wrote_nothing(self) -> bool:
        return self.mode == ImportMode.VALIDATE or self.status in (JobStatus.FAILED, JobStatus.ROLLED_BACK)

    @property
    def can_import_valid_rows(self) -> bool:
        """A dry run or strict run that found errors can be re-run importing only the good rows."""
        return (
            self.mode in (ImportMode.VALIDATE, ImportMode.STRICT)
            and self.status in (JobStatus.SUCCEEDED, JobStatus.ROLLED_BACK)
            and self.error_count > 0
            and self.rows_valid > 0
            and bool(self.file or self.source_path)
        )

    @property
    def file_owner_id(self) -> int | None:
        """Whose file this job reads: the uploader of the first job over it. A re-run points at the
        same stored file; its files (the upload, the error report built from it) follow that owner,
        never whoever started the re-run (a command-line job's file is nobody's: auditor only)."""
        job, seen = self, {self.pk}
        while job.rerun_of_id is not None and job.rerun_of_id not in seen:
            seen.add(job.rerun_of_id)
            job = job.rerun_of
        return job.created_by_id

    @property
    def source(self) -> Source:
        """What the importer reads: the stored upload (decrypted as it is read), or the operator's file."""
        if self.file:
            name = self.file.name
            return lambda: private_storage().stream(name)
        return self.source_path
