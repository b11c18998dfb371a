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
their figures to a role without them and withhold the names. `viewer` is the user who holds a grant on
the home district and every capability the endpoint asks for (the district office unless named).
"""

from __future__ import annotations

from dataclasses import dataclass

from fangkong.cases.permissions import CasesCap
from fangkong.isolation.permissions import IsolationCap

LIST, DETAIL, FIGURES, ACTION = "list", "detail", "figures", "action"
CASES = (CasesCap.VIEW,)
PEOPLE = (IsolationCap.VIEW,)
TRACING = (CasesCap.VIEW, IsolationCap.VIEW)


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
]


EXEMPT_NAMESPACES: dict[str, str] = {
    "admin": "Django admin: staff accounts only, under Django's model permissions, audited (tests/audit/test_admin_audit.py)",
}
EXEMPT: dict[str, str] = {}
