"""Every URL of config/urls.py and config/api_urls.py, by name: what the harness proves of it
(ENDPOINTS), or why it is left out (EXEMPT, one line each). tests/scoping/test_coverage.py fails when
a URL is in neither, so a new endpoint cannot slip past the harness.

What an endpoint shows decides its kind:
- LIST    people of the caller's places: the home district's appear, the other district's never;
- DETAIL  one object: the home district's is shown, the other district's answers 404 (`outside="hidden"`:
          a city resource, shown, but without the other district's people);
- FIGURES counts and charts: open to everyone in scope, and no person's name in them;
- ACTION  a write (POST): refused (403/404) to a role without its capability, out of grant, without a grant.
`needs` are the need-to-know capabilities (403 without them, before any look-up); `mixed` pages show
their figures to a role without them and withhold the names — and the marks of `withheld` (a health
status, a count that names one), shown to the viewer. `viewer` is the user who holds a grant on the
home district and every capability the endpoint asks for (the district office unless named). A
`query` may name its subject's `params` ("?place={place}": the home or the other district's).
"""

from __future__ import annotations

from dataclasses import dataclass

from fangkong.cases.permissions import CasesCap
from fangkong.geo.permissions import GeoCap
from fangkong.isolation.permissions import IsolationCap
from fangkong.livelihood.permissions import LivelihoodCap
from fangkong.movement.permissions import MovementCap
from fangkong.supervision.permissions import SupervisionCap
from fangkong.testing.permissions import TestingCap
from fangkong.volunteers.permissions import VolunteersCap
from fangkong.zoning.permissions import ZoningCap

LIST, DETAIL, FIGURES, ACTION = "list", "detail", "figures", "action"
CASES = (CasesCap.VIEW,)
PEOPLE = (IsolationCap.VIEW,)
TRACING = (CasesCap.VIEW, IsolationCap.VIEW)
PEOPLE_OF_PLACES = (GeoCap.VIEW_PEOPLE,)
MOVE = (MovementCap.VIEW,)
SUP = (SupervisionCap.VIEW,)
INSPECTOR = ("supervisor",)  # holds supervision.* and is in no team: sees nothing (tests/supervision)
LEDGER = (LivelihoodCap.DETAILS,)  # the ledger's residents by name (need-to-know); keeping it needs livelihood.ledger
KEEP = (LivelihoodCap.DETAILS, LivelihoodCap.LEDGER)
DELIVER = (LivelihoodCap.DELIVER,)
SUPPLIES = (LivelihoodCap.SUPPLIES,)
VOUCHERS = (LivelihoodCap.VOUCHERS,)
RELIEF = (LivelihoodCap.RELIEF,)  # the disbursements by name (need-to-know) and their writes: street and district offices
VOLUNTEERS_DELIVER = ("volunteer",)  # the volunteer coordinator delivers by design (livelihood.deliver)
VOL = (VolunteersCap.VIEW,)
VOL_MANAGE = (VolunteersCap.VIEW, VolunteersCap.MANAGE)
VOL_DEPLOY = (VolunteersCap.VIEW, VolunteersCap.DEPLOY)


@dataclass(frozen=True)
class Endpoint:
    name: str  # the URL name: "cases:case_detail" (a page), "cases-case-detail" (an API route)
    kind: str
    subject: str | None = None  # tests/scoping/world.py: which objects (the URL's pk) and names it shows
    needs: tuple[str, ...] = ()
    mixed: bool = False
    viewer: str = "office"
    outside: str = "404"  # DETAIL: "hidden" (a city resource: shown without the other district's people)
    query: str = ""
    names: bool = True  # LIST/DETAIL: it names its subject's people (False: a fragment or record without names)
    method: str = ""  # a read by POST (a search: criteria in the body, never in the URL)
    data: tuple[tuple[str, str], ...] = ()  # what a write posts (so that only the refusal under test can stop it)
    # Harness roles that hold its capability by design (督导's supervisor, the volunteer coordinator who
    # delivers): skipped in "without the capability".
    holders: tuple[str, ...] = ()
    # mixed: what the viewer reads and a role without `needs` never does (a resident's 阳性, a
    # household's count of positives), as it appears in the body
    withheld: tuple[str, ...] = ()

    @property
    def api(self) -> bool:
        return ":" not in self.name

    def __str__(self) -> str:
        return self.name


def _e(name: str, kind: str, subject: str | None = None, needs: tuple[str, ...] = (), **kw) -> Endpoint:
    return Endpoint(name, kind, subject, needs, **kw)


ENDPOINTS: list[Endpoint] = [
    # ---- 快转 pages ----
    _e("cases:board", LIST, "board", CASES, mixed=True),
    _e("cases:transfer_dispatch", ACTION, "transfer", CASES),
    _e("cases:transfer_pick_up", ACTION, "transfer", CASES),
    _e("cases:transfer_admit", ACTION, "transfer", CASES, viewer="hospital"),
    _e("cases:transfer_refuse", ACTION, "transfer", CASES),
    _e("cases:case_list", LIST, "case", CASES),
    _e("cases:case_detail", DETAIL, "case", CASES),
    _e("cases:case_classify", ACTION, "case", CASES),
    _e("cases:case_test_record", ACTION, "patient", CASES, viewer="hospital"),
    _e("cases:discharge_check", DETAIL, "patient", CASES, viewer="hospital", names=False),
    _e("cases:case_discharge", ACTION, "patient", CASES, viewer="hospital"),
    _e("cases:case_withdraw", ACTION, "case", CASES),
    _e("cases:case_reopen", ACTION, "case", CASES),
    _e("cases:queue", LIST, "positive", CASES),
    _e("cases:queue_open_all", ACTION, None, CASES),
    _e("cases:queue_open_one", ACTION, "positive", CASES),
    _e("cases:case_open", LIST, None, CASES),
    _e("cases:facility_list", FIGURES),
    _e("cases:facility_detail", DETAIL, "facility", CASES, mixed=True, outside="hidden"),
    _e("cases:facility_beds", ACTION, "facility", outside="city"),
    _e("cases:facility_create", ACTION),
    _e("cases:facility_edit", ACTION, "facility", outside="city"),
    _e("cases:monitoring_list", LIST, "monitoring", CASES),
    _e("cases:monitoring_test", ACTION, "monitoring", CASES),
    _e("cases:monitoring_complete", ACTION, "monitoring", CASES),
    _e("cases:day_figures", FIGURES, query="?date=2022-11-14"),
    _e("press:brief", FIGURES, query="?date=2022-11-14"),
    # ---- 快转 API ----
    _e("cases-case-list", LIST, "case", CASES),
    _e("cases-case-detail", DETAIL, "case", CASES),
    _e("cases-case-timeline", DETAIL, "case", CASES, names=False),
    _e("cases-case-discharge-check", DETAIL, "case", CASES, names=False),
    _e("cases-case-classify", ACTION, "case", CASES),
    _e("cases-case-withdraw", ACTION, "case", CASES),
    _e("cases-case-tests", ACTION, "patient", CASES, viewer="hospital"),
    _e("cases-case-discharge", ACTION, "patient", CASES, viewer="hospital"),
    _e("cases-case-day-figures", FIGURES, query="?date=2022-11-14"),
    _e("cases-transfer-list", LIST, "board", CASES),
    _e("cases-transfer-detail", DETAIL, "transfer", CASES, names=False),
    _e("cases-transfer-dispatch", ACTION, "transfer", CASES),
    _e("cases-transfer-pick-up", ACTION, "transfer", CASES),
    _e("cases-transfer-admit", ACTION, "transfer", CASES, viewer="hospital"),
    _e("cases-transfer-refuse", ACTION, "transfer", CASES),
    _e("cases-facility-list", FIGURES),
    _e("cases-facility-detail", FIGURES, "facility", outside="city"),
    _e("cases-facility-occupancy", FIGURES),
    _e("cases-monitoring-list", LIST, "monitoring", CASES),
    _e("cases-monitoring-detail", DETAIL, "monitoring", CASES),
    _e("cases-monitoring-tests", ACTION, "monitoring", CASES),
    _e("cases-monitoring-complete", ACTION, "monitoring", CASES),
    # ---- 快隔 pages ----
    _e("isolation:site_list", FIGURES),
    _e("isolation:site_create", ACTION),
    _e("isolation:site_detail", DETAIL, "site", PEOPLE, mixed=True),
    _e("isolation:room_grid", DETAIL, "site", PEOPLE, mixed=True),
    _e("isolation:room_add", ACTION, "site"),
    _e("isolation:staff_add", ACTION, "site"),
    _e("isolation:checklist", FIGURES, "site"),
    _e("isolation:incident_create", ACTION, "site"),
    _e("isolation:checklist_board", FIGURES),
    _e("isolation:incident_list", LIST, "incident", PEOPLE, mixed=True, query="?show=all"),
    _e("isolation:incident_resolve", ACTION, "incident"),
    _e("isolation:awaiting_board", LIST, "awaiting", PEOPLE),
    _e("isolation:awaiting_check_in", ACTION, None, PEOPLE),
    _e("isolation:episode_list", LIST, "episode", PEOPLE),
    _e("isolation:episode_create", ACTION, None, PEOPLE),
    _e("isolation:episode_detail", DETAIL, "episode", PEOPLE),
    _e("isolation:episode_transit", ACTION, "episode", PEOPLE),
    _e("isolation:episode_check_in", ACTION, "episode", PEOPLE),
    _e("isolation:episode_move", ACTION, "episode", PEOPLE),
    _e("isolation:episode_cancel", ACTION, "episode", PEOPLE),
    _e("isolation:episode_release", ACTION, "episode", PEOPLE),
    _e("isolation:test_result", ACTION, "scheduled_test", PEOPLE),
    _e("isolation:day_sheet", DETAIL, "site", PEOPLE, query="?day=2022-11-15"),
    _e("isolation:handover_list", LIST, "handover", PEOPLE),
    _e("isolation:handover_confirm", ACTION, "handover", PEOPLE),
    _e("isolation:home_list", LIST, "at_home", PEOPLE),
    _e("isolation:home_start", ACTION, "at_home", PEOPLE),
    _e("isolation:home_check", ACTION, "at_home", PEOPLE),
    _e("isolation:episode_complete", ACTION, "at_home", PEOPLE),
    _e("isolation:arrival_list", LIST, "arrival", PEOPLE),
    _e("isolation:arrival_create", ACTION, None, PEOPLE),
    _e("isolation:figures", FIGURES, query="?day=2022-11-14"),
    # ---- 流调 pages ----
    _e("isolation:tracing_home", LIST, "tracing", TRACING),
    _e("isolation:contacts_awaiting", LIST, "contacts_awaiting", TRACING),
    _e("isolation:person_lookup", ACTION, None, TRACING),
    _e("isolation:trace_case", DETAIL, "trace", TRACING),
    _e("isolation:contact_add", ACTION, "trace", TRACING),
    _e("isolation:cluster_graph", DETAIL, "graph", TRACING),
    _e("isolation:contact_detail", DETAIL, "contact", TRACING),
    _e("isolation:secondary_add", ACTION, "contact", TRACING),
    # ---- 快隔 and 流调 API ----
    _e("isolation-site-list", FIGURES),
    _e("isolation-site-detail", FIGURES, "site"),
    _e("isolation-site-rooms", DETAIL, "site", PEOPLE),
    _e("isolation-site-day-sheet", DETAIL, "site", PEOPLE, query="?date=2022-11-15"),
    _e("isolation-site-check-ins", ACTION, "site", PEOPLE),
    _e("isolation-episode-list", LIST, "episode", PEOPLE),
    _e("isolation-episode-detail", DETAIL, "episode", PEOPLE),
    _e("isolation-episode-awaiting", LIST, "awaiting", PEOPLE),
    _e("isolation-episode-figures", FIGURES, query="?date=2022-11-14"),
    _e("isolation-handover-list", LIST, "handover", PEOPLE),
    _e("isolation-handover-confirm", ACTION, "handover", PEOPLE),
    _e("isolation-case-contacts", DETAIL, "trace", TRACING),
    _e("isolation-case-contacts-bulk", ACTION, "trace", TRACING),
    _e("isolation-case-graph", DETAIL, "graph", TRACING),
    # ---- the registry: places by grant; its people need geo.view_people too (docs/security.md) ----
    _e("geo:browse", FIGURES),
    _e("geo:place", DETAIL, "place", names=False),
    _e("geo:household", DETAIL, "household", PEOPLE_OF_PLACES),
    _e("geo:person_search", LIST, "people", PEOPLE_OF_PLACES),
    _e("geo:person", DETAIL, "person", PEOPLE_OF_PLACES),
    _e("geo:person_reveal_id", ACTION, "person", PEOPLE_OF_PLACES, data=(("reason", "核实身份（测试）"),)),
    _e("district-list", LIST, "district"),
    _e("district-detail", DETAIL, "district"),
    _e("street-list", LIST, "street"),
    _e("street-detail", DETAIL, "street"),
    _e("community-list", LIST, "community"),
    _e("community-detail", DETAIL, "community"),
    _e("grid-list", LIST, "grid", names=False),
    _e("grid-detail", DETAIL, "grid", names=False),
    _e("household-list", LIST, "household", PEOPLE_OF_PLACES, names=False),
    _e("household-detail", DETAIL, "household", PEOPLE_OF_PLACES, names=False),
    _e("person-list", LIST, "people", PEOPLE_OF_PLACES),
    _e("person-detail", DETAIL, "person", PEOPLE_OF_PLACES),
    _e("person-search", LIST, "people", PEOPLE_OF_PLACES, method="post"),
    _e("person-reveal", ACTION, "person", PEOPLE_OF_PLACES, data=(("reason", "核实身份（测试）"),)),
    # ---- 快检 pages: a round is the city's; its people by their places, the work pages by role ----
    _e("testing:round_list", FIGURES),
    _e("testing:round_plan", ACTION, None, (TestingCap.PLAN,)),
    _e("testing:round_plan_places", FIGURES, None, (TestingCap.PLAN,), query="?prefix=areas-0&areas-0-level=district"),
    _e("testing:round_detail", FIGURES, "round"),
    _e("testing:round_set_status", ACTION, "round", (TestingCap.PLAN,)),
    _e("testing:coverage", FIGURES, "round"),
    # Below a grid: a household's residents need geo.view_people, their results — and 阳性 / 待单采复核
    # per building, unit or household — cases.view (the positives queue's); the figures stay.
    _e(
        "testing:coverage",
        DETAIL,
        "coverage_household",
        (GeoCap.VIEW_PEOPLE, CasesCap.VIEW),
        mixed=True,
        query="?level=household&place={place}",
        withheld=('data-total="positive"', 'data-status="positive"'),
    ),
    _e("testing:sampling_point_list", LIST, "point"),
    _e("testing:sampling_point_create", ACTION, None, (TestingCap.POINTS,)),
    _e("testing:sampling_point_grids", FIGURES, None, (TestingCap.POINTS,)),
    _e("testing:sampling", DETAIL, "round", (TestingCap.SAMPLE,), names=False),
    _e("testing:tube_open", ACTION, "round", (TestingCap.SAMPLE,)),
    _e("testing:tube_detail", DETAIL, "tube", (TestingCap.SAMPLE,)),
    _e("testing:tube_add_member", ACTION, "tube", (TestingCap.SAMPLE,)),
    _e("testing:tube_close", ACTION, "tube", (TestingCap.SAMPLE,)),
    _e("testing:tube_register_person", ACTION, "tube", (TestingCap.SAMPLE,)),
    _e("testing:lab", DETAIL, "round", (TestingCap.LAB,), viewer="lab", names=False),
    _e("testing:tube_receive", ACTION, "round", (TestingCap.LAB,), viewer="lab"),
    _e("testing:result_upload", ACTION, "round", (TestingCap.LAB,), viewer="lab"),
    _e("testing:unmatched_list", LIST, "round", (TestingCap.PLAN,), names=False),
    _e("testing:door_knocking_grids", FIGURES, "round", (TestingCap.CHECK,), viewer="command"),  # one grid: straight to it
    _e("testing:door_knocking", DETAIL, "knock", (TestingCap.CHECK,)),
    _e("testing:household_check", ACTION, "household_check", (TestingCap.CHECK,)),
    _e("testing:resampling_tasks", LIST, "resampling_round", (TestingCap.CHECK,)),
    _e("testing:resampling_collect", ACTION, "resampling_task", (TestingCap.CHECK,)),
    # 上门采样 of the high-risk areas: one task per household (names, masked IDs) by grant and testing.check
    _e("testing:door_tasks", LIST, "door_round", (TestingCap.CHECK,), query="?status=all"),
    _e("testing:door_collect", ACTION, "door_task", (TestingCap.CHECK,), data=(("barcode", "SC-DOOR1"),)),
    _e("testing:door_plan", ACTION, "round", (TestingCap.PLAN,)),
    _e("testing:deadline_board", FIGURES, "round"),
    _e("testing:overdue_tubes", FIGURES, "round"),
    _e("testing:press_report", FIGURES, "round"),
    _e("testing:press_report_xlsx", FIGURES, "round"),
    # ---- 快检 API ----
    _e("testing-round-list", FIGURES),
    _e("testing-round-detail", FIGURES, "round"),
    _e("testing-round-coverage", FIGURES, "round"),
    _e(
        "testing-round-coverage",
        DETAIL,
        "coverage_household",
        CASES,
        mixed=True,
        names=False,
        query="?level=household&place={place}&group_by=household",  # the household's totals and its row
        withheld=('"positive": 1',),
    ),
    _e("testing-round-press-report", FIGURES, "round"),
    _e("testing-round-bindings", ACTION, "round", (TestingCap.SAMPLE,)),
    _e("testing-round-receipts", ACTION, "round", (TestingCap.LAB,), viewer="lab"),
    _e("testing-round-results", ACTION, "round", (TestingCap.LAB,), viewer="lab"),
    _e("testing-round-door-knocking", DETAIL, "knock", (TestingCap.CHECK,)),
    _e("testing-sampling-point-list", LIST, "point"),
    _e("testing-sampling-point-detail", DETAIL, "point"),
    _e("testing-tube-list", LIST, "tubes"),
    _e("testing-tube-detail", DETAIL, "tube"),
    _e("testing-tube-close", ACTION, "tube", (TestingCap.SAMPLE,)),
    _e("testing-resampling-task-list", LIST, "resampling", (TestingCap.CHECK,)),
    _e("testing-resampling-task-detail", DETAIL, "resampling", (TestingCap.CHECK,)),
    _e("testing-resampling-task-collect", ACTION, "resampling", (TestingCap.CHECK,)),
    _e("testing-positive-list", LIST, "positive", CASES),
    _e("testing-positive-detail", DETAIL, "positive", CASES),
    # ---- the overview ----
    _e("reports:home", FIGURES),
    # ---- the 三快一严 board: counts, and late items by case/episode/tube number with their owners (no resident's name) ----
    _e("reports:board", FIGURES),
    _e("reports:board_drill", FIGURES, query="?figure=cases.transfers_overdue&level=city&list=1"),
    _e("reports:board_owners", FIGURES),
    _e("reports:capacity", FIGURES),
    _e("reports:accountability", FIGURES),  # 跟踪问效: per unit, counts only (its drill-down names no person)
    # ---- 严管: risk areas (place names; who is missing from a screening needs zoning.residents) ----
    _e("zoning:area_list", LIST, "risk_area"),
    _e("zoning:area_detail", DETAIL, "risk_area", (ZoningCap.RESIDENTS,), mixed=True),
    _e("zoning:area_declare", ACTION, None, (ZoningCap.DECLARE,)),
    _e("zoning:area_approve", ACTION, "risk_area", (ZoningCap.DECIDE,)),
    _e("zoning:area_reject", ACTION, "risk_area", (ZoningCap.DECIDE,)),
    _e("zoning:area_lift", ACTION, "risk_area", (ZoningCap.DECIDE,)),
    # ---- 系统预警: the system's flags (rules, places, item ids; no person) by grant alone ----
    _e("flags:flag_list", LIST, "system_flag"),
    # ---- 4+N duty: a compound's roster (staff names, phones masked) by grant; keeping it needs zoning.duty ----
    _e("zoning:duty_list", LIST, "duty_compound", names=False),
    _e("zoning:duty_compound", DETAIL, "duty_compound"),
    _e(
        "zoning:duty_post_create",
        ACTION,
        "duty_compound",
        (ZoningCap.DUTY,),
        data=(("role", "volunteer"), ("name", "某某"), ("phone", "13800009999")),
    ),
    _e("zoning:duty_shift_create", ACTION, "duty_compound", (ZoningCap.DUTY,)),
    _e("zoning:duty_post_remove", ACTION, "duty_post", (ZoningCap.DUTY,)),
    _e("zoning:duty_shift", DETAIL, "duty_shift", (ZoningCap.DUTY,)),
    _e("zoning:duty_shift_remove", ACTION, "duty_shift", (ZoningCap.DUTY,)),
    _e("zoning:figures", FIGURES),
    # ---- 有序流动: passes (drivers named), checkpoints (places), departures (travellers named) ----
    _e("movement:home", FIGURES, None, MOVE),
    _e("movement:pass_list", LIST, "vehicle_pass", MOVE),
    _e("movement:pass_detail", DETAIL, "vehicle_pass", MOVE),
    _e("movement:refused_scans", LIST, "refused_scan", MOVE),
    _e("movement:pass_new", ACTION, None, (MovementCap.VIEW, MovementCap.PASS_ISSUE)),
    _e("movement:pass_approve", ACTION, "vehicle_pass", (MovementCap.VIEW, MovementCap.PASS_APPROVE)),
    _e("movement:pass_revoke", ACTION, "vehicle_pass", (MovementCap.VIEW, MovementCap.PASS_APPROVE), data=(("reason", "scoping"),)),
    _e("movement:check", FIGURES, None, (MovementCap.CHECK,)),
    _e("movement:revocations", FIGURES, None, (MovementCap.CHECK,)),
    _e("movement:checkpoint_list", FIGURES, None, (MovementCap.CHECK,)),
    _e("movement:checkpoint_detail", DETAIL, "checkpoint", (MovementCap.CHECK,)),
    _e("movement:checkpoint_shifts", ACTION, "checkpoint", (MovementCap.PASS_APPROVE,)),
    _e("movement:checkpoint_decide", ACTION, "checkpoint", (MovementCap.CHECKPOINT_APPROVE,), data=(("decision", "approve"),)),
    _e("movement:application_list", LIST, "departure", MOVE),
    _e("movement:application_new", ACTION, None, (MovementCap.VIEW, MovementCap.DEPART)),
    _e("movement:applications_decide", ACTION, None, (MovementCap.VIEW, MovementCap.ORGANISE)),
    _e("movement:departure_list", LIST, "departure", MOVE, names=False),
    _e("movement:departure_detail", DETAIL, "departure", MOVE),
    _e("movement:departure_assign", ACTION, "departure", (MovementCap.VIEW, MovementCap.ORGANISE)),
    _e("movement:batch_list", LIST, "batch", MOVE, names=False),
    _e("movement:batch_detail", DETAIL, "batch", MOVE),
    _e("movement:batch_step", ACTION, "batch_step", (MovementCap.VIEW, MovementCap.ORGANISE)),
    # 督导: an inspector sees their team's places, an office its jurisdiction
    _e("supervision:home", FIGURES, None, SUP, holders=INSPECTOR),
    # 跟踪问效 per responsible person (staff, not residents); `?format=xlsx` is the same view, tested in
    # tests/supervision/test_accountability_export.py (a street's file, another district; 403 without supervision.view)
    _e("supervision:accountability", FIGURES, None, SUP, holders=INSPECTOR),
    _e("supervision:rectification_list", LIST, "supervision_rectification", SUP, holders=INSPECTOR),
    _e("supervision:rectification_detail", DETAIL, "supervision_rectification", SUP, holders=INSPECTOR),
    _e("supervision:inspection_detail", DETAIL, "supervision_inspection", SUP, holders=INSPECTOR),
    _e("supervision:assignment_detail", DETAIL, "supervision_assignment", SUP, holders=INSPECTOR),
    _e("supervision:team_list", FIGURES, None, SUP, holders=INSPECTOR),
    _e("supervision:team_new", ACTION, None, (SupervisionCap.MANAGE,)),
    _e("supervision:assignment_new", ACTION, None, (SupervisionCap.MANAGE,)),
    _e("supervision:inspection_new", ACTION, None, (SupervisionCap.INSPECT,), holders=INSPECTOR),
    _e("supervision:rectification_fix", ACTION, "supervision_rectification", (SupervisionCap.VIEW, SupervisionCap.RECTIFY)),
    _e("supervision:rectification_verify", ACTION, "supervision_rectification", (SupervisionCap.INSPECT,), holders=INSPECTOR),
    # ---- 志愿者: volunteers and the people who serve named (volunteers.view); points, needs and totals by grant ----
    _e("volunteers:volunteer_list", LIST, "volunteer", VOL),
    _e("volunteers:volunteer_detail", DETAIL, "volunteer", VOL),
    _e("volunteers:volunteer_verify", ACTION, "volunteer", VOL_MANAGE),
    _e("volunteers:volunteer_approve", ACTION, "volunteer", VOL_MANAGE),
    _e("volunteers:volunteer_reject", ACTION, "volunteer", VOL_MANAGE),
    _e("volunteers:volunteer_link", ACTION, "volunteer", VOL_MANAGE),
    _e("volunteers:volunteer_import", ACTION, None, VOL_MANAGE),
    _e("volunteers:organisation_list", LIST, "vol_org", VOL),
    _e("volunteers:point_list", LIST, "vol_point", VOL),
    _e("volunteers:point_detail", DETAIL, "vol_point", VOL),
    _e("volunteers:need_detail", DETAIL, "vol_need", VOL),
    _e("volunteers:totals", FIGURES),
    _e("volunteers:fleet", FIGURES),
    _e("volunteers:deployment_list", LIST, "deployment", VOL),
    _e("volunteers:deployment_detail", DETAIL, "deployment", VOL),
    _e("volunteers:deployment_end", ACTION, "deployment", VOL_DEPLOY),
    _e("volunteers:deployment_roster", ACTION, "deployment", VOL_DEPLOY),
    _e("volunteers-volunteer-list", LIST, "volunteer", VOL),
    _e("volunteers-volunteer-detail", DETAIL, "volunteer", VOL),
    _e("volunteers-point-list", LIST, "vol_point"),
    _e("volunteers-point-detail", DETAIL, "vol_point"),
    _e("volunteers-point-attendance", FIGURES),
    _e("volunteers-need-list", LIST, "vol_need_api"),
    _e("volunteers-need-detail", DETAIL, "vol_need_api"),
    _e("volunteers-need-assign", ACTION, "vol_need_api", (VolunteersCap.MANAGE,)),
    _e("volunteers-totals-list", FIGURES),
    _e("volunteers-deployment-list", LIST, "deployment", VOL),
    _e("volunteers-deployment-detail", DETAIL, "deployment", VOL),
    _e("volunteers-deployment-end", ACTION, "deployment", VOL_DEPLOY),
    _e("volunteers-deployment-roster", ACTION, "deployment", VOL_DEPLOY),
    _e("volunteers-deployment-figures", FIGURES),
    # the map: the page loads its data from map.json (places and levels by grant; the case layer, counts only, needs cases.view)
    _e("zoning:map", FIGURES),
    _e("zoning:map_data", LIST, "risk_area", CASES, mixed=True),
    # ---- 民生保障: figures by grant; the ledger's residents by name need livelihood.details (viewer: a community worker) ----
    _e("livelihood:home", FIGURES, viewer="community"),
    _e("livelihood:community", DETAIL, "livelihood_community", LEDGER, mixed=True, viewer="community"),
    _e("livelihood:ledger_from_registry", ACTION, "livelihood_community", (LivelihoodCap.LEDGER,), viewer="community"),
    _e("livelihood:entry_create", ACTION, "livelihood_community", (LivelihoodCap.LEDGER,), viewer="community"),
    _e("livelihood:group_create", ACTION, "livelihood_community", (LivelihoodCap.LEDGER,), viewer="community"),
    _e("livelihood:entry_detail", DETAIL, "livelihood_entry", LEDGER, viewer="community"),
    _e("livelihood:entry_edit", ACTION, "livelihood_entry", KEEP, viewer="community"),
    _e("livelihood:visit_create", ACTION, "livelihood_entry", KEEP, viewer="community"),
    _e("livelihood:request_create", ACTION, "livelihood_entry", KEEP, viewer="community"),
    _e("livelihood:group_detail", DETAIL, "livelihood_group", LEDGER, viewer="community"),
    _e("livelihood:member_create", ACTION, "livelihood_group", KEEP, viewer="community"),
    _e("livelihood:member_deployed_create", ACTION, "livelihood_group", KEEP, viewer="community"),
    _e("livelihood:pair_create", ACTION, "livelihood_group", KEEP, viewer="community"),
    _e("livelihood:requests", LIST, "livelihood_requests", LEDGER, mixed=True, viewer="community"),
    _e("livelihood:request_detail", DETAIL, "livelihood_request", LEDGER, viewer="community"),
    _e("livelihood:request_cancel", ACTION, "livelihood_request", KEEP, viewer="community", data=(("cancel-reason", "scoping"),)),
    _e("livelihood:request_reassign", ACTION, "livelihood_request", KEEP, viewer="community", data=(("reason", "scoping"),)),
    # a deliverer (the volunteer coordinator among them) records and undoes deliveries within the grant
    _e("livelihood:request_deliver", ACTION, "livelihood_request", DELIVER, viewer="community", holders=VOLUNTEERS_DELIVER),
    _e("livelihood:request_confirm", ACTION, "livelihood_request", DELIVER, viewer="community", holders=VOLUNTEERS_DELIVER),
    _e("livelihood:delivery_cancel", ACTION, "livelihood_request", DELIVER, viewer="community", holders=VOLUNTEERS_DELIVER),
    _e("livelihood:deliveries", LIST, "livelihood_deliveries", DELIVER, viewer="community", holders=VOLUNTEERS_DELIVER),
    # supplies: no personal data; a warehouse and the requests asked of it by grant (others 404)
    # ---- 消费券: a programme is the city's (its totals by grant); its vouchers by name need livelihood.details ----
    _e("livelihood:programmes", FIGURES, viewer="community"),
    _e("livelihood:programme_detail", DETAIL, "voucher_programme", LEDGER, mixed=True, viewer="community"),
    _e("livelihood:programme_run", ACTION, "voucher_programme", VOUCHERS, viewer="community"),
    _e("livelihood:voucher_issue", ACTION, "voucher_programme", VOUCHERS, viewer="community"),
    _e("livelihood:voucher_redeem", ACTION, "voucher", VOUCHERS, viewer="community"),
    # ---- 补贴与救助: the totals and budgets by grant; the disbursements by name need livelihood.relief ----
    _e("livelihood:relief", LIST, "relief", RELIEF, mixed=True),
    _e("livelihood:relief_create", ACTION, None, RELIEF),
    _e("livelihood:budget_create", ACTION, None, RELIEF),
    _e("livelihood:warehouses", FIGURES, None, SUPPLIES),
    _e("livelihood:warehouse_detail", DETAIL, "warehouse", SUPPLIES, names=False),
    _e("livelihood:warehouse_move", ACTION, "warehouse", SUPPLIES),
    _e("livelihood:supply_requests", FIGURES, None, SUPPLIES),
    _e("livelihood:supply_request_create", ACTION, None, (LivelihoodCap.REQUEST_SUPPLIES,), viewer="community"),
    _e("livelihood:supply_request_detail", DETAIL, "supply_request", SUPPLIES, names=False),
    _e("livelihood:supply_request_decide", ACTION, "supply_request", SUPPLIES),
    _e(
        "livelihood:supply_request_cancel",
        ACTION,
        "supply_request",
        (LivelihoodCap.REQUEST_SUPPLIES,),
        viewer="community",
        data=(("cancel-reason", "scoping"),),
    ),
]


EXEMPT_NAMESPACES: dict[str, str] = {
    "admin": "Django admin: superusers only (account managers are sent to 账号管理), audited (tests/audit/test_admin_audit.py)",
}
_OWN = "the signed-in user's own account, nobody else's: tests/accounts"
_MANAGE = (
    "账号管理, accounts.manage only: accounts (not people of the registry) within the manager's reach, others 404; "
    "scope attacks in tests/accounts/test_account_management.py"
)
_JOB = "one upload job, its uploader's (and the city's, the auditor's): tests/imports/test_views.py, tests/security/test_private_files.py"
_LAB_JOB = "a laboratory's own result upload: tests/testing/test_views_lab.py, tests/security/test_private_files.py"
_PUBLIC_AREAS = "the public list of risk areas, no login: places and levels only, rate-limited (tests/zoning/test_pages.py)"
_VOL_PUBLIC = (
    "志愿者 public pages, no login: the application (rate-limited, no oracle) and the volunteer's own pages by their "
    "personal link (their own data only): tests/volunteers/test_registration.py, tests/volunteers/test_security.py"
)
_POLICY = "policy profiles: the city's rules, no personal data (tests/policy/test_views.py)"
_PROBE = "a probe for the load balancer: no login, JSON of check names and ages, no personal data (tests/ops/test_health.py)"
_NOTES = (
    "the signed-in user's own notifications (the words name places and counts, never a person; the link only "
    "for a role holding the object's capability); another user's: 404 (tests/notifications/test_pages.py)"
)
_DAILY = (
    "日报: reports of the caller's places (a community its own, a street its communities'), others 404; writes need "
    "reports.daily and a grant at the report's own level (the level above reopens): tests/reports/daily/test_views.py"
)
EXEMPT: dict[str, str] = {
    "daily:day": _DAILY,
    "daily:open": _DAILY,
    "daily:report": _DAILY,
    "daily:submit": _DAILY,
    "daily:compile": _DAILY,
    "daily:refill": _DAILY,
    "daily:reopen": _DAILY,
    "daily:export": _DAILY,
    "supervision:photo": "a finding's or a fix's photo (an image, not a page): served only for a rectification the caller sees, "
    "through the detail page's selector; tests/supervision/test_pages.py attacks it",
    "healthz": _PROBE,
    "readyz": _PROBE,
    "metrics": "Prometheus figures (counts, ages), no personal data; a bearer token or a staff login (tests/ops/test_health.py)",
    "notifications:list": _NOTES,
    "notifications:bell": _NOTES,
    "notifications:read_all": _NOTES,
    "notifications:open": _NOTES,
    "notifications:read": _NOTES,
    "notifications:mute": _NOTES + "; a rule the role does not receive: 404",
    "accounts:profile": _OWN,
    "accounts:login": "the sign-in page: before any grant (tests/accounts/test_login.py)",
    "accounts:login_otp": "the sign-in's second step (tests/accounts/test_second_factor.py)",
    "accounts:logout": _OWN,
    "accounts:password_change": _OWN,
    "accounts:second_factor": _OWN,
    "accounts:totp_setup": _OWN,
    "accounts:api_token": _OWN,
    "accounts:api_token_create": _OWN,
    "accounts:api_token_revoke": _OWN + " (another user's token: 404, tests/security/test_auth_tokens.py)",
    "accounts:token_admin": "accounts.manage only: every user's tokens, no personal data (tests/security/test_auth_tokens.py)",
    "accounts:account_list": _MANAGE,
    "accounts:account_create": _MANAGE,
    "accounts:account_detail": _MANAGE,
    "accounts:account_deactivate": _MANAGE,
    "accounts:account_reactivate": _MANAGE,
    "accounts:account_password_reset": _MANAGE,
    "accounts:account_second_factor_reset": _MANAGE,
    "accounts:role_capabilities": "accounts.manage only: the capabilities the modules declare (tests/accounts/test_role_capabilities.py)",
    "api_not_found": "any other URL under /api/: a 404 in the Error shape, nothing of anyone (tests/api/test_error_shape.py)",
    "api-token-list": "issues the caller's own API token (tests/security/test_auth_tokens.py)",
    "api-token-logout": "revokes the caller's own API token (tests/security/test_auth_tokens.py)",
    "api-root": "the API's index of routes: no data",
    "api-schema": "the OpenAPI schema: no data (signed in unless FANGKONG_API_DOCS_PUBLIC)",
    "api-docs": "Swagger UI over the schema: no data",
    "api-redoc": "ReDoc over the schema: no data",
    "set_language": "switches the interface language",
    "audit:event_list": "audit.view only (auditor, system administrator), by their grants: tests/audit/test_views.py",
    "audit:event_detail": "audit.view only, out of scope 404: tests/audit/test_views.py",
    "imports:job_list": "geo.import only, the user's own jobs: tests/imports/test_views.py",
    "imports:job_upload": "geo.import only: tests/imports/test_views.py",
    "imports:template": "a blank import template: no data",
    "imports:job_detail": _JOB,
    "imports:job_import_valid_rows": _JOB,
    "imports:job_error_report": _JOB,
    "imports:job_file": _JOB,
    "testing:result_template": "a blank results template: no data",
    "testing:result_upload_status": _LAB_JOB,
    "testing:lab_upload_errors": _LAB_JOB,
    "testing:lab_upload_file": _LAB_JOB,
    "policy:profile_list": _POLICY,
    "policy:profile_detail": _POLICY,
    "policy:compare": _POLICY,
    "policy:profile_activate": _POLICY,
    "policy:profile_copy": _POLICY,
    "policy:parameter_edit": _POLICY,
    "zoning:public_list": _PUBLIC_AREAS,
    "zoning:public_feed": _PUBLIC_AREAS,
    "zoning:public_notice": _PUBLIC_AREAS,
    "movement:public_key": "the public key passes are verified with: public, no personal data (tests/movement/test_pages.py)",
    "movement:scan": (
        "a checkpoint's scan (JSON): movement.check, the checkpoint in the caller's grant (another district's: 404), "
        "the pass found by its signed code wherever it was issued: tests/movement/test_pages.py"
    ),
    "movement:driver_pass": (
        "the pass on the driver's phone: public by its signed link (no personal data in it; 404 for a link not ours, "
        "410 once expired, revoked or completed; masked driver): tests/movement/test_driver_link.py"
    ),
    "movement:apply": "residents' own applications: public, rate-limited, no oracle (tests/movement/test_own.py)",
    "movement:applied": "the public thank-you page: no data (tests/movement/test_own.py)",
    "movement:own_list": (
        "residents' own applications in the caller's communities (movement.view + movement.depart; another community's "
        "not listed): tests/movement/test_own.py"
    ),
    "movement:own_review": ("confirm or turn down one of them (another community's: 404, nothing written): tests/movement/test_own.py"),
    "movement:batch_receive": (
        "a batch's handover, confirmed by its receiving unit: found only among the batches whose receiving unit lies in the "
        "caller's districts and not sent from them (the sending office, another district, the command: 404, nothing "
        "written), movement.view + movement.organise: tests/movement/test_handover.py"
    ),
    "movement:handover_link": (
        "a receiving unit outside the city opens its one-time link (public, rate-limited): signed token of a link id and "
        "nonce, no personal data, expires, single use: tests/movement/test_handover.py"
    ),
    "movement:handover_confirm": (
        "the confirmation page of the link held in the session (none: 404), masked names only: tests/movement/test_handover.py"
    ),
    "movement:checkpoint_shift_cancel": (
        "a shift of a checkpoint in the caller's grant (found through the scoped shifts: another district's 404), "
        "movement.pass_approve: tests/movement/test_shifts.py"
    ),
    "zoning:duty_check_in": "the signed-in person's own shifts, nobody else's (another's shift: 404): tests/zoning/test_duty.py",
    "volunteers:apply": _VOL_PUBLIC,
    "volunteers:applied": _VOL_PUBLIC,
    "volunteers:personal_link": _VOL_PUBLIC,
    "volunteers:me": _VOL_PUBLIC,
    "volunteers:me_sign_up": _VOL_PUBLIC,
    "volunteers:certificate": _VOL_PUBLIC,
    "volunteers:leave": _VOL_PUBLIC,
    "volunteers:scan": _VOL_PUBLIC,
    "volunteers-check-in-list": (
        "a volunteer's own check-in by their personal link and the point's code (no account, like the QR page; a forged "
        "or revoked link checks nobody in, rate-limited): tests/volunteers/test_api.py"
    ),
}
