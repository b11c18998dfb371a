"""快隔 in a real browser: a case's contacts traced, isolated, tested on the schedule, released and
handed over.

A district tracer records a close contact of a case on the case's trace page; the contact appears on
the 日清日结 board; the isolation site's staff check them in to a room from the person's page; the
site's day sheets list the scheduled tests and the results are entered there, negative for every
central test day; the site issues the release order; the receiving community worker confirms the
handover 手递手 on the 待交接 page; the person's page shows them handed over, then at home.

Time travel, honestly: the whole story happens in November 2022, with the times the pages' own
forms take (the exposure and identification on the trace form, the check-in time, each sampling
time on its due day), so the central period is long over when the release is issued "now". Only the
preconditions come from services in the setup: the case itself (the `trace` fixture, confirmed
14 Nov 2022), and the transfer to the site (`episode_transit` at 14 Nov 12:00), because the transit
form has no time field and a transfer "now" would come after a check-in in 2022.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fangkong.core.crypto import decrypt
from fangkong.isolation.choices import EpisodeStatus, HandoverStatus, TestPhase
from fangkong.isolation.models import Contact, Handover, IsolationEpisode, ScheduledTest
from fangkong.isolation.services import episode_transit
from fangkong.results.choices import Result

from ..isolation.conftest import profile, setup  # noqa: F401  (the 快隔 fixtures, shared)
from ..isolation.factories import local
from ..isolation.tracing_factories import trace  # noqa: F401
from .test_cases import log_in
from .test_registry import ensure_districts

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("beijing_afternoon")]  # same-day deadlines, "earlier today"


@pytest.fixture
def traced(transactional_db, request):
    """The districts and policy profiles come from data migrations; a transactional test before this one flushes them."""
    ensure_districts()
    request.getfixturevalue("profile")  # the 20 measures: 5 central days, tests on days 1, 2, 3, 5
    return request.getfixturevalue("trace"), request.getfixturevalue("setup")


def test_a_cases_contact_is_traced_isolated_tested_released_and_handed_over(traced, users, live_server, page):
    t, s = traced
    base = live_server.url
    contact_person = t.family  # 李建国, of 王秀英's household
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # 1. the district tracer records the close contact on the case's trace page
    log_in(page, base, "district")
    page.goto(f"{base}/isolation/tracing/cases/{t.case_a.pk}/")
    page.fill("#id_id_number", decrypt(contact_person.id_cipher))
    expect(page.locator("#person-lookup")).to_contain_text(contact_person.id_masked)
    page.select_option("#id_exposure", "household")
    page.fill("#id_place", "迎宾小区1号楼1单元101")
    page.fill("#id_last_exposure_at", "2022-11-13T19:00")
    page.fill("#id_identified_at", "2022-11-14T10:00")
    page.get_by_role("button", name=re.compile("登记并开具当日隔离")).click()
    expect(page.locator("#contact-added")).to_contain_text(contact_person.name)
    contact = Contact.objects.get(person=contact_person)
    episode = IsolationEpisode.objects.get(person=contact_person)
    assert contact.episode_id == episode.pk and episode.kind == "close_contact"

    # 2. the contact is on the 日清日结 board (overdue: the same-day deadline was 15 Nov 00:00)
    page.goto(f"{base}/isolation/awaiting/")
    row = page.locator(f'#awaiting tr[data-episode="{episode.pk}"]')
    expect(row).to_contain_text(contact_person.name)
    expect(row).to_have_attribute("data-overdue", "1")
    assert decrypt(contact_person.id_cipher) not in page.content()

    # precondition (service, past time): the transfer team set off for the site at 12:00 that day
    episode_transit(actor=users["district"], episode=episode, site=s.site, at=local(2022, 11, 14, 12))

    # 3. the site's staff check the person in to a room from the person's page
    log_in(page, base, "hotel")
    page.goto(f"{base}/isolation/episodes/{episode.pk}/")
    room_options = page.locator("#check-in select[name=room] option")
    expect(room_options.filter(has_text="301")).to_have_count(1)
    page.locator("#check-in select[name=room]").select_option(label=room_options.filter(has_text="301").inner_text())
    page.locator("#check-in input[name=at]").fill("2022-11-14T15:00")
    page.locator("#check-in button").click()
    expect(page.locator("#flash")).to_be_visible()
    expect(page.locator("#episode h1")).to_contain_text("集中隔离中")
    central = list(ScheduledTest.objects.filter(episode=episode, phase=TestPhase.CENTRAL).order_by("day_number"))
    assert [x.day_number for x in central] == [1, 2, 3, 5]
    assert [x.due_date.isoformat() for x in central] == ["2022-11-14", "2022-11-15", "2022-11-16", "2022-11-18"]

    # 4. each test day's sheet lists the person; the result is entered in the row, negative
    for test in central:
        day = test.due_date.isoformat()
        page.goto(f"{base}/isolation/sites/{s.site.pk}/day-sheet/?day={day}")
        row = page.locator(f'#sheet li[data-test="{test.pk}"]')
        expect(row).to_contain_text(contact_person.name)
        expect(row).to_have_attribute("data-make-up", "0")
        form = row.locator(f'form[data-test-form="{test.pk}"]')
        form.locator(f'input[name="t{test.pk}-result"][value="negative"]').check()
        form.locator(f'input[name="t{test.pk}-sampled_at"]').fill(f"{day}T16:00")
        form.locator("button").click()
        expect(page.locator(f'#sheet li[data-test="{test.pk}"]')).to_have_attribute("data-result", "negative")
    assert set(ScheduledTest.objects.filter(episode=episode, phase=TestPhase.CENTRAL).values_list("result", flat=True)) == {Result.NEGATIVE}

    # 5. the release order, from the person's page
    page.goto(f"{base}/isolation/episodes/{episode.pk}/")
    page.get_by_role("button", name=re.compile("签发解除集中隔离通知")).click()
    expect(page.locator("#episode h1")).to_contain_text("待交接")
    handover = Handover.objects.get(episode=episode)
    assert handover.status == HandoverStatus.PENDING and handover.to_community_id == episode.community_id

    # 6. the receiving community worker confirms the handover on the 待交接 page
    log_in(page, base, "community")
    page.goto(f"{base}/isolation/handovers/")
    card = page.locator(f"#handover-{handover.pk}")
    expect(card).to_have_attribute("data-status", "pending")
    expect(card).to_contain_text(contact_person.name)
    card.locator(f"#id_h{handover.pk}-receiver_name").fill("迎宾南路社区 李书记")
    card.locator(f"#id_h{handover.pk}-receiver_phone").fill("13800000000")
    card.get_by_role("button", name=re.compile("确认已接收")).click()
    expect(page.locator(f"#handover-{handover.pk}")).to_have_attribute("data-status", "confirmed")

    # 7. the person's page: handed over, then home isolation once they are home
    page.goto(f"{base}/isolation/episodes/{episode.pk}/")
    expect(page.locator("#episode h1")).to_contain_text("已交接社区")
    page.locator("#home-start button").click()
    expect(page.locator("#episode h1")).to_contain_text("居家隔离中")
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.HOME_ISOLATION and episode.released_at and episode.handed_over_at
    assert not errors, errors
