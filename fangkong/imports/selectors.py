"""Reads with rules: which import jobs a user may see, their progress and their errors."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from fangkong.core.filestore import CorruptFile, private_storage
from fangkong.core.scoping import jurisdiction_of

from .models import ImportJob, JobStatus
from .services import may_read_files, may_rerun, progress_key

ERRORS_SHOWN = 200


def import_job_list(*, user: Any) -> QuerySet[ImportJob]:
    """The user's own jobs; city-level users see every job. Fails closed for anyone else."""
    if not getattr(user, "is_authenticated", False):
        return ImportJob.objects.none()
    qs = ImportJob.objects.select_related("created_by")
    if jurisdiction_of(user).city:
        return qs
    return qs.filter(Q(created_by=user))


def import_job_get(*, user: Any, pk: int) -> ImportJob:
    return get_object_or_404(import_job_list(user=user), pk=pk)


def import_job_files_readable(*, user: Any, job: ImportJob) -> bool:
    """The uploaded file and its error report (`services.may_read_files`: the file's owner and the
    auditor; a city-level user sees every job and its counts, not the file of someone else's)."""
    return may_read_files(user=user, job=job)


def import_job_for_rerun(*, user: Any, pk: int) -> ImportJob:
    """A job the user may re-run (`services.may_rerun`: their own upload); 404 for anyone else, as
    for its files — the refusal says no more than the caller may see."""
    job = import_job_list(user=user).filter(pk=pk).first()
    if job is None or not may_rerun(user=user, job=job):
        raise Http404
    return job


def import_job_for_files(*, user: Any, pk: int) -> ImportJob:
    """A job whose files the user may read; 404 (as for a missing one) for anyone else."""
    job = ImportJob.objects.filter(pk=pk).select_related("created_by").first()
    if job is None or not import_job_files_readable(user=user, job=job):
        raise Http404
    return job


@dataclass(frozen=True)
class Progress:
    status: str
    rows_done: int
    rows_total: int
    errors: int
    at: dt.datetime | None = None  # the last progress report of a running job

    @property
    def percent(self) -> int:
        if self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.ROLLED_BACK):
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(self.rows_done * 100 / self.rows_total))


def import_job_progress(job: ImportJob) -> Progress:
    """While running, from the cache (the job row is only updated after commit); after, from the row."""
    if job.status == JobStatus.RUNNING:
        data = cache.get(progress_key(job.pk)) or {}
        at = dt.datetime.fromisoformat(data["at"]) if data.get("at") else None
        return Progress(job.status, data.get("rows_done", 0), data.get("rows_total", 0), data.get("errors", 0), at)
    return Progress(job.status, job.rows_done, job.rows_total, job.error_count)


def import_job_errors(job: ImportJob, limit: int = ERRORS_SHOWN) -> list[list[str]]:
    """The first `limit` rows of the error report (row, column, value, reason). The caller checks
    `import_job_files_readable` first."""
    if not job.error_report:
        return []
    try:
        with private_storage().stream(job.error_report.name) as fh:
            text = (line.decode("utf-8-sig") for line in fh)
            reader = csv.reader(text)
            next(reader, None)
            return list(islice(reader, limit))
    except (FileNotFoundError, CorruptFile):
        return []
