"""流调: close contacts of a case (from the registry or new), same-day isolation from policy, one
contact linked to several cases, secondary contacts only where traced, the refusals with their
rules, a contact who turns positive in isolation becoming a case (the chain case → contact → case),
the cluster graph, the awaiting board and the day's figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.cases.choices import CaseSource, CaseStatus, Classification, TransferStatus
from fangkong.cases.models import Case, Transfer
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.roles import Role
from fangkong.geo.lookup import registered_person
from fangkong.geo.models import Person
from fangkong.isolation import selectors
from fangkong.isolation.choices import ContactKind, ContactState, EpisodeKind, EpisodeStatus, ExposureType, TestPhase
from fangkong.isolation.events import IsolationEvent
from fangkong.isolation.models import Contact, ContactLink, IsolationEpisode
from fangkong.isolation.services import episode_check_in, test_record
from fangkong.isolation.tracing import selectors as tracing_selectors
from fangkong.isolation.tracing.selectors import cluster_graph, trace_sheet
from fangkong.isolation.tracing.services import contact_add_new_person
from fangkong.results.choices import Result
from fangkong.zoning.choices import FoundIn

from ..factories import make_user, next_id_number
from .factories import local, room, use_profile
from .tracing_factories import CONFIRMED, EXPOSED, TRACED, add, add_secondary, open_case

MIDNIGHT = local(2022, 11, 15, 0, 0)  # the end of the Beijing day of TRACED: 日清日结


def rule_of(exc) -> str:
    return exc.value.rule


# ---- close contacts and their isolation ----


def test_a_close_contact_from_the_registry_is_isolated_the_same_day(trace, users):
    from fangkong.core.crypto import decrypt

    number = decrypt(trace.family.id_cipher)
    assert registered_person(number.lower()) == trace.family
    assert registered_person(number[-6:]) is None  # a partial number finds nobody
    link = add(users["district"], trace.case_a, trace.family)
    contact = link.contact
    assert (contact.kind, contact.person, link.case, link.via) == (ContactKind.CLOSE_CONTACT, trace.family, trace.case_a, None)
    episode = contact.episode
    assert episode.kind == EpisodeKind.CLOSE_CONTACT and episode.status == EpisodeStatus.AWAITING_TRANSFER
    assert episode.identified_at == TRACED and episode.isolate_by == MIDNIGHT
    assert "contact.isolation_deadline" in episode.isolate_by_rule and f"病例 #{trace.case_a.pk}" in episode.source
    assert contact.state == ContactState.AWAITING
    event = AuditEvent.objects.get(event_type=IsolationEvent.CONTACT_ADDED, object_id=str(contact.pk))
    assert event.after["case"] == trace.case_a.pk and event.after["episode"] == episode.pk and "*" in event.after["id"]
    assert AuditEvent.objects.filter(event_type=IsolationEvent.EPISODE_OPENED, object_id=str(episode.pk)).exists()


def test_a_new_person_is_registered_and_isolated_where_they_live(trace, users, city):
    number = next_id_number("150103")
    link = contact_add_new_person(
        actor=users["district"],
        name="陈新",
        id_type="resident_id",
        id_number=number,
        community=city.elsewhere.community,
        case=trace.case_a,
        exposure=ExposureType.SAME_VEHICLE,
        place="3路公交车",
        last_exposure_at=EXPOSED,
        identified_at=TRACED,
    )
    person = Person.objects.get(name="陈新")
    assert registered_person(number) == person and person.household_id is None
    assert AuditEvent.objects.filter(event_type=EventType.PERSON_CREATED, object_id=str(person.pk)).exists()
    contact, episode = link.contact, link.contact.episode
    assert (contact.community_id, episode.community_id, episode.district_id) == (
        city.elsewhere.community.pk,
        city.elsewhere.community.pk,
        city.elsewhere.district.pk,
    )
    # The tracing district sees the contact (through its case); 回民区 sees it where it lives and
    # must isolate them: the episode is on 回民区's board, not 新城区's.
    other = make_user("huimin", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    assert Contact.objects.visible_to(users["district"]).filter(pk=contact.pk).exists()
    assert Contact.objects.visible_to(other).filter(pk=contact.pk).exists()
    assert list(selectors.awaiting_isolation_board(user=other, now=TRACED)) == [episode]
    assert list(selectors.awaiting_isolation_board(user=users["district"], now=TRACED)) == []
    # A person with no address needs a community.
    with pytest.raises(DomainError) as exc:
        contact_add_new_person(
            actor=users["district"], name="无址", id_type="resident_id", id_number=next_id_number(), community=None,
            case=trace.case_a, exposure=ExposureType.OTHER, place="某处", last_exposure_at=EXPOSED, identified_at=TRACED,
        )  # fmt: skip
    assert exc.value.field == "community" and not Person.objects.filter(name="无址").exists()


def test_one_contact_linked_to_two_cases_has_one_record_and_one_episode(trace, users):
    first = add(users["command"], trace.case_a, trace.far)
    second = add(users["command"], trace.case_b, trace.far, exposure=ExposureType.WORKPLACE, place="某公司")
    assert first.contact_id == second.contact_id
    contact = first.contact
    assert set(contact.links.values_list("case_id", flat=True)) == {trace.case_a.pk, trace.case_b.pk}
    assert IsolationEpisode.objects.filter(person=trace.far).count() == 1
    assert AuditEvent.objects.filter(event_type=IsolationEvent.CONTACT_LINKED, object_id=str(contact.pk)).count() == 1
    # The same exposure twice is refused, and nothing is written.
    with pytest.raises(DomainError) as exc:
        add(users["command"], trace.case_a, trace.far, place="又一次")
    assert rule_of(exc) == "tracing.duplicate_link"
    assert ContactLink.objects.filter(contact=contact).count() == 2


# ---- refusals ----


def test_the_refusals_name_their_rules(trace, users):
    with pytest.raises(DomainError) as exc:
        add(users["command"], trace.case_a, trace.case_a.person)
    assert rule_of(exc) == "tracing.not_self"
    with pytest.raises(DomainError) as exc:
        add(users["command"], trace.case_a, trace.family, last=TRACED + dt.timedelta(hours=1))
    assert rule_of(exc) == "tracing.exposure_before_identification"
    with pytest.raises(DomainError) as exc:  # 高峰 is case B: an active case is not a contact
        add(users["command"], trace.case_a, trace.case_b.person)
    assert rule_of(exc) == "tracing.contact_is_case"
    with pytest.raises(DomainError) as exc:
        add(users["command"], trace.case_a, trace.family, exposure="telepathy")
    assert exc.value.field == "exposure"
    with pytest.raises(DomainError) as exc:
        add(users["command"], trace.case_a, trace.family, place=" ")
    assert exc.value.field == "place"
    assert not Contact.objects.exists() and not IsolationEpisode.objects.exists()


def test_who_may_trace_and_where(trace, users):
    with pytest.raises(PermissionRefused) as exc:
        add(users["community"], trace.case_a, trace.family)
    assert rule_of(exc) == "isolation.trace"
    with pytest.raises(PermissionRefused) as exc:  # 新城区's office and a 回民区 case
        add(users["district"], trace.case_b, trace.family)
    assert rule_of(exc) == "tracing.case_scope"
    assert not Contact.objects.exists()


def test_secondary_contacts_are_refused_where_the_policy_does_not_trace_them(trace, users):
    close = add(users["command"], trace.case_a, trace.family).contact
    with pytest.raises(DomainError) as exc:
        add_secondary(users["command"], close, trace.neighbour)
    assert rule_of(exc) == "secondary_contact.traced" and "secondary_contact.traced = False" in exc.value.source
    assert not Contact.objects.filter(person=trace.neighbour).exists()


def test_secondary_contacts_where_traced_are_isolated_at_home(trace, users):
    use_profile("ninth-edition")
    close = add(users["command"], trace.case_a, trace.family).contact
    link = add_secondary(users["command"], close, trace.neighbour)
    secondary = link.contact
    assert (secondary.kind, link.via, link.case) == (ContactKind.SECONDARY_CONTACT, close, trace.case_a)
    episode = secondary.episode
    assert episode.kind == EpisodeKind.SECONDARY_CONTACT and episode.status == EpisodeStatus.HOME_ISOLATION
    assert episode.home_started_at == TRACED and episode.tests.count() == 3  # days 1, 4, 7 (9th edition)
    assert secondary.state == ContactState.ISOLATED
    # Not the close contact or the case themselves, and no contacts of a secondary contact.
    with pytest.raises(DomainError) as exc:
        add_secondary(users["command"], close, trace.case_a.person)
    assert rule_of(exc) == "tracing.not_self"
    with pytest.raises(DomainError) as exc:
        add_secondary(users["command"], secondary, trace.lone[0])
    assert rule_of(exc) == "tracing.secondary_via_close_contact"
    sheet = trace_sheet(user=users["command"], case=trace.case_a)
    assert [link.contact for link in sheet.close] == [close] and [x.contact for x in sheet.secondary[close.pk]] == [secondary]
    assert sheet.contacts == 2 and sheet.states == {ContactState.AWAITING: 1, ContactState.ISOLATED: 1}


def test_a_secondary_contact_exposed_to_a_case_goes_to_central_isolation(trace, users):
    use_profile("ninth-edition")
    close = add(users["command"], trace.case_a, trace.family).contact
    secondary = add_secondary(users["command"], close, trace.far).contact
    home = secondary.episode
    later = TRACED + dt.timedelta(hours=3)
    link = add(users["command"], trace.case_b, trace.far, exposure=ExposureType.DINING, at=later)
    secondary.refresh_from_db()
    home.refresh_from_db()
    assert link.contact == secondary and secondary.kind == ContactKind.CLOSE_CONTACT
    assert home.status == EpisodeStatus.CANCELLED and "改判" in home.end_reason
    central = secondary.episode
    assert central.kind == EpisodeKind.CLOSE_CONTACT and central.status == EpisodeStatus.AWAITING_TRANSFER
    assert central.isolate_by == MIDNIGHT
    assert AuditEvent.objects.filter(event_type=IsolationEvent.CONTACT_UPGRADED, object_id=str(secondary.pk)).exists()


# ---- a contact turns positive in isolation: the chain goes on ----


@pytest.fixture
def turned(setup, trace, users):
    """李建国, close contact of case A, checked in at 15:00 and positive on day 1 (result 20:00)."""
    contact = add(users["district"], trace.case_a, trace.family).contact
    episode = episode_check_in(actor=setup.site_user, episode=contact.episode, room=room(setup.site, "301"), at=local(2022, 11, 14, 15))
    day1 = episode.tests.get(phase=TestPhase.CENTRAL, day_number=1)
    test_record(
        actor=setup.site_user, test=day1, result=Result.POSITIVE, sampled_at=local(2022, 11, 14, 16),
        resulted_at=local(2022, 11, 14, 20), ct_value=28.5,
    )  # fmt: skip
    contact.refresh_from_db()
    return contact


def test_a_positive_in_isolation_opens_a_case_found_at_the_site_with_a_same_day_transfer(setup, trace, turned):
    episode = turned.episode
    episode.refresh_from_db()
    case = turned.case
    assert episode.status == EpisodeStatus.TURNED_POSITIVE and episode.case == case
    assert (case.person, case.source, case.found_in, case.status) == (
        trace.family,
        CaseSource.ISOLATION,
        FoundIn.ISOLATION_SITE,
        CaseStatus.OPEN,
    )
    assert setup.site.name in case.found_in_basis and case.classification == Classification.ASYMPTOMATIC
    transfer = Transfer.objects.get(case=case)
    assert transfer.status == TransferStatus.AWAITING and transfer.deadline_at == MIDNIGHT
    assert turned.state == ContactState.TURNED_POSITIVE
    handoff = AuditEvent.objects.get(event_type=IsolationEvent.POSITIVE_HANDOFF, object_id=str(episode.pk))
    assert handoff.after["case"] == case.pk and handoff.after["contact"] == turned.pk and handoff.after["transfer"] == transfer.pk
    assert AuditEvent.objects.filter(event_type=IsolationEvent.CONTACT_TURNED_CASE, object_id=str(turned.pk)).exists()
    # The chain keeps its first link.
    assert list(turned.links.values_list("case_id", flat=True)) == [trace.case_a.pk]


def test_a_positive_in_isolation_is_atomic(setup, trace, users, monkeypatch):
    contact = add(users["district"], trace.case_a, trace.family).contact
    episode = episode_check_in(actor=setup.site_user, episode=contact.episode, room=room(setup.site, "301"), at=local(2022, 11, 14, 15))
    day1 = episode.tests.get(phase=TestPhase.CENTRAL, day_number=1)

    def refuse(**kwargs):
        raise DomainError("快转不可用", rule="test.refused")

    monkeypatch.setattr("fangkong.cases.services.case_open_from_isolation", refuse)
    with pytest.raises(DomainError):
        test_record(actor=setup.site_user, test=day1, result=Result.POSITIVE, sampled_at=local(2022, 11, 14, 16))
    episode.refresh_from_db()
    day1.refresh_from_db()
    assert episode.status == EpisodeStatus.CHECKED_IN and day1.result == ""
    assert not Case.objects.filter(person=trace.family).exists()


def test_no_exposure_after_the_case_was_isolated(setup, trace, users, turned):
    new_case = turned.case
    after_positive = local(2022, 11, 14, 21)
    # 李建国 was in a room from 15:00: exposure at 16:00 cannot be.
    with pytest.raises(DomainError) as exc:
        add(users["district"], new_case, trace.lone[0], last=local(2022, 11, 14, 16), at=after_positive)
    assert rule_of(exc) == "tracing.exposure_before_isolation" and "15:00" in exc.value.message
    link = add(users["district"], new_case, trace.lone[0], last=local(2022, 11, 14, 12), at=after_positive)
    assert link.contact.episode.isolate_by == MIDNIGHT
    # …nor of a contact with another case after the contact's own check-in.
    episode_check_in(actor=setup.site_user, episode=link.contact.episode, room=room(setup.site, "302"), at=local(2022, 11, 14, 22))
    with pytest.raises(DomainError) as exc:
        add(users["command"], trace.case_b, trace.lone[0], last=local(2022, 11, 14, 23), at=local(2022, 11, 14, 23, 30))
    assert rule_of(exc) == "tracing.exposure_before_isolation" and "22:00" in exc.value.message


def test_the_cluster_graph_follows_case_contact_case(trace, users, turned):
    new_case = turned.case
    after_positive = local(2022, 11, 14, 21)
    z = add(users["district"], new_case, trace.lone[0], last=local(2022, 11, 14, 12), at=after_positive).contact
    add(users["command"], trace.case_a, trace.far)
    add(users["command"], trace.case_b, trace.far, exposure=ExposureType.WORKPLACE)
    for root in (trace.case_a, new_case, trace.case_b):
        graph = cluster_graph(user=users["command"], case=root)
        nodes = {n.person_id: n for n in graph.nodes}
        assert set(nodes) == {trace.case_a.person_id, trace.family.pk, trace.lone[0].pk, trace.far.pk, trace.case_b.person_id}
        assert nodes[trace.family.pk].category == ContactState.TURNED_POSITIVE and nodes[trace.family.pk].case_id == new_case.pk
        assert nodes[trace.case_a.person_id].category == "case" and nodes[z.person_id].category == ContactState.AWAITING
        edges = {(e.source, e.target) for e in graph.edges}
        assert edges == {
            (f"p{trace.case_a.person_id}", f"p{trace.family.pk}"),
            (f"p{trace.family.pk}", f"p{trace.lone[0].pk}"),
            (f"p{trace.case_a.person_id}", f"p{trace.far.pk}"),
            (f"p{trace.case_b.person_id}", f"p{trace.far.pk}"),
        }
        assert graph.index_case_id in (trace.case_a.pk, trace.case_b.pk) and graph.cases == 3
    data = graph.echarts()
    assert len(data["nodes"]) == 5 and len(data["links"]) == 4 and data["categories"][0]["key"] == "case"


def test_the_graph_names_only_the_people_the_user_sees(trace, users):
    add(users["command"], trace.case_a, trace.far)
    add(users["command"], trace.case_b, trace.far, exposure=ExposureType.WORKPLACE)
    graph = cluster_graph(user=users["district"], case=trace.case_a)
    nodes = {n.person_id: n for n in graph.nodes}
    assert nodes[trace.far.pk].visible and nodes[trace.far.pk].name == "马丽"  # a contact of 新城区's case
    outsider = nodes[trace.case_b.person_id]  # 回民区's case: in the chain, but anonymous
    assert (outsider.visible, outsider.name, outsider.id_masked, outsider.url) == (False, "", "", "")
    assert "高峰" not in str(graph.echarts())
    with pytest.raises(Http404):
        cluster_graph(user=users["district"], case=trace.case_b)


def test_a_case_found_by_screening_keeps_the_chain(trace, users):
    """A contact who becomes a case outside isolation (a hospital's report) stays in the chain."""
    contact = add(users["command"], trace.case_a, trace.family).contact
    contact.episode.status = EpisodeStatus.CANCELLED  # withdrawn before the case (else: one active case)
    contact.episode.save()
    case = open_case(users["command"], trace.family, confirmed_at=local(2022, 11, 15, 9))
    graph = cluster_graph(user=users["command"], case=trace.case_a)
    node = {n.person_id: n for n in graph.nodes}[trace.family.pk]
    assert node.case_id == case.pk and node.category == ContactState.TURNED_POSITIVE


def test_a_thousand_person_cluster_in_a_few_queries_per_generation(trace, users, django_assert_max_num_queries):
    """20 cases in a chain, 50 contacts each, the first of each becoming the next case: 1,001 people."""
    base = Case.objects.get(pk=trace.case_a.pk)
    people = Person.objects.bulk_create(
        Person(name=f"接触者{i}", id_cipher="-", id_hash=f"bulk{i}", id_masked="1501**********0000", id_tail="0000") for i in range(1000)
    )
    cases = [base]
    contacts = []
    for gen in range(20):
        batch = people[gen * 50 : (gen + 1) * 50]
        contacts += [Contact(person=p, kind=ContactKind.CLOSE_CONTACT, identified_at=TRACED) for p in batch]
        if gen < 19:
            case = Case(
                person=batch[0], classification="mild", initial_classification="mild", peak_classification="mild",
                positive_at=CONFIRMED + dt.timedelta(days=gen + 1), confirmed_at=CONFIRMED + dt.timedelta(days=gen + 1),
                found_in="community", found_in_basis="-", source="other", opened_at=CONFIRMED, status="closed",
            )  # fmt: skip
            case.save()
            cases.append(case)
    Contact.objects.bulk_create(contacts)
    contacts = list(Contact.objects.filter(person__in=people).order_by("person_id"))
    for gen in range(20):
        if gen < 19:
            Contact.objects.filter(pk=contacts[gen * 50].pk).update(case=cases[gen + 1])
    ContactLink.objects.bulk_create(
        ContactLink(contact=c, case=cases[i // 50], exposure="household", place="-", last_exposure_at=EXPOSED, created_at=TRACED)
        for i, c in enumerate(contacts)
    )
    with django_assert_max_num_queries(6 * 42 + 10):
        graph = cluster_graph(user=users["command"], case=trace.case_a)
    assert len(graph.nodes) == 1001 and len(graph.edges) == 1000 and not graph.truncated
    assert graph.counts["case"] == 1 and graph.counts[ContactState.TURNED_POSITIVE] == 19
    assert graph.counts[ContactState.AWAITING] == 981 and graph.index_case_id == trace.case_a.pk
    assert max(n.generation for n in graph.nodes) == 39


# ---- the board and the figures ----


def test_the_awaiting_board_shows_contacts_overdue_first_with_their_case(trace, users):
    late = add(users["command"], trace.case_a, trace.family).contact
    fresh = add(users["command"], trace.case_b, trace.far, at=local(2022, 11, 15, 9)).contact
    board = list(selectors.awaiting_isolation_board(user=users["command"], now=local(2022, 11, 15, 10)))
    assert [e.pk for e in board] == [late.episode_id, fresh.episode_id]
    assert [e.is_overdue for e in board] == [True, False]
    assert [link.case for link in board[0].contact.links.all()] == [trace.case_a]


def test_the_days_figures_count_contacts_and_their_time_to_isolation(setup, trace, users):
    in_time = add(users["command"], trace.case_a, trace.family).contact
    waiting = add(users["command"], trace.case_a, trace.neighbour).contact
    late = add(users["command"], trace.case_b, trace.far).contact
    episode_check_in(actor=users["command"], episode=in_time.episode, room=room(setup.site, "301"), at=local(2022, 11, 14, 15))
    episode_check_in(actor=users["command"], episode=late.episode, room=room(setup.site, "302"), at=local(2022, 11, 15, 9))
    f = selectors.figures(user=users["command"], day=dt.date(2022, 11, 14), now=local(2022, 11, 15, 12))
    assert f.contacts_identified == {ContactKind.CLOSE_CONTACT: 3, ContactKind.SECONDARY_CONTACT: 0}
    assert (f.contacts_isolated_in_time, f.contacts_isolated_late, f.contacts_still_awaiting) == (1, 1, 1)
    assert f.contacts_in_time_share == pytest.approx(1 / 3)
    assert [(d.name, d.isolated, d.average_hours) for d in f.contact_delay_by_district] == [("新城区", 1, 5.0)]
    # 新城区's office counts the contacts who live there.
    f = selectors.figures(user=users["district"], day=dt.date(2022, 11, 14), now=local(2022, 11, 15, 12))
    assert f.contacts_identified_total == 2 and waiting.district_id == trace.case_a.district_id
    assert tracing_selectors.tracing_case_list(user=users["district"]).get(pk=trace.case_a.pk).close_contacts == 2
