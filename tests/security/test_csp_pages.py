"""The Content-Security-Policy in a real browser (security issue, item 2): the main pages of each
module, on a small demo city, open with no script refused, no error, and their charts drawn — a
template that brought back an inline <script>, an on…= attribute, hx-on or an htmx trigger filter
would show here as a violation. The behaviours the inline handlers had (confirm before submitting,
submit on change, print, add a row, skip a board's refresh while someone is busy on it, swap a
refusal in place) still work from static/js; the admin, the browsable API, the Swagger UI at
/api/docs/ and ReDoc load under the policy.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fangkong.cases.models import Case
from fangkong.cases.synthetic import cases_generate
from fangkong.demo.management.commands.demo_accounts import demo_accounts_ensure
from fangkong.geo.models import Grid, Person
from fangkong.geo.synthetic import city_generate
from fangkong.isolation.models import Contact, IsolationSite
from fangkong.policy.models import PolicyParameter, PolicyProfile
from fangkong.policy.profiles import load_builtin_profiles
from fangkong.testing.models import TestingRound as Round
from fangkong.testing.synthetic import round_generate

from ..e2e.test_cases import log_in as log_in_as  # the test users' password
from ..e2e.test_registry import ensure_districts
from ..e2e.test_testing_screens import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("beijing_afternoon")]

# Before any page script: collect the browser's securitypolicyviolation events, and make print() a no-op.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
window.__printed = 0;
window.print = () => { window.__printed += 1; };
"""


@pytest.fixture
def demo(transactional_db):
    from fangkong.isolation.synthetic import isolation_generate

    ensure_districts()
    city_generate(actor=None, people=3000, seed=2022, replace=True)
    round_generate(seed=2022)
    cases_generate(seed=2022)
    isolation_generate(seed=2022)
    demo_accounts_ensure(actor=None)


class Watcher:
    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(WATCH)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"{page.url}: page error {e}"))

    def _console(self, msg):
        text = msg.text
        if msg.location.get("url", "").endswith("/favicon.ico"):
            return  # no favicon: a 404 the browser asks for by itself
        if "responded with a status of 422" in text:
            return  # a refusal, shown in place (the browser logs every answer that is not 2xx)
        if "Content Security Policy" in text or "Refused to" in text or msg.type == "error":
            self.problems.append(f"{self.page.url}: console {msg.type}: {text}")

    def visit(self, url: str, *, wait_for: str | None = None) -> None:
        self.page.goto(url)
        if wait_for:
            self.page.wait_for_selector(wait_for)
        self.page.wait_for_timeout(300)  # late violations (a chart's first frame, htmx processing)
        self.check()

    def check(self, *, refused_on_purpose: str = "") -> None:
        violations = self.page.evaluate("window.__csp || []")
        self.problems += [f"{self.page.url}: refused {v}" for v in violations]
        if refused_on_purpose:
            self.problems = [p for p in self.problems if refused_on_purpose not in p]
        assert not self.problems, "\n".join(self.problems)


def test_the_main_pages_run_under_the_policy(demo, live_server, page):
    base = live_server.url
    w = Watcher(page)
    r = Round.objects.get(number=8)
    grid = Grid.objects.filter(community__name="迎宾南路社区").order_by("id").first()
    site = IsolationSite.objects.order_by("id").first()
    traced = Contact.objects.exclude(case=None).order_by("id").first().case
    case = Case.objects.order_by("id").first()
    person = Person.objects.filter(household__isnull=False).order_by("id").first()

    log_in(page, base, "command")
    w.check()
    w.visit(f"{base}/", wait_for="#residents-chart canvas")
    page.hover("#residents-chart canvas", position={"x": 200, "y": 150})  # the tooltip is HTML with inline style
    w.visit(f"{base}/places/")
    w.visit(f"{base}/places/people/?q={person.name[:1]}")
    w.visit(f"{base}/places/people/{person.pk}/")
    w.visit(f"{base}/testing/")
    w.visit(f"{base}/testing/rounds/{r.pk}/")
    w.visit(f"{base}/testing/rounds/{r.pk}/coverage/", wait_for="#coverage-chart canvas")
    w.visit(f"{base}/testing/rounds/{r.pk}/board/", wait_for="#progress-chart canvas")
    w.visit(f"{base}/testing/rounds/{r.pk}/report/")
    w.visit(f"{base}/testing/rounds/{r.pk}/resampling/")
    w.visit(f"{base}/cases/")
    w.visit(f"{base}/cases/cases/{case.pk}/")
    w.visit(f"{base}/cases/figures/")
    w.visit(f"{base}/isolation/")
    w.visit(f"{base}/isolation/sites/{site.pk}/")
    w.visit(f"{base}/isolation/awaiting/")
    w.visit(f"{base}/isolation/figures/")
    w.visit(f"{base}/isolation/tracing/")
    w.visit(f"{base}/isolation/tracing/cases/{traced.pk}/")
    w.visit(f"{base}/isolation/tracing/cases/{traced.pk}/graph/", wait_for="#cluster-graph canvas")
    w.visit(f"{base}/policy/")
    w.visit(f"{base}/imports/")

    # The date pickers submit on change (data-fk-autosubmit, was onchange=).
    w.visit(f"{base}/isolation/sites/{site.pk}/day-sheet/")
    page.fill("#day", "2022-11-20")
    page.wait_for_url(re.compile(r".*day=2022-11-20$"))
    page.click("[data-fk-print]")  # was an inline listener
    assert page.evaluate("window.__printed") == 1
    w.check()

    # Adding a row to a new round's scope (the template row copied, its prefix numbered).
    w.visit(f"{base}/testing/rounds/new/")
    rows = page.locator("#area-rows tr")
    before = rows.count()
    page.click("#add-area")
    expect(rows).to_have_count(before + 1)
    expect(rows.last.locator("select[data-level]")).to_have_attribute("name", f"areas-{before}-level")
    w.check()

    # Boards poll unless someone is busy on them (were htmx trigger filters, which need eval): a
    # request the poll would make, issued through htmx, is dropped while a row is ticked (the 快隔
    # board, data-fk-hold-if) or a form is open (the 快转 board, cases.js), and goes out otherwise.
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-request") else None)
    poll = "htmx.ajax('GET', htmx.find('#board').getAttribute('hx-get'), {source: '#board', target: '#board', swap: 'outerHTML'})"
    w.visit(f"{base}/isolation/awaiting/")
    tick = page.locator("#board input[type=checkbox]").first
    tick.check()
    page.evaluate(poll)
    page.wait_for_timeout(500)
    assert polls == []
    tick.uncheck()
    page.evaluate(poll)
    expect(page.locator("#board")).to_be_attached()
    page.wait_for_timeout(500)
    assert len(polls) == 1 and "/isolation/awaiting/" in polls[0]
    w.visit(f"{base}/cases/")
    polls.clear()
    page.locator("#board details.fk-action > summary").first.click()
    page.evaluate(poll)
    page.wait_for_timeout(500)
    assert polls == []
    page.locator("#board details.fk-action > summary").first.click()
    page.evaluate(poll)
    page.wait_for_timeout(500)
    assert len(polls) == 1 and "/cases/" in polls[0]
    w.check()

    # A refusal on a 快隔 page is swapped in next to its field (data-fk-swap-errors="422" on <body>).
    w.visit(f"{base}/isolation/tracing/cases/{traced.pk}/")
    page.get_by_role("button", name=re.compile("登记并开具当日隔离")).click()
    expect(page.locator("#contact-form .invalid-feedback").first).to_be_visible()
    w.check()

    log_in(page, base, "auditor")
    w.visit(f"{base}/audit/")

    log_in(page, base, "grid")
    w.visit(f"{base}/testing/rounds/{r.pk}/grids/{grid.pk}/knock/")
    page.click("[data-fk-print]")
    assert page.evaluate("window.__printed") == 1
    w.check()

    # Django's admin and DRF's browsable API are script files only too.
    log_in(page, base, "admin")
    w.visit(f"{base}/admin/")
    w.visit(f"{base}/admin/password_change/")
    w.visit(f"{base}/api/districts/")  # a list the system administrator may read (people need geo.view_people)

    # The Swagger UI (drf-spectacular, its start-up script a file of its own) lists the API.
    log_in(page, base, "command")
    w.visit(f"{base}/api/docs/", wait_for=".swagger-ui .opblock")
    expect(page.locator(".swagger-ui .title")).to_contain_text("fangkong API")
    # ReDoc too, its search worker (started from a blob: URL, allowed on that page) included. The
    # Redocly logo it fetches from its makers' CDN is refused, as any image from elsewhere.
    page.goto(f"{base}/api/redoc/")
    expect(page.locator("h1").first).to_contain_text("fangkong API", timeout=30000)  # ReDoc renders the schema in a few seconds
    page.get_by_placeholder("Search...").fill("people")
    expect(page.locator("[role=search]")).to_contain_text("people_list")
    w.check(refused_on_purpose="https://cdn.redoc.ly/")


@pytest.fixture
def profiles(transactional_db):
    """The districts and policy profiles come from data migrations; a transactional test before this one flushes them."""
    ensure_districts()
    if not PolicyProfile.objects.exists():
        load_builtin_profiles(PolicyProfile, PolicyParameter)


def test_a_confirmation_still_asks_before_submitting(profiles, users, live_server, page):
    """Activating a policy version asks first (data-fk-confirm, was onclick="return confirm(…)"):
    cancelling leaves the policy as it was, accepting activates the version."""
    base = live_server.url
    w = Watcher(page)
    other = PolicyProfile.objects.filter(is_active=False).order_by("id").first()
    asked: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog):
        asked.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    page.on("dialog", on_dialog)
    log_in_as(page, base, "admin")
    w.visit(f"{base}/policy/{other.pk}/")
    button = page.locator("[data-fk-confirm]")
    button.click()
    page.wait_for_timeout(500)
    assert len(asked) == 1 and "启用" in asked[0]
    other.refresh_from_db()
    assert not other.is_active
    answer["accept"] = True
    button.click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text("当前启用")
    other.refresh_from_db()
    assert other.is_active and len(asked) == 2
    w.check()
