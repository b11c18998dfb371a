"""一人一档: a person's record — tests from every source, isolation, the case and its transfer, contact
links as a contact and as a case — as one timeline headed by the current state, within the viewer's
need-to-know, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.cases.models import Case
from fangkong.geo import person_record as record_module
from fangkong.geo.person_record import current_state, person_record
from fangkong.geo.person_states import StateKind
from fangkong.isolation.choices import TestPhase
from fangkong.isolation.services import episode_check_in, test_record
from fangkong.policy.regimen import period_day_number, regimen_day_starts_at
from fangkong.results.choices import Result
from fangkong.testing.services import Binding, bulk_bind, tube_receive

from ..testing.factories import at as round_at
from ..testing.factories import make_lab, make_lab_user, make_point, make_round, upload
from .factories import local, room
from .tracing_factories import add

EVENING = local(2022, 11, 14, 22)


@pytest.fixture
def record(setup, trace, users, city):
    """李建国 (home grid): a round's negative in February; in November a close contact of case A,
    checked in at 15:00, positive on day 1 (a case and its transfer follow), and traced himself:
    one close contact at 21:00."""
    person = trace.family
    lab = make_lab()
    lab_user = make_lab_user("lab", lab)
    testing_round = make_round(users["command"])
    bulk_bind(
        actor=users["community"], testing_round=testing_round, sampling_point=make_point(city.home.community),
        pooling_mode="single", bindings=[Binding("S9", person_id=person.pk)], at=round_at(1),
    )  # fmt: skip
    tube_receive(actor=lab_user, testing_round=testing_round, laboratory=lab, barcodes=["S9"], at=round_at(3))
    upload(lab_user, testing_round, lab, [("S9", "阴性", "", "", "2022-02-25 16:00")], round_at(9))
    contact = add(users["district"], trace.case_a, person).contact
    episode = episode_check_in(actor=setup.site_user, episode=contact.episode, room=room(setup.site, "301"), at=local(2022, 11, 14, 15))
    day1 = episode.tests.get(phase=TestPhase.CENTRAL, day_number=1)
    test_record(
        actor=setup.site_user, test=day1, result=Result.POSITIVE, sampled_at=local(2022, 11, 14, 16),
        resulted_at=local(2022, 11, 14, 20), ct_value=28.5,
    )  # fmt: skip
    case = Case.objects.get(person=person)
    add(users["district"], case, trace.lone[0], last=local(2022, 11, 14, 12), at=local(2022, 11, 14, 21))
    return person, case


def _kinds(rec, section: str) -> list[str]:
    return [r.entry.kind for r in rec.entries if r.section.key == section]


def test_one_timeline_of_every_module_newest_first_headed_by_the_state(record, users, trace):
    person, case = record
    rec = person_record(users["command"], person, at=EVENING)
    times = [r.entry.at for r in rec.entries]
    assert times == sorted(times, reverse=True) and rec.total == len(rec.entries) and not rec.withheld
    # Tests from two sources, oldest last: the round's negative, then the site's positive.
    tests = [r.entry for r in rec.entries if r.section.key == "tests"]
    assert [t.label for t in tests] == ["集中隔离期第 1 天", "第 8 轮全员核酸 · S9"]
    assert tests[0].tone == "danger" and "阳性" in tests[0].detail and "Ct 28.5" in tests[0].detail
    assert tests[1].detail.startswith("阴性")
    # The case without its tests (they are in the tests section), linked to the case page.
    cases = _kinds(rec, "cases")
    assert "case_opened" in cases and "triage" in cases and not {"test", "result", "sampled"} & set(cases)
    opened = next(r.entry for r in rec.entries if r.entry.kind == "case_opened")
    assert opened.link == reverse("cases:case_detail", args=[case.pk])
    # Isolation: identified, checked in to the room, ended on the positive.
    assert _kinds(rec, "isolation") == ["isolation_ended", "checked_in", "isolation_identified"]
    checked_in = next(r.entry for r in rec.entries if r.entry.kind == "checked_in")
    assert checked_in.detail.startswith("如家酒店隔离点 301；集中隔离 ")
    # Contact links: as a contact of case A, and as the case whose contact was traced.
    contact = next(r.entry for r in rec.entries if r.entry.kind == "contact")
    traced = next(r.entry for r in rec.entries if r.entry.kind == "contacts_traced")
    assert f"病例 #{trace.case_a.pk} 王秀英" in contact.detail and "共同居住" in contact.detail
    assert f"病例 #{case.pk}：密接 1 人" in traced.detail
    # The order across modules: contact → check-in → positive test → … → traced.
    order = [r.entry.kind for r in reversed(rec.entries)]
    assert order.index("test") < order.index("contact") < order.index("checked_in") < order.index("contacts_traced")
    # Now: the case awaits its transfer; the isolation ended with the positive.
    assert rec.state.heading.text == "待转运" and rec.state.heading.kind == StateKind.CASE


def test_the_state_line_counts_the_day_of_central_isolation_by_the_regimen_rule(setup, trace, users):
    person = trace.lone[1]
    contact = add(users["district"], trace.case_a, person).contact
    episode_check_in(actor=setup.site_user, episode=contact.episode, room=room(setup.site, "302"), at=local(2022, 11, 14, 15))
    state = current_state(users["command"], person, at=local(2022, 11, 16, 10))
    assert state.heading.text == "在集中隔离 · 如家酒店隔离点 302 · 第 3 天"
    assert current_state(users["command"], trace.lone[2], at=EVENING).heading.text == "无管控"


def test_period_day_number_reads_the_day_off_a_fixed_end():
    start = local(2022, 11, 14, 23, 50)
    until = regimen_day_starts_at(start, 8, convention="isolation_start_date")  # a 7-day period
    assert [period_day_number(until, 7, local(2022, 11, d, 1)) for d in (14, 15, 20, 21)] == [1, 2, 7, 8]


def test_a_grid_worker_sees_the_tests_and_isolation_but_not_the_case(record, users):
    person, _case = record
    rec = person_record(users["grid"], person, at=EVENING)
    sections = {r.section.key for r in rec.entries}
    assert sections == {"tests", "isolation"}
    assert len([r for r in rec.entries if r.section.key == "tests"]) == 2
    withheld = {str(title): refusal for title, refusal in rec.withheld}
    assert withheld == {"病例与转运": "您的角色无权查看病例的个人信息", "密接关系": "您的角色无权查看病例的个人信息"}
    # The case's state is withheld too: the heading does not say "no control".
    assert rec.state.heading.text == "在您可查看的范围内无管控"


def test_the_record_reads_in_a_fixed_number_of_queries(record, users, trace):
    person, case = record
    person_record(users["command"], person, at=EVENING)  # warm the caches (policy, capabilities)
    with CaptureQueriesContext(connection) as short:
        person_record(users["command"], person, at=EVENING)
    for i, other in enumerate(trace.lone[1:] + [trace.neighbour]):
        add(users["district"], case, other, last=local(2022, 11, 14, 12), at=local(2022, 11, 14, 21, 10 + i))
    with CaptureQueriesContext(connection) as longer:
        rec = person_record(users["command"], person, at=EVENING)
    assert "密接 4 人" in next(r.entry.detail for r in rec.entries if r.entry.kind == "contacts_traced")
    assert len(longer) == len(short) <= 30


def test_the_person_page_shows_the_state_and_the_timeline(record, users, client, monkeypatch):
    person, _case = record
    url = reverse("geo:person", args=[person.pk])
    client.force_login(users["command"])
    page = client.get(url).content.decode()
    assert 'id="state-line"' in page and "待转运" in page and 'id="record-timeline"' in page
    assert 'data-section="cases"' in page and 'data-section="contacts"' in page and "data-withheld" not in page
    monkeypatch.setattr(record_module, "RECORD_CAP", 3)
    page = client.get(url).content.decode()
    assert page.count('<li class="fk-step-') == 3 and 'id="record-all"' in page
    page = client.get(url, {"all": "1"}).content.decode()
    assert page.count('<li class="fk-step-') > 3 and 'id="record-all"' not in page
    client.force_login(users["grid"])
    page = client.get(url).content.decode()
    assert "data-withheld" in page and "病例与转运：您的角色无权查看病例的个人信息" in page
    assert 'data-section="cases"' not in page and "登记病例" not in page and 'data-section="tests"' in page
