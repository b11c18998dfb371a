"""Reads with rules for 快转: the transfer board, bed occupancy, the day's figures, a person's timeline.

Every read is limited to the user's jurisdiction (visible_to for lists, covered_by for counts).
One module per page family: cases, transfers (the board and beds), day (the day's figures),
timeline (a person's steps).
"""

from __future__ import annotations

from .cases import (
    DISCHARGE_REVIEWED,
    DischargeReview,
    case_get,
    case_list,
    cases_with_withdrawn_origin,
    discharge_reviews,
    in_care_admitted,
    monitoring_list,
)
from .day import MONTHS, AdmissionTimes, DayFigures, DistrictFigures, day_figures
from .timeline import TimelineStep, case_steps, case_timeline
from .transfers import (
    BedFigures,
    BoardItem,
    FacilityOccupancy,
    Occupancy,
    arrivals_warning,
    bed_figures,
    facility_occupancy,
    transfer_board,
    transfer_board_count,
)

__all__ = [
    "AdmissionTimes",
    "BedFigures",
    "BoardItem",
    "DISCHARGE_REVIEWED",
    "DayFigures",
    "DischargeReview",
    "DistrictFigures",
    "FacilityOccupancy",
    "MONTHS",
    "Occupancy",
    "TimelineStep",
    "arrivals_warning",
    "bed_figures",
    "case_get",
    "case_list",
    "case_steps",
    "case_timeline",
    "cases_with_withdrawn_origin",
    "day_figures",
    "discharge_reviews",
    "facility_occupancy",
    "in_care_admitted",
    "monitoring_list",
    "transfer_board",
    "transfer_board_count",
]
