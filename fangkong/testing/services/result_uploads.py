"""Lab result uploads: keep the file, parse it, hand the rows to `services.results_ingest`, and
remember what happened (a ResultUpload row) so the lab can see the report and download the errors.

Small files are applied in the request; a file of more than `inline_max_rows()` results runs as a
Huey job (fangkong.testing.tasks.run_result_upload) whose progress the status page polls. Both
paths run `result_upload_run`, so they give the same report. An applied file's outcome is saved on
its row inside the ingest's transaction (the results and "succeeded" commit together, or neither: a
worker killed after the COMMIT leaves a finished upload, never one the recovery sweep would call
unwritten); a refusal or a failure is saved after the rollback, so that status survives. While it
runs, its phase lives in the cache (shared across processes), like the registry import's progress.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import secrets
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.core.bulk import gc_paused
from fangkong.core.errors import DomainError, PermissionRefused, failure_cause
from fangkong.core.filestore import delete_expired, private_storage
from fangkong.core.jobs import STALE_AFTER, enqueue, enqueue_on_commit, heartbeat, heartbeat_key, stalled
from fangkong.core.permissions import require
from fangkong.core.rows import RowsRefused
from fangkong.core.timefmt import local_minutes
from fangkong.core.xlsxguard import check_xlsx, xlsx_rows

from ..choices import UPLOAD_FINISHED, UploadStatus
from ..ingest import file_format, read_upload
from ..models import Laboratory, ResultUpload, TestingRound
from ..permissions import TestingCap
from ..selectors.lab_queue import progress_key, upload_file_readable
from .results import IngestReport, results_ingest

log = logging.getLogger(__name__)

# Above this many result rows a file runs as a background job (override with the setting
# TESTING_UPLOAD_INLINE_MAX_ROWS).
INLINE_MAX_ROWS = 2_000
# Errors and unmatched barcodes kept on the upload row (the counts are always complete).
MAX_STORED = 20_000
MAX_FILE_BYTES = 50 * 1024 * 1024
PROGRESS_TTL = 7 * 24 * 3600
# A running upload beats every 15 s (fangkong.core.jobs.heartbeat) besides reporting its phase; with
# neither for this long it is taken for interrupted. With nothing at all in the cache (Redis
# restarted) it is given UNKNOWN_AFTER from its start. A queued one not picked up for REQUEUE_AFTER
# is queued again.
INTERRUPTED_AFTER = STALE_AFTER
UNKNOWN_AFTER = dt.timedelta(minutes=30)
REQUEUE_AFTER = dt.timedelta(minutes=10)
REPORT_FIELDS = [
    "rows_total",
    "created_count",
    "superseded_count",
    "unchanged_count",
    "unmatched_count",
    "unmatched",
    "consequences",
    "decision_citation",
]


def inline_max_rows() -> int:
    return int(getattr(settings, "TESTING_UPLOAD_INLINE_MAX_ROWS", INLINE_MAX_ROWS))


def progress_write(upload_id: int, *, phase: str, rows: int = 0) -> None:
    cache.set(progress_key(upload_id), {"phase": phase, "rows": rows, "at": timezone.now().isoformat()}, PROGRESS_TTL)


def estimate_rows(fmt: str, data: bytes) -> int:
    """How many results the file holds, cheaply, to decide between the request and a job.

    A file that cannot be read counts as 0: it is parsed in the request and refused there."""
    try:
        if fmt == "csv":
            return max(sum(1 for line in data.splitlines() if line.strip()) - 1, 0)
        if fmt == "xlsx":  # counted, not the sheet's own <dimension> (a file can claim 1 row and hold many)
            return max(xlsx_rows(io.BytesIO(data)) - 1, 0)
        payload = json.loads(data)
        entries = payload.get("entry") or [] if isinstance(payload, dict) else []
        return sum(1 for e in entries if isinstance(e, dict) and (e.get("resource") or {}).get("resourceType") == "Observation")
    except Exception:  # a broken file: the parser says what is wrong with it
        return 0


def _check_laboratory(actor: Any, laboratory: Laboratory) -> None:
    require(actor, TestingCap.LAB)
    if not Laboratory.objects.visible_to(actor).filter(pk=laboratory.pk).exists():
        raise PermissionRefused(_("您不属于该检测机构"), rule="testing.laboratory_scope")


def result_upload_create(*, actor: Any, testing_round: TestingRound, laboratory: Laboratory, filename: str, data: bytes) -> ResultUpload:
    """Keep the file and apply it: now if it is small, else in a background job (queued on commit)."""
    _check_laboratory(actor, laboratory)
    name = Path(filename or "").name[:255]
    try:
        fmt = file_format(name)
    except RowsRefused as exc:
        raise DomainError(exc.errors[0].message, field="file", rule=exc.rule) from exc
    if not data:
        raise DomainError(_("文件为空"), field="file")
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(_("文件超过 %(n)s MB，请分成几个文件上传") % {"n": MAX_FILE_BYTES // (1024 * 1024)}, field="file")
    if fmt == "xlsx":
        check_xlsx(io.BytesIO(data), name=name)  # a zip bomb, refused before any reader inflates it
    estimate = estimate_rows(fmt, data)
    background = estimate > inline_max_rows()
    with transaction.atomic():
        upload = ResultUpload(
            round=testing_round,
            laboratory=laboratory,
            uploaded_by=actor,
            original_name=name,
            sha256=hashlib.sha256(data).hexdigest(),
            file_format=fmt,
            in_background=background,
            rows_total=estimate,  # until the file is parsed
        )
        upload.file.save(f"{secrets.token_hex(8)}{Path(name).suffix.lower()}", ContentFile(data), save=False)
        upload.save()
        if background:
            enqueue_on_commit("testing.run_result_upload", upload.pk)
    if not background:
        upload = result_upload_run(upload_id=upload.pk, data=data)
    return upload


def result_upload_file_open(*, actor: Any, upload: ResultUpload) -> IO[bytes]:
    """The uploaded file as uploaded (decrypted as it is read), for the lab user who uploaded it or the
    auditor; audited (data.file_downloaded). FileNotFoundError when it was deleted after the retention period."""
    if not upload_file_readable(user=actor, upload=upload):
        raise PermissionRefused(_("只有上传人和审计员可以下载结果文件"), rule="testing.file_access")
    if not upload.file:
        raise FileNotFoundError(upload.pk)
    stream = private_storage().stream(upload.file.name)
    _audit_download(actor, upload, "upload", bytes=stream.raw.size)
    return stream


def result_upload_report_downloaded(*, actor: Any, upload: ResultUpload, rows: int) -> None:
    """The lab's error report (built from the upload row) was downloaded: audited like the file."""
    _audit_download(actor, upload, "errors", rows=rows)


def _audit_download(actor: Any, upload: ResultUpload, which: str, **counts: int) -> None:
    audit_record(
        actor=actor,
        event_type=EventType.FILE_DOWNLOADED,
        obj=upload,
        after={"file": which, "original_name": upload.original_name, "laboratory": upload.laboratory_id, **counts},
    )


def result_upload_run(*, upload_id: int, data: bytes | None = None) -> ResultUpload:
    """Run a queued upload to the end and record the outcome on its row. Runs each upload once."""
    started = timezone.now()
    # Claimed by one conditional UPDATE: a job queued twice (re-queued after a lost queue) runs once.
    claimed = ResultUpload.objects.filter(pk=upload_id, status=UploadStatus.QUEUED).update(
        status=UploadStatus.RUNNING, started_at=started, updated_at=started
    )
    upload = ResultUpload.objects.select_related("round", "laboratory", "uploaded_by").get(pk=upload_id)
    if not claimed:
        return upload
    progress_write(upload.pk, phase="parsing")
    with heartbeat(heartbeat_key(progress_key(upload.pk))):  # result_uploads_recover: no beat for a minute, the worker is gone
        _run(upload, data)
    return upload


def _run(upload: ResultUpload, data: bytes | None) -> None:
    try:
        _apply(upload, data)
    except RowsRefused as exc:
        errors = [{"row": e.row, "field": e.field, "message": e.message, "rule": e.rule or exc.rule} for e in exc.errors]
        _finish(upload, UploadStatus.REFUSED, _("文件有 %(n)s 处错误，未写入任何结果。请修正后重新上传。") % {"n": len(errors)}, errors)
    except DomainError as exc:  # PermissionRefused included
        _finish(
            upload, UploadStatus.REFUSED, exc.message, [{"row": 0, "field": exc.field or "file", "message": exc.message, "rule": exc.rule}]
        )
    except Exception as exc:  # the ingest transaction rolled back; record why and keep the worker alive
        log.exception("result upload %s failed", upload.pk)
        message = _("处理失败：%(cause)s。未写入任何结果，请重新上传该文件。") % {"cause": failure_cause(exc)}
        _finish(upload, UploadStatus.FAILED, message, [])
    else:
        progress_write(upload.pk, phase="done", rows=upload.rows_total)


@gc_paused()  # a file's rows are tens of thousands of new objects without cycles, freed before it resumes (as in results_ingest)
def _apply(upload: ResultUpload, data: bytes | None) -> None:
    """Read the file, apply it and record the outcome with the results (one COMMIT)."""
    if upload.uploaded_by is None:
        raise PermissionRefused(_("上传人账号已不存在"), rule="testing.lab_upload")
    if data is None:
        with private_storage().stream(upload.file.name) as fh:
            data = fh.read()
    parsed = read_upload(upload.original_name, data)
    upload.rows_total = len(parsed.rows) + len({e.row for e in parsed.errors if e.row})
    progress_write(upload.pk, phase="writing", rows=len(parsed.rows))
    with transaction.atomic():  # the results and the upload's outcome: one COMMIT
        report = results_ingest(
            actor=upload.uploaded_by,
            testing_round=upload.round,
            laboratory=upload.laboratory,
            rows=parsed.rows,
            refused=parsed.errors,
            source=f"#{upload.pk} {upload.original_name}",
        )
        _apply_report(upload, report)
        _record(upload, UploadStatus.SUCCEEDED, _summary(report), [])


def result_uploads_recover(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Uploads a dead worker left behind (the periodic job runs this every minute).

    Running, with no heartbeat nor progress for INTERRUPTED_AFTER: the worker was killed or the
    machine restarted mid-file. An applied file commits "succeeded" with its results, so one still
    running did not commit: its ingest transaction rolled back, nothing of it was written;
    it is marked failed, saying so, and the lab uploads the file again. Queued for longer than
    REQUEUE_AFTER: the queue lost the job (e.g. Redis restarted); it is queued again (running it
    twice is harmless: the claim in `result_upload_run` lets one run, and results are idempotent)."""
    now = now or timezone.now()
    failed = 0
    running = ResultUpload.objects.filter(status=UploadStatus.RUNNING)
    for upload in stalled(running, progress_key=progress_key, now=now, after=INTERRUPTED_AFTER, unknown_after=UNKNOWN_AFTER):
        message = _("处理中断：处理进程在 %(t)s 开始处理后没有完成（进程退出或服务器重启），未写入任何结果。请重新上传该文件。") % {
            "t": local_minutes(upload.started_at)
        }
        failed += ResultUpload.objects.filter(pk=upload.pk, status=UploadStatus.RUNNING).update(
            status=UploadStatus.FAILED, message=message, finished_at=now, updated_at=now
        )
        progress_write(upload.pk, phase="done", rows=upload.rows_total)
    stale = list(ResultUpload.objects.filter(status=UploadStatus.QUEUED, created_at__lt=now - REQUEUE_AFTER).values_list("pk", flat=True))
    for pk in stale:
        enqueue("testing.run_result_upload", pk)
    return {"failed": failed, "requeued": len(stale)}


def result_upload_files_expire(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete the files of finished uploads older than the retention period (policy
    data.upload_retention_days; the periodic job runs this daily). The upload rows, their counts,
    errors and unmatched barcodes stay. One audit event (data.files_expired) per run."""
    from fangkong.policy.retention import upload_retention_cutoff

    now = now or timezone.now()
    cutoff, retention = upload_retention_cutoff(now)
    expired = ResultUpload.objects.filter(created_at__lt=cutoff, status__in=UPLOAD_FINISHED, files_deleted_at__isnull=True).exclude(file="")
    rows = list(expired.values_list("pk", "file"))
    ids = [pk for pk, _name in rows]
    with transaction.atomic():
        ResultUpload.objects.filter(pk__in=ids).update(file="", files_deleted_at=now, updated_at=now)
        referenced = set(ResultUpload.objects.exclude(file="").values_list("file", flat=True))
        deleted, orphans = delete_expired(
            expired={name for _pk, name in rows}, keep=referenced, prefix="testing", referenced=referenced, before=cutoff
        )
        if ids or orphans:
            audit_record(
                actor="system",
                event_type=EventType.FILES_EXPIRED,
                object_type="testing.resultupload",
                object_repr=_("检测结果文件按保留期限删除"),
                count=deleted + orphans,
                after={"uploads": len(ids), "files": deleted, "orphans": orphans, "before": cutoff.isoformat(), "rule": retention.citation},
            )
    return {"uploads": len(ids), "files": deleted, "orphans": orphans}


def _apply_report(upload: ResultUpload, report: IngestReport) -> None:
    upload.rows_total = report.rows
    upload.created_count = report.created
    upload.superseded_count = report.superseded
    upload.unchanged_count = report.unchanged
    upload.unmatched_count = len(report.unmatched)
    upload.unmatched = [{"row": u.row, "barcode": u.barcode, "reason": u.reason} for u in report.unmatched[:MAX_STORED]]
    upload.consequences = {
        "positives_confirmed": report.positives_confirmed,
        "pool_positive_tubes": report.pool_positive_tubes,
        "controls_started": report.controls_started,
        "resampling_tasks": report.resampling_tasks,
        "controls_lifted": report.controls_lifted,
        # Tubes the lab had not signed for, received by this upload (results.py: receipt at upload).
        "received_at_upload_count": len(report.received_at_upload),
        "received_at_upload": [{"row": r.row, "barcode": r.barcode} for r in report.received_at_upload[:MAX_STORED]],
    }
    upload.decided_by = report.decided_by or ""


def _summary(report: IngestReport) -> str:
    text = _("共 %(rows)s 行：新增 %(created)s、更正 %(superseded)s、未变化 %(unchanged)s、未匹配 %(unmatched)s。") % {
        "rows": report.rows,
        "created": report.created,
        "superseded": report.superseded,
        "unchanged": report.unchanged,
        "unmatched": len(report.unmatched),
    }
    if report.received_at_upload:
        text += _("其中 %(n)s 支试管此前未扫码接收，已按本次上传时间登记为本机构接收。") % {"n": len(report.received_at_upload)}
    return text


def _record(upload: ResultUpload, status: str, message: str, errors: list[dict]) -> None:
    """The outcome on the upload row: inside the ingest's transaction when applied, after it otherwise."""
    upload.status = status
    upload.message = message
    upload.error_count = len(errors)
    upload.errors = errors[:MAX_STORED]
    upload.finished_at = timezone.now()
    upload.save(update_fields=[*REPORT_FIELDS, "status", "message", "error_count", "errors", "finished_at", "updated_at"])


def _finish(upload: ResultUpload, status: str, message: str, errors: list[dict]) -> None:
    """A refusal or a failure, saved after the rollback."""
    if upload.status == UploadStatus.SUCCEEDED:  # recorded with the results, then rolled back (the COMMIT failed): none of it stands
        _apply_report(upload, IngestReport(rows=upload.rows_total))
    _record(upload, status, message, errors)
    progress_write(upload.pk, phase="done", rows=upload.rows_total)
