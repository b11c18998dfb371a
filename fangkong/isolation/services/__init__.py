"""Every write of the 快隔 app. Views, the API, commands and the benchmark call these and only these."""

from .checkin import BulkCheckIn, episodes_check_in_bulk  # noqa: F401  (check-in, one or thousands)
from .episodes import default_party, episode_cancel, episode_check_in, episode_open, episode_transit, room_assign
from .handoff import on_positive
from .inbound import inbound_register
from .regimen import RegimenPlan, home_test_record, regimen_plan, test_record
from .release import episode_complete, handover_confirm, home_check_record, home_isolation_start, missing_home_check_days, release_order
from .sites import (
    RoomSpec,
    checklist_record,
    incident_record,
    incident_resolve,
    occupied_rooms_on,
    room_create_many,
    rooms_by_floor,
    site_create,
    staff_add,
)

__all__ = [
    "RegimenPlan",
    "RoomSpec",
    "checklist_record",
    "default_party",
    "episode_cancel",
    "episode_check_in",
    "episode_complete",
    "episode_open",
    "episode_transit",
    "handover_confirm",
    "home_check_record",
    "home_isolation_start",
    "home_test_record",
    "inbound_register",
    "incident_record",
    "incident_resolve",
    "missing_home_check_days",
    "occupied_rooms_on",
    "on_positive",
    "regimen_plan",
    "release_order",
    "room_assign",
    "room_create_many",
    "rooms_by_floor",
    "site_create",
    "staff_add",
    "test_record",
]
