"""The policy citations of episodes and scheduled tests are stored once per text (RuleCitation) and
referenced by id: the same text is one row whichever path wrote it, and every reader still gets the
text — the episode page, the contact page, the API and the release order."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from fangkong.core.errors import DomainError
from fangkong.isolation.choices import EpisodeKind, TestPhase
from fangkong.isolation.models import IsolationEpisode, RuleCitation, ScheduledTest
from fangkong.isolation.services import episode_check_in, regimen_plan, release_order
from fangkong.isolation.services.episodes import DEADLINE_KEY
from fangkong.policy.rules import rule

from .factories import local, record_central, room
from .pages import as_user, checked_in, waiting
from .test_bulk import CHECK_IN, bulk_add, contacts_check_in, row
from .tracing_factories import add

CITATION_TABLE = RuleCitation._meta.db_table


def citation_reads(queries) -> list[str]:
    """Queries that read the citation table on its own (a join through select_related does not count)."""
    return [q["sql"] for q in queries if f'FROM "{CITATION_TABLE}"' in q["sql"].replace("`", '"')]


def test_each_text_is_stored_once_whichever_path_wrote_it(trace, users, setup):
    single = add(users["command"], trace.case_a, trace.lone[0]).contact.episode
    first = bulk_add(users["command"], [row(trace.family, trace.case_a)])
    second = bulk_add(users["command"], [row(trace.lone[1], trace.case_a)])
    bulk = [IsolationEpisode.objects.get(pk=r.episode_of[p]) for r, p in ((first, trace.family.pk), (second, trace.lone[1].pk))]
    deadline = rule(DEADLINE_KEY[EpisodeKind.CLOSE_CONTACT]).citation
    assert {e.isolate_by_citation_id for e in [single, *bulk]} == {RuleCitation.objects.get(text=deadline).pk}
    assert all(e.isolate_by_rule == deadline for e in [single, *bulk])

    episode_check_in(actor=setup.site_user, episode=single, room=room(setup.site, "301"), at=CHECK_IN)
    contacts_check_in(setup.site_user, [(bulk[0], "501")], setup)
    contacts_check_in(setup.site_user, [(bulk[1], "302")], setup)
    plan = regimen_plan(EpisodeKind.CLOSE_CONTACT)
    episodes = list(IsolationEpisode.objects.filter(pk__in=[single.pk, *(e.pk for e in bulk)]))
    assert len({e.regimen_citation_id for e in episodes}) == 1 and all(e.regimen_rules == plan.text for e in episodes)
    tests = ScheduledTest.objects.filter(episode__in=episodes)
    assert tests.count() == 18
    for phase, key in ((TestPhase.CENTRAL, "close_contact.central_test_days"), (TestPhase.HOME, "close_contact.home_test_days")):
        of_phase = list(tests.filter(phase=phase))
        assert len({t.citation_id for t in of_phase}) == 1 and all(t.rule == plan.citation(key) for t in of_phase)
    # One row per text, and no text twice.
    texts = list(RuleCitation.objects.values_list("text", flat=True))
    assert len(texts) == len(set(texts))
    assert {deadline, plan.text, plan.citation("close_contact.central_test_days")} <= set(texts)


def test_a_text_already_stored_is_found_by_its_digest(db):
    ids = RuleCitation.ids_for(["甲", "乙", "甲", ""])
    assert set(ids) == {"甲", "乙"}
    again = RuleCitation.ids_for(["乙", "丙"])
    assert again["乙"] == ids["乙"] and RuleCitation.objects.count() == 3
    assert RuleCitation.for_text("") is None and RuleCitation.for_text("甲").pk == ids["甲"]


def test_the_episode_page_and_the_api_show_the_texts(client, setup, users):
    e = checked_in(users["command"], setup.family[0], setup.site, "401")
    e.refresh_from_db()
    assert e.regimen_rules and e.isolate_by_rule and "close_contact.central_days" in e.regimen_rules
    as_user(client, users["command"])
    with CaptureQueriesContext(connection) as page:
        html = client.get(reverse("isolation:episode_detail", args=[e.pk])).content.decode()
    assert escape(e.regimen_rules.splitlines()[0]) in html and escape(e.regimen_rules.splitlines()[-1]) in html
    assert citation_reads(page.captured_queries) == []  # read with the episode (select_related)
    # Before check-in the page cites the deadline's rule.
    w = waiting(users["command"], setup.family[1])
    html = client.get(reverse("isolation:episode_detail", args=[w.pk])).content.decode()
    assert w.isolate_by_rule and escape(w.isolate_by_rule[:100]) in html

    api = APIClient()
    api.force_authenticate(users["command"])
    with CaptureQueriesContext(connection) as detail:
        body = api.get(f"/api/isolation/episodes/{e.pk}/").json()
    assert body["regimen_rules"] == e.regimen_rules and body["isolate_by_rule"] == e.isolate_by_rule
    by_day = {(t["phase"], t["day_number"]): t["rule"] for t in body["tests"]}
    assert by_day[("central", 1)] == ScheduledTest.objects.get(episode=e, phase="central", day_number=1).rule
    assert all("close_contact." in text for text in by_day.values())
    assert citation_reads(detail.captured_queries) == []  # the tests' citations come with the prefetch


def test_the_contact_page_shows_the_deadline_rule(client, trace, users):
    contact = add(users["command"], trace.case_a, trace.lone[0]).contact
    as_user(client, users["command"])
    html = client.get(reverse("isolation:contact_detail", args=[contact.pk])).content.decode()
    assert escape(contact.episode.isolate_by_rule[:60]) in html


def test_release_still_cites_the_rules(setup, users):
    e = checked_in(users["command"], setup.family[0], setup.site, "401")
    plan = regimen_plan(EpisodeKind.CLOSE_CONTACT)
    record_central(setup.site_user, e, days=[1, 2, 3])
    with pytest.raises(DomainError) as exc:
        release_order(actor=setup.site_user, episode=e, at=local(2022, 11, 19, 9))
    assert exc.value.rule == "close_contact.central_test_days"
    assert exc.value.source == plan.citation("close_contact.central_test_days")
    record_central(setup.site_user, e, days=[5])
    order = release_order(actor=setup.site_user, episode=e, at=local(2022, 11, 19, 9))
    assert order.rule == plan.text and "close_contact.central_days" in order.rule
