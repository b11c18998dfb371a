"""Roles and what each may do. One place answers "may this user do X?".

Capabilities say what a role may do; grants (models.Grant) say where. Both must allow an action.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMAND_CENTRE = "command_centre", _("指挥部")
    DISTRICT_OFFICE = "district_office", _("区县防控办")
    STREET_OFFICE = "street_office", _("街道（乡镇）办事处")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    GRID_WORKER = "grid_worker", _("网格员")
    ISOLATION_SITE_STAFF = "isolation_site_staff", _("隔离点工作人员")
    HOSPITAL_STAFF = "hospital_staff", _("医院工作人员")
    LABORATORY = "laboratory", _("检测机构")
    VOLUNTEER_COORDINATOR = "volunteer_coordinator", _("志愿者协调员")
    SUPERVISOR = "supervisor", _("督导")
    AUDITOR = "auditor", _("审计员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


class Cap:
    """Capability names, used in code and templates."""

    REVEAL_ID = "geo.reveal_id"
    IMPORT = "geo.import"
    EXPORT = "geo.export"
    AUDIT_VIEW = "audit.view"
    POLICY_MANAGE = "policy.manage"
    ACCOUNTS_MANAGE = "accounts.manage"
    TESTING_PLAN = "testing.plan"  # plan rounds, sampling points, laboratories
    TESTING_SAMPLE = "testing.sample"  # open tubes, bind people, close tubes
    TESTING_LAB = "testing.lab"  # receive tubes, report results
    TESTING_CHECK = "testing.check"  # door-knocking checks, home re-sampling
    CASES_OPEN = "cases.open"  # open cases by hand, classify, withdraw
    CASES_DISPATCH = "cases.dispatch"  # dispatch transfers, record pick-up and refusals
    CASES_TREAT = "cases.treat"  # admit, record tests, classify, discharge (hospital staff)
    CASES_MONITOR = "cases.monitor"  # home health monitoring after discharge
    CASES_FACILITY = "cases.facility"  # treatment facilities and their beds
    ISOLATION_MANAGE = "isolation.manage"  # isolation sites, rooms, check-in, tests, release, inbound arrivals
    ISOLATION_HANDOVER = "isolation.handover"  # the receiving community confirms handover; home checks and tests
    TRACING = "isolation.trace"  # 流调: record contacts of cases and their exposures; contacts are isolated the same day


ALL_CAPS = frozenset(v for k, v in vars(Cap).items() if k.isupper())

ROLE_CAPS: dict[str, frozenset[str]] = {
    Role.COMMAND_CENTRE: frozenset(
        {Cap.REVEAL_ID, Cap.IMPORT, Cap.EXPORT, Cap.TESTING_PLAN, Cap.TESTING_SAMPLE, Cap.TESTING_CHECK}
        | {Cap.CASES_OPEN, Cap.CASES_DISPATCH, Cap.CASES_TREAT, Cap.CASES_MONITOR, Cap.CASES_FACILITY}
        | {Cap.ISOLATION_MANAGE, Cap.ISOLATION_HANDOVER, Cap.TRACING}
    ),
    Role.DISTRICT_OFFICE: frozenset(
        {Cap.REVEAL_ID, Cap.IMPORT, Cap.EXPORT, Cap.TESTING_PLAN, Cap.TESTING_SAMPLE, Cap.TESTING_CHECK, Cap.CASES_OPEN, Cap.CASES_DISPATCH}
        | {Cap.ISOLATION_MANAGE, Cap.ISOLATION_HANDOVER, Cap.TRACING}
    ),
    Role.STREET_OFFICE: frozenset({Cap.REVEAL_ID, Cap.IMPORT, Cap.EXPORT, Cap.TESTING_SAMPLE, Cap.TESTING_CHECK, Cap.ISOLATION_HANDOVER}),
    Role.COMMUNITY_WORKER: frozenset(
        {Cap.REVEAL_ID, Cap.IMPORT, Cap.EXPORT, Cap.TESTING_SAMPLE, Cap.TESTING_CHECK, Cap.CASES_MONITOR, Cap.ISOLATION_HANDOVER}
    ),
    Role.GRID_WORKER: frozenset({Cap.TESTING_SAMPLE, Cap.TESTING_CHECK, Cap.ISOLATION_HANDOVER}),
    Role.ISOLATION_SITE_STAFF: frozenset({Cap.REVEAL_ID, Cap.ISOLATION_MANAGE}),
    Role.HOSPITAL_STAFF: frozenset({Cap.REVEAL_ID, Cap.CASES_TREAT, Cap.CASES_FACILITY}),
    Role.LABORATORY: frozenset({Cap.TESTING_LAB}),
    Role.VOLUNTEER_COORDINATOR: frozenset(),
    Role.SUPERVISOR: frozenset(),
    Role.AUDITOR: frozenset({Cap.AUDIT_VIEW}),
    Role.SYSTEM_ADMIN: frozenset({Cap.AUDIT_VIEW, Cap.POLICY_MANAGE, Cap.ACCOUNTS_MANAGE, Cap.IMPORT}),
}


def capabilities_of(user: Any) -> frozenset[str]:
    if not user or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return ALL_CAPS
    return ROLE_CAPS.get(user.role, frozenset())


def user_can(user: Any, capability: str) -> bool:
    return capability in capabilities_of(user)
