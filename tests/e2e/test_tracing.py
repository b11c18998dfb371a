"""流调 in a real browser: a district tracer opens a case's trace, types a contact's full ID number
(the registry answers with the masked number), records the exposure without leaving the page (htmx),
sees the same-day deadline, finds the contact first on the board of contacts awaiting isolation, and
opens the cluster's transmission chains drawn by ECharts, where a click on a person opens their
page. With FANGKONG_SCREENSHOTS=1 the run saves the screenshots used in docs/user-guide/isolation.md.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fangkong.core.crypto import decrypt
from fangkong.isolation.models import Contact
from fangkong.policy.models import PolicyParameter, PolicyProfile
from fangkong.policy.profiles import load_builtin_profiles

from ..isolation.conftest import profile, setup  # noqa: F401  (the 快隔 fixtures, shared)
from ..isolation.tracing_factories import add, trace  # noqa: F401
from .test_cases import log_in
from .test_registry import ensure_districts, shot

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("beijing_afternoon")]  # same-day deadlines, "earlier today"


@pytest.fixture
def traced(transactional_db, request):
    """The districts and policy profiles come from data migrations; a transactional test before this one flushes them."""
    ensure_districts()
    if not PolicyProfile.objects.exists():
        load_builtin_profiles(PolicyProfile, PolicyParameter)
    return request.getfixturevalue("trace")


def test_a_tracer_records_a_contact_and_follows_the_chain(traced, users, live_server, page):
    t, base = traced, live_server.url
    add(users["command"], t.case_a, t.far)  # 马丽, also a contact of 回民区's case
    add(users["command"], t.case_b, t.far, exposure="workplace", place="某公司")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    log_in(page, base, "district")
    page.goto(f"{base}/isolation/tracing/cases/{t.case_a.pk}/")
    expect(page.locator("h1")).to_contain_text(t.case_a.person.name)
    page.fill("#id_id_number", decrypt(t.family.id_cipher))
    expect(page.locator("#person-lookup")).to_contain_text(t.family.id_masked)
    page.select_option("#id_exposure", "household")
    page.fill("#id_place", "迎宾小区1号楼1单元101")
    page.fill("#id_last_exposure_at", "2022-11-13T19:00")
    page.fill("#id_identified_at", "2022-11-14T10:00")
    page.get_by_role("button", name=re.compile("登记并开具当日隔离")).click()
    expect(page.locator("#contact-added")).to_contain_text(t.family.name)
    contact = Contact.objects.get(person=t.family)
    row = page.locator(f'#contact-table tr[data-contact="{contact.pk}"]')
    expect(row).to_contain_text(t.family.id_masked)
    expect(row.locator("[data-deadline]")).to_contain_text("11-15 00:00")
    assert decrypt(t.family.id_cipher) not in page.content()
    shot(page, "tracing-case.png")

    page.goto(f"{base}/isolation/tracing/awaiting/")
    first = page.locator("#awaiting-table tbody tr").first
    expect(first).to_have_attribute("data-overdue", "")
    shot(page, "tracing-awaiting.png")

    page.goto(f"{base}/isolation/tracing/cases/{t.case_a.pk}/graph/")
    expect(page.locator("#cluster-graph canvas")).to_have_count(1)
    expect(page.locator("#graph-legend [data-category=case] [data-count]")).to_have_text("2")  # case A, and 回民区's case B (anonymous)
    page.wait_for_timeout(1500)  # let the force layout settle for the picture
    shot(page, "tracing-graph.png")
    assert not errors, errors
    page.locator("details:has(#graph-people) > summary").click()
    page.locator(f'#graph-people a[href="/isolation/tracing/contacts/{contact.pk}/"]').click()
    page.wait_for_url(re.compile(rf".*/tracing/contacts/{contact.pk}/$"))
    expect(page.locator("#contact-episode")).to_contain_text("待转运隔离")
