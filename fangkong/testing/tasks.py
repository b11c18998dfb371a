"""Background jobs of 快检 (Huey): large lab result files."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def run_result_upload(upload_id: int) -> None:
    from .result_uploads import result_upload_run

    result_upload_run(upload_id=upload_id)
