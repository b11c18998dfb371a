"""manage.py import_people FILE [--mode validate|strict|valid-rows] [--user USERNAME] [--errors-to FILE]

Runs an import synchronously in this process, with a progress bar. Exit status 1 when nothing
was imported because of errors (or the file could not be read). The error report is kept encrypted
(fangkong.core.filestore); --errors-to also writes it, decrypted, to a file of your own (mode 0600)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from fangkong.core.errors import DomainError
from fangkong.core.filestore import private_storage
from fangkong.imports.models import ImportMode, JobStatus
from fangkong.imports.services import import_job_create_local, import_job_run

MODES = {"validate": ImportMode.VALIDATE, "strict": ImportMode.STRICT, "valid-rows": ImportMode.VALID_ROWS}


class Command(BaseCommand):
    help = "Import places and people from an .xlsx or .csv file (the import template's columns)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--mode", choices=sorted(MODES), default="strict")
        parser.add_argument("--user", help="import as this user (their role and jurisdiction apply); default: the whole city")
        parser.add_argument("--errors-to", metavar="FILE", help="also write the error report (CSV, decrypted) to this new file (mode 0600)")

    def handle(self, *args, file: str, mode: str, user: str | None, errors_to: str | None = None, **options) -> None:
        actor = None
        if user:
            try:
                actor = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"no such user: {user}") from exc
        try:
            job = import_job_create_local(actor=actor, path=file, mode=MODES[mode])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        bar = tqdm(total=0, unit="行", unit_scale=True, desc=Path(file).name, disable=options.get("verbosity", 1) == 0)

        def progress(done: int, total: int, errors: int) -> None:
            if bar.total != total:
                bar.total = total
            bar.update(done - bar.n)
            bar.set_postfix(errors=errors, refresh=False)

        job = import_job_run(job_id=job.pk, system=actor is None, progress=progress)
        bar.close()
        out = self.stdout
        out.write(f"job #{job.pk}: {job.get_status_display()} ({job.status})")
        out.write(job.message)
        out.write(
            f"rows {job.rows_total}, valid {job.rows_valid}, errors {job.error_count}; "
            f"created people {job.people_created}, households {job.households_created}, places {job.places_created}"
        )
        if job.error_report:
            out.write(f"error report: /imports/{job.pk}/errors.csv (encrypted; the importing user or an auditor downloads it)")
            if errors_to:
                with (
                    private_storage().stream(job.error_report.name) as src,
                    os.fdopen(os.open(errors_to, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as dst,
                ):
                    shutil.copyfileobj(src, dst)
                out.write(f"error report written to {errors_to}")
        failed = job.status in (JobStatus.FAILED, JobStatus.ROLLED_BACK)
        nothing = job.mode == ImportMode.VALID_ROWS and job.error_count and not job.people_created and not job.households_created
        dry_errors = job.mode == ImportMode.VALIDATE and job.error_count
        if failed or nothing or dry_errors:
            raise SystemExit(1)
