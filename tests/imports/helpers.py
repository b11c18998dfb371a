"""Run an import the way the background job does, synchronously."""

from __future__ import annotations

import csv
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
    with open(job.error_report.path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["行号", "列", "内容", "错误原因"]
    return rows[1:]
