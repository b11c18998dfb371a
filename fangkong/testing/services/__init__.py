"""Every write of the 快检 app. Views, the API, commands and the benchmark call these and only these."""

from fangkong.core.rows import RowError, RowsRefused

from ..pooling import pooling_for
from .binding import NOT_REGISTERED, Binding, BindReport, bulk_bind
from .checks import MemberCheck, household_check_record
from .door_collect import door_sampling_collect
from .door_sampling import DoorPlan, door_sampling_plan
from .handover import positives_hand_over
from .result_uploads import (
    estimate_rows,
    inline_max_rows,
    progress_write,
    result_upload_create,
    result_upload_file_open,
    result_upload_files_expire,
    result_upload_report_downloaded,
    result_upload_run,
    result_uploads_recover,
)
from .results import IngestReport, results_ingest
from .rounds import AreaSpec, laboratory_create, round_plan, round_set_status, sampling_point_create
from .sampling import person_register_on_spot, resampling_collect, tube_add_members, tube_close, tube_open, tube_receive

__all__ = [
    "inline_max_rows",
    "progress_write",
    "estimate_rows",
    "result_upload_create",
    "result_upload_file_open",
    "result_upload_report_downloaded",
    "result_upload_run",
    "result_uploads_recover",
    "result_upload_files_expire",
    "positives_hand_over",
    "NOT_REGISTERED",
    "AreaSpec",
    "BindReport",
    "Binding",
    "IngestReport",
    "MemberCheck",
    "RowError",
    "RowsRefused",
    "bulk_bind",
    "DoorPlan",
    "door_sampling_collect",
    "door_sampling_plan",
    "household_check_record",
    "laboratory_create",
    "pooling_for",
    "person_register_on_spot",
    "resampling_collect",
    "results_ingest",
    "round_plan",
    "round_set_status",
    "sampling_point_create",
    "tube_add_members",
    "tube_close",
    "tube_open",
    "tube_receive",
]
