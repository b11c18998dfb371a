"""Run an import the way the background job does, synchronously."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fangkong.imports.models import ImportJob
from fangkong.imports.services import import_job_create_local, import_job_run


def run_import(path: Path, *, user=None, mode: str = "strict") -> ImportJob:
    job = import_job_create_local(actor=user, path=str(path), mode=mode)
    job = import_job_run(job_id=job.pk, system=user is None)
    job.refresh_from_db()
    return job


def error_rows(job: ImportJob) -> list[list[str]]:
    if not job.error_report:
        return []
    with job.error_report.open("rb") as fh:  # decrypted as it is read (fangkong.core.filestore)
        rows = list(csv.reader(io.StringIO(fh.read().decode("utf-8-sig"), newline="")))
    assert rows[0] == ["行号", "列", "内容", "错误原因"]
    return rows[1:]
