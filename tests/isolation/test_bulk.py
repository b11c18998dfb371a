"""Set-based 流调 and check-in (tracing.contacts_bulk.contacts_add_bulk, services.episodes_check_in_bulk): the same
rows, rules and regimen as contact_add and episode_check_in, all or nothing, one audit event per batch."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from fangkong.audit.models import AuditEvent
from fangkong.cases.models import Case
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.rows import RowsRefused
from fangkong.isolation.choices import EpisodeKind, EpisodeStatus, ExposureType, RoomType
from fangkong.isolation.events import IsolationEvent
from fangkong.isolation.models import Contact, ContactLink, IsolationEpisode, RoomStay, ScheduledTest
from fangkong.isolation.services import (
    BulkCheckIn,
    default_party,
    episode_check_in,
    episode_open,
    episode_transit,
    room_create_many,
    rooms_by_floor,
)
from fangkong.isolation.tracing.contacts_bulk import BulkContact, contacts_add_bulk

from ..factories import make_person, make_tree
from .factories import local, room
from .tracing_factories import EXPOSED, TRACED, add, open_case

CHECK_IN = local(2022, 11, 14, 15)


def row(person, case, **kwargs) -> BulkContact:
    values = {"exposure": ExposureType.HOUSEHOLD, "place": "迎宾小区1号楼", "last_exposure_at": EXPOSED, **kwargs}
    return BulkContact(person_id=person.pk, case_id=case.pk, **values)


def bulk_add(actor, rows, at=TRACED):
    return contacts_add_bulk(actor=actor, rows=rows, identified_at=at)


def rules_of(exc) -> list[tuple[int, str]]:
    return [(e.row, e.rule) for e in exc.value.errors]


def episode_fields(e: IsolationEpisode) -> tuple:
    return (
        e.kind, e.status, e.identified_at, e.isolate_by, e.isolate_by_rule, e.party, e.district_id, e.street_id,
        e.community_id, e.grid_id, e.household_id,
    )  # fmt: skip


def regimen_fields(e: IsolationEpisode) -> tuple:
    e.refresh_from_db()
    tests = [(t.phase, t.day_number, t.due_date, t.rule, t.result) for t in e.tests.order_by("phase", "day_number")]
    return (
        e.status, e.site_id, e.checked_in_at, e.regimen_started_at, e.policy_profile, e.central_days, e.home_days, e.home_mode,
        e.central_until, e.home_until, e.regimen_rules, tests,
    )  # fmt: skip


# ---- contacts ----


def test_bulk_contacts_are_recorded_and_isolated_as_contact_add_does(trace, users):
    single = add(users["district"], trace.case_a, trace.lone[0]).contact
    report = bulk_add(users["district"], [row(trace.family, trace.case_a), row(trace.lone[1], trace.case_a, exposure=ExposureType.DINING)])
    assert (report.contacts_added, report.episodes_opened, report.exposures_added, report.linked_existing) == (2, 2, 2, 0)
    family = Contact.objects.get(person=trace.family)
    lone = Contact.objects.get(person=trace.lone[1])
    assert report.contact_of == {trace.family.pk: family.pk, trace.lone[1].pk: lone.pk}
    assert report.episode_of == {trace.family.pk: family.episode_id, trace.lone[1].pk: lone.episode_id}
    # The same contact, exposure and episode as the single path writes (bar the person).
    for bulk in (family, lone):
        assert (bulk.kind, bulk.identified_at, bulk.identified_by, bulk.case_id) == (
            single.kind, single.identified_at, single.identified_by, None,
        )  # fmt: skip
        assert bulk.community_id == bulk.person.community_id and bulk.household_id == bulk.person.household_id
        e, s = bulk.episode, single.episode
        assert episode_fields(e)[:5] == episode_fields(s)[:5] and e.source == s.source and e.opened_by == s.opened_by
        assert e.party == default_party(bulk.person)
        assert (e.district_id, e.community_id, e.grid_id, e.household_id) == (
            bulk.person.district_id, bulk.person.community_id, bulk.person.grid_id, bulk.person.household_id,
        )  # fmt: skip
        assert bulk.state == "awaiting"
    link = ContactLink.objects.get(contact=lone)
    assert (link.case, link.via, link.exposure, link.place, link.last_exposure_at, link.created_at) == (
        trace.case_a, None, ExposureType.DINING, "迎宾小区1号楼", EXPOSED, TRACED,
    )  # fmt: skip
    # One event per batch and type, with the counts and the ids.
    opened = AuditEvent.objects.get(event_type=IsolationEvent.EPISODE_OPENED, count=2)
    assert sorted(opened.after["episodes"]) == sorted([family.episode_id, lone.episode_id])
    added = AuditEvent.objects.get(event_type=IsolationEvent.CONTACT_ADDED, count=2)
    assert sorted(added.after["contacts"]) == sorted([family.pk, lone.pk]) and added.after["cases"] == {str(trace.case_a.pk): 2}
    assert added.actor == users["district"]
    # And the board shows them, with their case.
    from fangkong.isolation.selectors import awaiting_isolation_board

    board = {e.person_id: e for e in awaiting_isolation_board(user=users["district"], now=TRACED)}
    assert [link.case_id for link in board[trace.family.pk].contact.links.all()] == [trace.case_a.pk]


def test_one_call_several_cases_and_existing_contacts(trace, users, setup):
    add(users["command"], trace.case_a, trace.lone[0])  # already a contact (of case A)
    report = bulk_add(
        users["command"],
        [row(trace.family, trace.case_a), row(trace.family, trace.case_b), row(trace.lone[0], trace.case_b)],
    )
    assert (report.contacts_added, report.exposures_added, report.linked_existing, report.episodes_opened) == (1, 3, 1, 1)
    family = Contact.objects.get(person=trace.family)
    assert sorted(family.links.values_list("case_id", flat=True)) == sorted([trace.case_a.pk, trace.case_b.pk])
    assert Contact.objects.filter(person=trace.lone[0]).count() == 1
    assert ContactLink.objects.filter(contact__person=trace.lone[0]).count() == 2
    linked = AuditEvent.objects.get(event_type=IsolationEvent.CONTACT_LINKED)
    assert linked.count == 1 and linked.after["cases"] == [trace.case_b.pk]
    assert IsolationEpisode.objects.filter(person=trace.family).count() == 1


def test_a_person_isolated_for_another_reason_keeps_that_episode(trace, users):
    other = episode_open(actor=users["command"], person=trace.far, kind=EpisodeKind.OTHER, identified_at=EXPOSED)
    report = bulk_add(users["command"], [row(trace.far, trace.case_b)])
    assert (report.contacts_added, report.episodes_opened, report.isolated_already) == (1, 0, 1)
    assert Contact.objects.get(person=trace.far).episode == other
    assert not AuditEvent.objects.filter(event_type=IsolationEvent.EPISODE_OPENED, count__isnull=False).exists()


def test_every_bad_row_is_named_and_nothing_is_written(trace, users, setup):
    add(users["command"], trace.case_a, trace.neighbour)
    open_case(users["command"], trace.far)  # an active case from now on
    before = (Contact.objects.count(), ContactLink.objects.count(), IsolationEpisode.objects.count(), AuditEvent.objects.count())
    with pytest.raises(RowsRefused) as exc:
        bulk_add(
            users["command"],
            [
                row(trace.lone[0], trace.case_a),  # fine on its own
                row(trace.lone[1], trace.case_a, last_exposure_at=local(2022, 11, 14, 11)),  # after the identification
                row(trace.family, trace.case_a, exposure="hug"),
                row(trace.family, trace.case_a, place="  "),
            ],
        )
    assert [(e.row, e.field, e.rule) for e in exc.value.errors] == [
        (2, "last_exposure_at", "tracing.exposure_before_identification"),
        (3, "exposure", ""),
        (4, "place", ""),
    ]
    with pytest.raises(RowsRefused) as exc:
        bulk_add(
            users["command"],
            [
                row(trace.lone[0], trace.case_a),  # fine on its own
                row(setup.family[0], trace.case_a),  # the case's own person
                row(trace.neighbour, trace.case_a),  # this exposure is recorded already
                row(trace.far, trace.case_b),  # an active case
                row(trace.lone[0], trace.case_a),  # the same exposure twice in one call
            ],
        )
    assert rules_of(exc) == [
        (2, "tracing.not_self"),
        (3, "tracing.duplicate_link"),
        (4, "tracing.contact_is_case"),
        (5, "tracing.duplicate_link"),
    ]
    assert "[tracing.not_self]" not in str(exc.value)  # rule codes stay out of the message (the row carries its rule)
    after = (Contact.objects.count(), ContactLink.objects.count(), IsolationEpisode.objects.count(), AuditEvent.objects.count())
    assert after == before


def test_an_exposure_after_the_contact_was_isolated_is_refused(trace, users, setup):
    episode = add(users["command"], trace.case_a, trace.lone[2], at=local(2022, 11, 14, 8)).contact.episode
    episode_check_in(actor=setup.site_user, episode=episode, room=room(setup.site, "301"), at=local(2022, 11, 14, 9))
    with pytest.raises(RowsRefused) as exc:
        bulk_add(users["command"], [row(trace.lone[2], trace.case_b, last_exposure_at=local(2022, 11, 14, 9, 30))])
    assert rules_of(exc) == [(1, "tracing.exposure_before_isolation")]


def test_an_exposure_after_the_case_was_admitted_is_refused(trace, users):
    Case.objects.filter(pk=trace.case_a.pk).update(first_admitted_at=local(2022, 11, 13, 12))
    with pytest.raises(RowsRefused) as exc:
        bulk_add(
            users["command"], [row(trace.family, trace.case_a), row(trace.lone[0], trace.case_a, last_exposure_at=local(2022, 11, 13, 8))]
        )
    assert rules_of(exc) == [(1, "tracing.exposure_before_isolation")]
    assert "入院收治" in exc.value.errors[0].message


def test_scope_and_role(trace, users):
    with pytest.raises(PermissionRefused) as exc:
        bulk_add(users["district"], [row(trace.family, trace.case_a), row(trace.lone[0], trace.case_b)])
    assert exc.value.rule == "tracing.case_scope" and f"#{trace.case_b.pk}" in exc.value.message
    with pytest.raises(PermissionRefused):
        bulk_add(users["community"], [row(trace.family, trace.case_a)])
    assert not Contact.objects.exists()


def test_secondary_contacts_go_through_the_single_path(trace, users):
    from .factories import use_profile
    from .tracing_factories import add_secondary

    use_profile("ninth-edition")
    via = add(users["command"], trace.case_a, trace.family).contact
    add_secondary(users["command"], via, trace.lone[0])
    with pytest.raises(RowsRefused) as exc:
        bulk_add(users["command"], [row(trace.lone[0], trace.case_b)])
    assert rules_of(exc) == [(1, "tracing.bulk_single_path")]


# ---- check-in ----


def test_bulk_check_in_starts_the_same_regimen_as_the_single_path(trace, users, setup):
    report = bulk_add(users["command"], [row(p, trace.case_a) for p in (trace.family, trace.lone[0], trace.lone[1])])
    family, lone0, lone1 = (IsolationEpisode.objects.get(pk=report.episode_of[p.pk]) for p in (trace.family, *trace.lone[:2]))
    episode_check_in(actor=setup.site_user, episode=lone0, room=room(setup.site, "301"), at=CHECK_IN)
    result = contacts_check_in(setup.site_user, [(family, "501"), (lone1, "302")], setup)
    assert (result.checked_in, result.tests_scheduled, result.within_deadline, result.by_site) == (2, 12, 2, {setup.site.pk: 2})
    expected = regimen_fields(lone0)
    for e in (family, lone1):
        assert regimen_fields(e)[:1] + regimen_fields(e)[2:] == expected[:1] + expected[2:]
        assert e.site_id == setup.site.pk and e.tests.count() == 6
    stay = RoomStay.objects.get(episode=family, ended_at__isnull=True)
    assert (stay.room, stay.person_id, stay.party, stay.started_at, stay.assigned_by) == (
        room(setup.site, "501"), trace.family.pk, default_party(trace.family), CHECK_IN, setup.site_user,
    )  # fmt: skip
    event = AuditEvent.objects.get(event_type=IsolationEvent.CHECKED_IN, count=2)
    assert sorted(event.after["episodes"]) == sorted([family.pk, lone1.pk]) and event.after["tests"] == 12
    assert event.before == {"status": {"awaiting_transfer": 2}} and event.after["late"] == 0
    assert event.after["profile"] == "twenty-measures"
    # The day sheet has them (day 1 is the day of check-in).
    from fangkong.isolation.selectors import site_day_sheet

    sheet = site_day_sheet(user=setup.site_user, site=setup.site, day=CHECK_IN.date())
    assert sorted(r.episode.pk for r in sheet) == sorted([family.pk, lone0.pk, lone1.pk])


def contacts_check_in(actor, pairs, setup, **kwargs):
    from fangkong.isolation.services import episodes_check_in_bulk

    rows = [BulkCheckIn(episode_id=e.pk, room_id=room(setup.site, number).pk, **kwargs) for e, number in pairs]
    return episodes_check_in_bulk(actor=actor, assignments=rows, at=CHECK_IN)


def test_rooms_take_one_party_up_to_capacity_counting_the_call(trace, users, setup):
    people = [setup.family[1], setup.stranger, *setup.lone]
    episodes = [episode_open(actor=users["command"], person=p, kind=EpisodeKind.CLOSE_CONTACT, identified_at=TRACED) for p in people]
    snapshot = (RoomStay.objects.count(), ScheduledTest.objects.count(), AuditEvent.objects.count())
    with pytest.raises(RowsRefused) as exc:
        contacts_check_in(
            setup.site_user,
            [(episodes[0], "401"), (episodes[1], "401"), (episodes[2], "302"), (episodes[3], "302"), (episodes[4], "303")],
            setup,
        )
    assert rules_of(exc) == [(2, "isolation.room_one_party"), (4, "isolation.room_one_party")]
    assert (RoomStay.objects.count(), ScheduledTest.objects.count(), AuditEvent.objects.count()) == snapshot
    assert IsolationEpisode.objects.filter(status=EpisodeStatus.CHECKED_IN).count() == 0
    # A group given one party key may share, up to the room's capacity.
    room_create_many(actor=users["command"], site=setup.site, rooms=rooms_by_floor([6], 1, room_type=RoomType.FAMILY, capacity=3))
    with pytest.raises(RowsRefused) as exc:
        contacts_check_in(setup.site_user, [(e, "601") for e in episodes], setup, party="group:某单位")
    assert rules_of(exc) == [(4, "isolation.room_capacity"), (5, "isolation.room_capacity")]
    report = contacts_check_in(setup.site_user, [(e, "601") for e in episodes[:3]], setup, party="group:某单位")
    assert report.checked_in == 3
    assert set(RoomStay.objects.filter(room=room(setup.site, "601")).values_list("party", flat=True)) == {"group:某单位"}
    assert IsolationEpisode.objects.get(pk=episodes[0].pk).party == "group:某单位"
    # Already in a room; the same episode twice; a closed transition.
    with pytest.raises(RowsRefused) as exc:
        contacts_check_in(setup.site_user, [(episodes[0], "303"), (episodes[3], "303"), (episodes[3], "303")], setup)
    assert rules_of(exc) == [(1, "isolation.one_open_stay"), (3, "")]
    assert "601" in exc.value.errors[0].message


def test_site_assignment_and_scope(trace, users, setup):
    a, b = (episode_open(actor=users["command"], person=p, kind=EpisodeKind.CLOSE_CONTACT, identified_at=TRACED) for p in setup.lone[:2])
    episode_transit(actor=users["command"], episode=a, site=setup.other_site, at=local(2022, 11, 14, 11))
    with pytest.raises(RowsRefused) as exc:
        contacts_check_in(setup.site_user, [(a, "301"), (b, "302")], setup)
    assert rules_of(exc) == [(1, "isolation.site_assignment")] and setup.other_site.name in exc.value.errors[0].message
    with pytest.raises(PermissionRefused) as exc:
        contacts_check_in(setup.other_site_user, [(b, "302")], setup)
    assert exc.value.rule == "isolation.site_scope"
    with pytest.raises(PermissionRefused):
        contacts_check_in(users["community"], [(b, "302")], setup)
    cancelled = episode_open(actor=users["command"], person=setup.lone[2], kind=EpisodeKind.CLOSE_CONTACT, identified_at=TRACED)
    IsolationEpisode.objects.filter(pk=cancelled.pk).update(status=EpisodeStatus.CANCELLED)
    with pytest.raises(RowsRefused) as exc:
        contacts_check_in(setup.site_user, [(b, "302"), (cancelled, "303")], setup)
    assert rules_of(exc) == [(2, "isolation.episode_transitions")]
    assert contacts_check_in(setup.site_user, [(b, "302")], setup).checked_in == 1


def test_tracing_then_check_in_in_bulk_for_a_hundred_people(trace, users, setup, monkeypatch):
    """A hundred people, read in chunks of seven (the chunk size is 900 on SQLite, 50,000 on PostgreSQL)."""
    from fangkong.core import sql as sets

    monkeypatch.setattr(sets, "SQLITE_CHUNK", 7)
    monkeypatch.setattr(sets, "PG_CHUNK", 7)
    people = []
    for i in range(50):
        household = make_tree(household=f"9{i:02d}").household
        people += [make_person(household, f"户{i}甲"), make_person(household, f"户{i}乙")]
    report = bulk_add(users["command"], [row(p, trace.case_a if i % 2 else trace.case_b) for i, p in enumerate(people)])
    assert report.episodes_opened == 100
    room_create_many(actor=users["command"], site=setup.site, rooms=rooms_by_floor([7, 8], 25, room_type=RoomType.DOUBLE))
    from fangkong.isolation.models import Room
    from fangkong.isolation.services import episodes_check_in_bulk

    rooms = list(Room.objects.filter(site=setup.site, floor__in=[7, 8]).order_by("number"))
    rows = [BulkCheckIn(report.episode_of[p.pk], rooms[i // 2].pk) for i, p in enumerate(people)]
    result = episodes_check_in_bulk(actor=users["command"], assignments=rows, at=CHECK_IN)
    assert (result.checked_in, result.tests_scheduled) == (100, 600)
    assert RoomStay.objects.filter(room__in=rooms, ended_at__isnull=True).count() == 100
    assert AuditEvent.objects.filter(event_type=IsolationEvent.CHECKED_IN, count=100).count() == 1


# ---- PostgreSQL: a bulk call and a single check-in racing for the same room ----


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bulk_and_single_check_in_race_for_one_room(setup, users):
    people = [make_person(make_tree(household=f"80{i}").household, f"住客{i}") for i in range(3)]
    episodes = [episode_open(actor=users["command"], person=p, kind=EpisodeKind.CLOSE_CONTACT, identified_at=TRACED) for p in people]
    double = room(setup.site, "402")
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except DomainError as exc:
            results[i] = exc
        finally:
            connection.close()

    from fangkong.isolation.services import episodes_check_in_bulk

    calls = [
        lambda: episodes_check_in_bulk(
            actor=setup.site_user, assignments=[BulkCheckIn(e.pk, double.pk, party="group:甲") for e in episodes[:2]], at=CHECK_IN
        ),
        lambda: episode_check_in(actor=setup.site_user, episode=episodes[2], room=double, at=CHECK_IN),
    ]
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and refused[0].rule in ("isolation.room_one_party", "isolation.room_capacity")
    stays = RoomStay.objects.filter(room=double, ended_at__isnull=True)
    assert stays.count() in (1, 2) and len(set(stays.values_list("party", flat=True))) == 1
