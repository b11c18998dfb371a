"""Reads of 快检, every one limited to what the user sees (visible_to / covered_by): the round's core reads
here (rounds, tubes, results, coverage, progress, positives), re-exported from their modules; the
pages' reads in modules named for the desk they serve (sampling_desk, lab_queue, fieldwork,
planning, deadlines, press)."""

from __future__ import annotations

from .coverage import (
    BELOW_GRID,
    COVERAGE_LEVELS,
    HOME_SAMPLED,
    Coverage,
    HouseholdToKnock,
    MissingMember,
    door_knocking_list,
    results_counted,
    round_coverage,
    round_person_scope,
)
from .positives import (
    positive_for_case,
    positive_person_ids,
    positive_queue,
    positives_awaiting_case,
    positives_by_id,
    positives_recorded,
)
from .progress import (
    OverdueGroup,
    PressReport,
    ProgressPoint,
    overdue_by,
    overdue_tubes,
    press_report,
    round_progress,
)
from .results import (
    person_result_rows,
    person_status,
)
from .rounds import (
    control_list,
    current_rounds,
    laboratory_list,
    members_visible_to,
    resampling_task_list,
    round_get,
    round_list,
    sampling_point_list,
    tube_get,
    tube_list,
    tube_members,
    tube_results,
    unmatched_list,
)

__all__ = [
    "positives_recorded",
    "BELOW_GRID",
    "COVERAGE_LEVELS",
    "Coverage",
    "HOME_SAMPLED",
    "HouseholdToKnock",
    "MissingMember",
    "OverdueGroup",
    "PressReport",
    "ProgressPoint",
    "control_list",
    "current_rounds",
    "door_knocking_list",
    "laboratory_list",
    "members_visible_to",
    "overdue_by",
    "overdue_tubes",
    "person_result_rows",
    "person_status",
    "positive_for_case",
    "positive_person_ids",
    "positive_queue",
    "positives_awaiting_case",
    "positives_by_id",
    "press_report",
    "resampling_task_list",
    "results_counted",
    "round_coverage",
    "round_get",
    "round_list",
    "round_person_scope",
    "round_progress",
    "sampling_point_list",
    "tube_get",
    "tube_list",
    "tube_members",
    "tube_results",
    "unmatched_list",
]
