"""Every write of the volunteers module (audited, transactional, nothing half-applied)."""

from .applications import Application, read_xlsx, volunteer_apply, volunteers_import
from .deployments import deployment_add, deployment_end, deployment_to_roster
from .fleet import disinfection_add, trip_add, vehicle_add
from .organising import need_publish, organisation_add, point_add, task_type_add, team_add
from .shifts import check_in, check_out, no_shows_record, shift_assign, shift_sign_up
from .vetting import personal_link_issue, volunteer_approve, volunteer_reject, volunteer_verify

__all__ = [
    "Application",
    "check_in",
    "check_out",
    "deployment_add",
    "deployment_end",
    "deployment_to_roster",
    "disinfection_add",
    "need_publish",
    "no_shows_record",
    "organisation_add",
    "personal_link_issue",
    "point_add",
    "read_xlsx",
    "shift_assign",
    "shift_sign_up",
    "task_type_add",
    "team_add",
    "trip_add",
    "vehicle_add",
    "volunteer_apply",
    "volunteer_approve",
    "volunteer_reject",
    "volunteer_verify",
    "volunteers_import",
]
