"""Every write to import jobs: create a job, re-run it, run it. The data itself is written by the
importer inside one transaction. A run that writes records its outcome on the job row inside that
same transaction (the rows and "succeeded" commit together, or neither: a worker killed after the
COMMIT leaves a finished job, never one the recovery sweep would call unwritten); a run that writes
nothing (a dry run, a strict run rolled back, a failure) records it after the rollback, so that
status survives. Progress goes to the cache, outside any transaction."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from fangkong.core.crypto import key_ring
from fangkong.core.errors import DomainError, PermissionRefused, failure_cause
from fangkong.core.filestore import delete_expired, private_storage
from fangkong.core.jobs import STALE_AFTER, enqueue, enqueue_on_commit, heartbeat, heartbeat_key, stalled
from fangkong.core.permissions import user_can
from fangkong.core.scoping import Jurisdiction, jurisdiction_of
from fangkong.core.xlsxguard import check_xlsx
from fangkong.geo.permissions import GeoCap

from .importer import Importer, Progress
from .models import FINISHED, ImportJob, ImportMode, JobStatus
from .outcome import ErrorReport, ImportResult
from .readers import ImportFileError, open_table

log = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".csv", ".xlsx", ".txt")
# An uploaded file (the page): a district's registry as CSV (~115 bytes a person: 200 MB ≈ 1.7 million
# people) or a full .xlsx sheet (1,048,576 rows ≈ 70 MB). The whole city is loaded with the command
# line (`import_people`), which reads the file where it lies.
MAX_FILE_BYTES = 200 * 1024 * 1024
PROGRESS_TTL = 7 * 24 * 3600


def progress_key(job_id: int) -> str:
    return f"imports:job:{job_id}:progress"


def progress_write(job_id: int, *, rows_done: int, rows_total: int, errors: int, status: str = JobStatus.RUNNING) -> None:
    """Progress lives in the cache (shared across processes) while the import's transaction is open."""
    cache.set(
        progress_key(job_id),
        {"rows_done": rows_done, "rows_total": rows_total, "errors": errors, "status": str(status), "at": timezone.now().isoformat()},
        PROGRESS_TTL,
    )


def _check_may_import(actor: Any) -> None:
    if not user_can(actor, GeoCap.IMPORT):
        raise PermissionRefused(_("您的角色无权批量导入"), rule=GeoCap.IMPORT)
    if jurisdiction_of(actor).is_empty:
        raise PermissionRefused(_("您没有管辖范围，无法导入"), rule="scope.empty")


def import_job_create(*, actor: Any, upload: UploadedFile, mode: str) -> ImportJob:
    """Store the upload and queue the job (it starts once this transaction commits)."""
    _check_may_import(actor)
    name = Path(upload.name or "").name
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise DomainError(_("只支持 .xlsx 或 .csv 文件"), field="file")
    if mode not in ImportMode.values:
        raise DomainError(_("未知导入方式"), field="mode")
    if (upload.size or 0) > MAX_FILE_BYTES:
        raise DomainError(_("文件超过 %(n)s MB，请分成几个文件上传") % {"n": MAX_FILE_BYTES // (1024 * 1024)}, field="file")
    if name.lower().endswith(".xlsx"):
        check_xlsx(upload, name=name)  # a zip bomb is refused here, before the worker would inflate it
    with transaction.atomic():
        job = ImportJob(created_by=actor, original_name=name[:255], mode=mode)
        job.file.save(f"{secrets.token_hex(8)}{Path(name).suffix.lower()}", upload, save=False)
        job.save()
        _enqueue_on_commit(job)
    return job


def import_job_rerun(*, actor: Any, job: ImportJob, mode: str = ImportMode.VALID_ROWS) -> ImportJob:
    """Run the same stored file again (e.g. "import the valid rows" after a dry run found errors).

    Only by whoever uploaded it (`may_rerun`): a re-run reads the file and writes its error report,
    so a city-level user who sees every job would otherwise get someone else's ID numbers and phones,
    and write that person's rows under their own name."""
    _check_may_import(actor)
    if not may_rerun(user=actor, job=job):
        raise PermissionRefused(_("只有导入人可以再次导入该文件"), rule="imports.rerun_owner")
    if not job.can_import_valid_rows:
        raise DomainError(_("该任务不能再次导入（没有错误，或没有有效行）"), rule="imports.rerun")
    with transaction.atomic():
        new = ImportJob.objects.create(
            created_by=job.created_by,  # the file's owner (the same person, by the rule above)
            file=job.file.name,
            source_path=job.source_path,
            original_name=job.original_name,
            mode=mode,
            rerun_of=job,
        )
        _enqueue_on_commit(new)
    return new


def may_rerun(*, user: Any, job: ImportJob) -> bool:
    """Re-running a job ("导入有效行") is its uploader's alone, and only of a job over their own file
    (not the auditor's, who may read the file but imports nothing; not for a command-line job, whose
    file is the operator's)."""
    owner = job.file_owner_id
    return owner is not None and getattr(user, "pk", None) == owner == job.created_by_id


def may_read_files(*, user: Any, job: ImportJob) -> bool:
    """The uploaded file and its error report: the file's owner (`ImportJob.file_owner_id`: its
    uploader, for a re-run's files too, never whoever started the re-run) and the auditor only."""
    from fangkong.audit.selectors import may_read_private_file

    return may_read_private_file(user=user, owner_id=job.file_owner_id, capability=GeoCap.IMPORT)


def _enqueue_on_commit(job: ImportJob) -> None:
    enqueue_on_commit("imports.run_import_job", job.pk)


def _error_report_name(job: ImportJob) -> str:
    return f"imports/errors/{timezone.now():%Y/%m}/job-{job.pk}-{secrets.token_hex(4)}.csv"


def import_job_run(*, job_id: int, system: bool = False, progress: Progress | None = None) -> ImportJob:
    """Run a queued job to the end and record the outcome on the job row.

    `system=True` is for the operator's command line without a --user: the whole city."""
    started = timezone.now()
    # Claimed by one conditional UPDATE, committed before the big transaction opens: a job queued
    # twice (re-queued by import_jobs_recover after the queue lost it) runs once.
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=started, updated_at=started
    )
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job
    actor = job.created_by
    jurisdiction: Jurisdiction = Jurisdiction(city=True) if system and actor is None else jurisdiction_of(actor)
    progress_write(job.pk, rows_done=0, rows_total=0, errors=0)

    def report(done: int, total: int, errors: int) -> None:
        progress_write(job.pk, rows_done=done, rows_total=total, errors=errors)
        if progress:
            progress(done, total, errors)

    report_name = _error_report_name(job)
    recorded: list[bool] = []  # the outcome was set on the job inside the rows' transaction

    def record_with_rows(result: ImportResult) -> None:
        recorded.append(True)
        status, message = _outcome(job.mode, result)
        _record(job, status=status, message=message, result=result, report_name=report_name)

    with heartbeat(heartbeat_key(progress_key(job.pk))):  # import_jobs_recover: no beat for a minute, the worker is gone
        status, message, result = _run(
            job,
            actor=actor,
            system=system,
            jurisdiction=jurisdiction,
            report=report,
            report_name=report_name,
            before_commit=record_with_rows,
        )
    committed = bool(recorded) and result is not None and result.committed  # run() returned: the COMMIT went through
    if not committed:
        if recorded:  # set, then rolled back (its save or the COMMIT failed): the row as the database holds it
            job.refresh_from_db()
        _record(job, status=status, message=message, result=result, report_name=report_name)
    _finish(job, report_name=report_name)
    if result is not None and not result.committed:
        _audit_unwritten(job, result)
    return job


def _run(
    job: ImportJob,
    *,
    actor: Any,
    system: bool,
    jurisdiction: Jurisdiction,
    report: Progress,
    report_name: str,
    before_commit: Callable[[ImportResult], None],
) -> tuple[str, str, ImportResult | None]:
    result: ImportResult | None = None
    status = JobStatus.FAILED
    message = ""
    try:
        if actor is None and not system:
            raise PermissionRefused(_("导入任务缺少导入人"))
        if actor is not None:
            _check_may_import(actor)
        if len(key_ring()) > 1 and job.mode != ImportMode.VALIDATE:
            # The registry refuses a number already registered by its look-up hash; while rows still carry
            # a retired key's hash, a returning number would be taken for new (operator guide §5b).
            raise DomainError(_("正在更换数据密钥：名册导入暂停，待 rotate_data_key 完成并移除旧密钥后再导入（仅校验不受影响）。"))
        reader = open_table(job.source, job.original_name)
        try:
            importer = Importer(
                reader,
                mode=job.mode,
                jurisdiction=jurisdiction,
                errors=ErrorReport(report_name),
                actor=actor or "command line",
                audit_object=job,
                progress=report,
                before_commit=before_commit,
            )
            result = importer.run()
        finally:
            reader.close()
        status, message = _outcome(job.mode, result)
    except DomainError as exc:
        message = exc.message  # the rule's code stays out of the text users read
    except ImportFileError as exc:
        message = str(exc)
    except Exception as exc:  # the transaction rolled back; record why and keep the worker alive
        log.exception("import job %s failed", job.pk)
        message = f"导入失败：{failure_cause(exc)}。数据已全部回滚，未写入任何人员，请重新导入该文件。"
    return status, message, result


def _outcome(mode: str, result: ImportResult) -> tuple[str, str]:
    if result.rolled_back:
        return JobStatus.ROLLED_BACK, (
            f"发现 {result.error_count} 处错误（{result.rows_with_errors} 行），严格模式下整个文件未导入。"
            "请修正后重新上传，或选择“导入有效行”。"
        )
    if mode == ImportMode.VALIDATE:
        if result.error_count:
            return JobStatus.SUCCEEDED, f"校验完成：{result.rows_valid} 行有效，{result.rows_with_errors} 行有错误。未写入任何数据。"
        return JobStatus.SUCCEEDED, f"校验完成：全部 {result.rows_valid} 行有效。未写入任何数据。"
    skipped = f"，跳过 {result.rows_with_errors} 行错误" if result.rows_with_errors else ""
    return JobStatus.SUCCEEDED, f"导入完成：新增人员 {result.people_created} 人、户 {result.households_created} 户{skipped}。"


def _record(job: ImportJob, *, status: str, message: str, result: ImportResult | None, report_name: str) -> None:
    """The outcome on the job row: inside the rows' transaction for a run that wrote, after it otherwise."""
    job.status = status
    job.message = message
    job.finished_at = timezone.now()
    fields = ["status", "message", "finished_at", "updated_at"]
    if result is not None:
        job.rows_total = job.rows_done = result.rows_total
        job.rows_valid = result.rows_valid
        job.error_count = result.error_count
        job.people_created = result.people_created if result.committed else 0
        job.households_created = result.households_created if result.committed else 0
        job.places_created = result.places_total if result.committed else 0
        fields += ["rows_total", "rows_done", "rows_valid", "error_count", "people_created", "households_created", "places_created"]
        if result.error_count:
            job.error_report.name = report_name
            fields.append("error_report")
    job.save(update_fields=fields)


def _finish(job: ImportJob, *, report_name: str) -> None:
    """After the outcome is committed: the progress channel says so, an empty error report goes."""
    if not job.error_report:
        private_storage().delete(report_name)
    progress_write(job.pk, rows_done=job.rows_done, rows_total=job.rows_total, errors=job.error_count, status=job.status)


def _audit_unwritten(job: ImportJob, result: ImportResult) -> None:
    """A dry run or a rolled-back run wrote no data, but who checked which file is still worth a record."""
    from fangkong.audit.catalogue import EventType
    from fangkong.audit.services import audit_record

    counts = result.counts()
    counts["written"] = False
    with transaction.atomic():
        audit_record(
            actor=job.created_by or "command line",
            event_type=EventType.IMPORT_BATCH,
            obj=job,
            after=counts,
            count=0,
            reason=gettext_noop("仅校验，未写入") if job.mode == ImportMode.VALIDATE else gettext_noop("已回滚，未写入"),
        )


FILE_KINDS = {"upload": "file", "errors": "error_report"}


def import_job_file_open(*, actor: Any, job: ImportJob, which: str) -> IO[bytes]:
    """The job's uploaded file ("upload") or its error report ("errors"), decrypted as it is read,
    for the importing user or the auditor; the download is audited (data.file_downloaded).
    FileNotFoundError when the job has no such file (never had one, or deleted after the retention period)."""
    from fangkong.audit.catalogue import EventType
    from fangkong.audit.services import audit_record

    if not may_read_files(user=actor, job=job):
        raise PermissionRefused("只有导入人和审计员可以下载导入文件", rule="imports.file_access")
    field = getattr(job, FILE_KINDS[which])
    if not field:
        raise FileNotFoundError(which)
    stream = private_storage().stream(field.name)
    audit_record(
        actor=actor,
        event_type=EventType.FILE_DOWNLOADED,
        obj=job,
        after={"file": which, "original_name": job.original_name, "bytes": stream.raw.size, "owner": job.file_owner_id},
    )
    return stream


def import_files_expire(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete the uploaded files and error reports of finished jobs older than the retention period
    (policy data.upload_retention_days; the periodic job runs this daily). The job rows and their
    counts stay; the page says the files were deleted. One audit event (data.files_expired) per run."""
    from fangkong.audit.catalogue import EventType
    from fangkong.audit.services import audit_record
    from fangkong.policy.retention import upload_retention_cutoff

    now = now or timezone.now()
    cutoff, retention = upload_retention_cutoff(now)
    expired = ImportJob.objects.filter(created_at__lt=cutoff, status__in=FINISHED, files_deleted_at__isnull=True).exclude(
        file="", error_report=""
    )
    rows = list(expired.values_list("pk", "file", "error_report"))
    names = {n for _pk, *files in rows for n in files if n}
    ids = [pk for pk, *_files in rows]
    # A re-run ("import the valid rows") points at the same stored file: kept while a newer job uses it.
    keep = set(ImportJob.objects.exclude(pk__in=ids).filter(file__in=names).values_list("file", flat=True))
    with transaction.atomic():
        ImportJob.objects.filter(pk__in=ids).update(file="", error_report="", files_deleted_at=now, updated_at=now)
        referenced = {n for pair in ImportJob.objects.values_list("file", "error_report") for n in pair if n}
        deleted, orphans = delete_expired(expired=names, keep=keep, prefix="imports", referenced=referenced, before=cutoff)
        if ids or orphans:
            audit_record(
                actor="system",
                event_type=EventType.FILES_EXPIRED,
                object_type="imports.importjob",
                object_repr="导入文件按保留期限删除",
                count=deleted + orphans,
                after={"jobs": len(ids), "files": deleted, "orphans": orphans, "before": cutoff.isoformat(), "rule": retention.citation},
            )
    return {"jobs": len(ids), "files": deleted, "orphans": orphans}


def import_job_create_local(*, actor: Any, path: str, mode: str) -> ImportJob:
    """A job for a file already on the server (the import_people command): nothing is copied."""
    if actor is not None:
        _check_may_import(actor)
    if mode not in ImportMode.values:
        raise DomainError(_("未知导入方式"), field="mode")
    source = Path(path).resolve()
    if not source.is_file():
        raise DomainError(_("找不到文件 %(p)s") % {"p": path}, field="file")
    return ImportJob.objects.create(created_by=actor, source_path=str(source), original_name=source.name[:255], mode=mode)


# A running job beats every 15 s (fangkong.core.jobs.heartbeat) besides its progress; this long with
# neither, its worker is gone. With nothing at all in the cache (Redis restarted), the job is given
# UNKNOWN_AFTER from its start: a live worker beats again within seconds.
INTERRUPTED_AFTER = STALE_AFTER
UNKNOWN_AFTER = dt.timedelta(minutes=30)
# A queued job normally starts within seconds; this long still queued, the queue lost it.
REQUEUE_AFTER = dt.timedelta(minutes=10)


def import_jobs_recover(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Jobs a dead worker or a lost queue left behind (the periodic job runs this every minute).

    Running, with no heartbeat nor progress for INTERRUPTED_AFTER: the worker was killed or the
    machine restarted mid-file. A run that wrote commits its "succeeded" with its rows, so a job
    still running did not commit: the import's one transaction rolled back, nothing of it was
    written, and the job is marked failed, saying so. Queued for longer than REQUEUE_AFTER: the queue
    lost it (e.g. Redis restarted); an uploaded file's job is queued again (the claim in
    `import_job_run` lets one copy run). A command-line job (a file on the server) is not re-queued:
    the operator's command runs it, not the worker."""
    now = now or timezone.now()
    failed = 0
    running = ImportJob.objects.filter(status=JobStatus.RUNNING)
    for job in stalled(running, progress_key=progress_key, now=now, after=INTERRUPTED_AFTER, unknown_after=UNKNOWN_AFTER):
        started = timezone.localtime(job.started_at).strftime("%Y-%m-%d %H:%M")
        message = (
            f"导入中断：处理进程在 {started} 开始导入后没有完成（进程退出或服务器重启），数据已全部回滚，未写入任何人员。请重新导入该文件。"
        )
        if ImportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED, message=message, finished_at=now, updated_at=now
        ):
            failed += 1
            progress_write(job.pk, rows_done=job.rows_done, rows_total=job.rows_total, errors=job.error_count, status=JobStatus.FAILED)
    lost = list(
        ImportJob.objects.filter(status=JobStatus.QUEUED, created_at__lt=now - REQUEUE_AFTER, source_path="")
        .exclude(file="")
        .values_list("pk", flat=True)
    )
    for pk in lost:
        enqueue("imports.run_import_job", pk)
    return {"failed": failed, "requeued": len(lost)}
