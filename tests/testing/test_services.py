"""Services: planning, binding rules, lab results and what follows from them."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.results.choices import Result
from fangkong.testing import events
from fangkong.testing.choices import ControlStatus, PoolingMode, PositiveStatus, ResamplingStatus, TubeStatus
from fangkong.testing.models import ConfirmedPositive, PersonControl, ResamplingTask, Tube, TubeMember, TubeResult, UnmatchedResult
from fangkong.testing.services import (
    AreaSpec,
    Binding,
    MemberCheck,
    RowsRefused,
    bulk_bind,
    household_check_record,
    resampling_collect,
    tube_open,
    tube_receive,
)
from fangkong.zoning.choices import FoundIn

from .factories import T0, at, make_round, upload


def fill_pool(setup, user, barcode="P0001"):
    bulk_bind(
        actor=user,
        testing_round=setup.round,
        sampling_point=setup.point,
        pooling_mode=PoolingMode.POOLED_10,
        bindings=[Binding(barcode=barcode, person_id=p.pk) for p in setup.ten],
        at=at(1),
    )
    return Tube.objects.get(round=setup.round, barcode=barcode)


def test_round_takes_its_deadline_and_pooling_from_the_policy(city, users):
    r = make_round(
        users["command"],
        number=9,
        areas=[AreaSpec("district", city.home.district.pk, "controlled"), AreaSpec("community", city.elsewhere.community.pk, "sealed")],
    )
    assert (r.deadline_at - T0).total_seconds() == 24 * 3600
    assert "testing.result_deadline_hours" in r.deadline_rule
    modes = {a.level: a.pooling_mode for a in r.areas.all()}
    assert modes == {"district": PoolingMode.POOLED_10, "community": PoolingMode.HOUSEHOLD}
    assert AuditEvent.objects.filter(event_type=events.ROUND_PLANNED, object_id=str(r.pk)).exists()


def test_a_district_office_cannot_plan_outside_its_district(city, users):
    with pytest.raises(PermissionRefused):
        make_round(users["district"], number=3, areas=[AreaSpec("community", city.elsewhere.community.pk)])


def test_ten_in_one_tube_closes_when_full_with_deadline(setup, users):
    tube = fill_pool(setup, users["community"])
    assert tube.status == TubeStatus.CLOSED and tube.member_count == 10 and tube.capacity == 10
    assert (tube.deadline_at - tube.sampled_at).total_seconds() == 24 * 3600
    member = TubeMember.objects.filter(tube=tube).first()
    assert member.grid_id and member.building_id and member.unit_id and member.household_id
    event = AuditEvent.objects.get(event_type=events.BINDINGS_ADDED)
    assert event.count == 10 and event.after["tubes_closed"] == 1


def test_a_full_tube_refuses_one_more_naming_the_tube(setup, users, city):
    tube_open(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, barcode="S1", pooling_mode="single", at=at(1)
    )
    with pytest.raises(RowsRefused) as exc:
        bulk_bind(
            actor=users["community"],
            testing_round=setup.round,
            bindings=[Binding("S1", person_id=setup.ten[0].pk), Binding("S1", person_id=setup.ten[1].pk)],
            at=at(1),
        )
    assert exc.value.errors[0].row == 2 and exc.value.errors[0].field == "barcode"
    assert "S1" in exc.value.message and "已满 1 人" in exc.value.message
    assert TubeMember.objects.count() == 0  # all or nothing


def test_a_person_sampled_twice_in_a_round_is_refused_with_who_and_where(setup, users):
    fill_pool(setup, users["community"])
    with pytest.raises(RowsRefused) as exc:
        bulk_bind(
            actor=users["community"],
            testing_round=setup.round,
            sampling_point=setup.point,
            bindings=[Binding("P0002", person_id=setup.ten[3].pk)],
            at=at(2),
        )
    message = exc.value.message
    assert setup.ten[3].name in message and "P0001" in message and "迎宾小区采样点" in message
    assert not Tube.objects.filter(barcode="P0002").exists()


def test_people_sampled_earlier_are_named_alongside_the_other_errors_of_a_request(setup, users):
    """The once-per-round check runs as the unique index at write time; when a request is refused
    for anything else, the people already sampled are named in the same refusal."""
    fill_pool(setup, users["community"])
    tube_open(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, barcode="S1", pooling_mode="single", at=at(2)
    )
    from fangkong.core.crypto import decrypt

    rows = [
        Binding("S1", person_id=setup.other_grid[0].pk),
        # a resident of another district, sampled here with their ID card: over the single tube's capacity
        Binding("S1", id_number=decrypt(setup.elsewhere[0].id_cipher)),
        Binding("P0009", person_id=setup.ten[4].pk),  # sampled in P0001 already
    ]
    with pytest.raises(RowsRefused) as exc:
        bulk_bind(actor=users["community"], testing_round=setup.round, sampling_point=setup.point, bindings=rows, at=at(2))
    assert {(e.row, e.field) for e in exc.value.errors} == {(2, "barcode"), (3, "person_id")}
    assert setup.elsewhere[0].name not in exc.value.message  # outside the worker's places: not described
    earlier = next(e for e in exc.value.errors if e.row == 3)
    assert setup.ten[4].name in earlier.message and "P0001" in earlier.message
    assert TubeMember.objects.filter(tube__barcode__in=["S1", "P0009"]).count() == 0


def test_a_request_of_only_earlier_sampled_people_writes_nothing_and_names_each(setup, users):
    fill_pool(setup, users["community"])
    rows = [Binding("P0002", person_id=p.pk) for p in setup.ten[2:5]]
    with pytest.raises(RowsRefused) as exc:
        bulk_bind(actor=users["community"], testing_round=setup.round, sampling_point=setup.point, bindings=rows, at=at(2))
    assert [e.row for e in exc.value.errors] == [1, 2, 3]
    assert exc.value.rule == "testing.binding"
    assert not Tube.objects.filter(barcode="P0002").exists()
    assert TubeMember.objects.filter(round=setup.round).count() == 10


def test_fetch_in_matches_barcodes_with_quotes_commas_braces_and_backslashes(setup, users):
    from fangkong.core.sql import fetch_in, table

    odd = ['A"1', "B,2", "{C3}", "D\\4", "E 5", "条码6", "NULL"]
    point = setup.point
    first = tube_open(actor=users["community"], testing_round=setup.round, sampling_point=point, barcode="NULL", pooling_mode="single")
    # The barcode rule (fangkong.testing.barcodes) refuses the others at every entry; fetch_in must
    # still quote whatever a table holds, so they are written directly.
    for barcode in odd[:-1]:
        Tube.objects.create(
            round=setup.round,
            barcode=barcode,
            sampling_point=setup.point,
            district_id=first.district_id,
            street_id=first.street_id,
            community_id=first.community_id,
            pooling_mode=first.pooling_mode,
            capacity=first.capacity,
            opened_at=first.opened_at,
        )
    found = fetch_in(f"SELECT barcode FROM {table(Tube)} WHERE round_id = %s AND barcode {{IN}}", odd + ["missing"], [setup.round.pk])
    assert sorted(r[0] for r in found) == sorted(odd)
    ids = [t.pk for t in Tube.objects.filter(round=setup.round)]
    assert len(fetch_in(f"SELECT id FROM {table(Tube)} WHERE id {{IN}}", ids)) == len(odd)


def test_bulk_binding_is_all_or_nothing_and_names_row_and_field(setup, users, city):
    import datetime as dt

    from fangkong.geo.idnumbers import make_resident_id

    unknown = make_resident_id("150102", dt.date(1990, 1, 1), 77)
    rows = [
        Binding("B1", id_number=setup.ten[0].id_masked.replace("*", "0")),
        Binding("B1", person_id=setup.ten[1].pk),
        Binding("B1", id_number=unknown),
    ]
    with pytest.raises(RowsRefused) as exc:
        bulk_bind(
            actor=users["community"],
            testing_round=setup.round,
            sampling_point=setup.point,
            pooling_mode="pooled_10",
            bindings=rows,
            at=at(1),
        )
    assert {(e.row, e.field) for e in exc.value.errors} == {(1, "id_number"), (3, "id_number")}
    assert Tube.objects.count() == 0 and TubeMember.objects.count() == 0


def test_binding_by_id_number_finds_the_person(setup, users, city):
    from fangkong.core.crypto import decrypt

    number = decrypt(setup.ten[0].id_cipher)
    bulk_bind(
        actor=users["grid"],
        testing_round=setup.round,
        sampling_point=setup.point,
        pooling_mode="single",
        bindings=[Binding("S9", id_number=number.lower())],
        at=at(1),
    )
    assert TubeMember.objects.get(tube__barcode="S9").person_id == setup.ten[0].pk


def test_sealed_area_refuses_pooled_tubes(city, users):
    r = make_round(users["command"], number=5, areas=[AreaSpec("community", city.home.community.pk, "sealed")])
    from .factories import make_point

    point = make_point(city.home.community)
    with pytest.raises(DomainError) as exc:
        tube_open(actor=users["community"], testing_round=r, sampling_point=point, barcode="X", pooling_mode="pooled_10", at=at(1))
    assert "1户1管" in str(exc.value)


def test_household_tube_holds_one_household(setup, users):
    r = make_round(users["command"], number=6, areas=[AreaSpec("city", None, "sealed")])
    with pytest.raises(RowsRefused) as exc:
        bulk_bind(
            actor=users["community"],
            testing_round=r,
            sampling_point=setup.point,
            bindings=[Binding("H1", person_id=setup.ten[0].pk), Binding("H1", person_id=setup.ten[5].pk)],
            at=at(1),
        )
    assert "1户1管" in exc.value.message


def test_pool_positive_puts_every_member_under_control_with_a_resampling_task(setup, users):
    tube = fill_pool(setup, users["community"])
    tube_receive(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, barcodes=["P0001"], at=at(3))
    report = upload(setup.lab_user, setup.round, setup.lab, [("P0001", "阳性", 28.5, 30.1, "2022-02-25 15:00")], at(8))
    assert report.created == 1 and report.pool_positive_tubes == 1
    assert PersonControl.objects.filter(origin_tube=tube, status=ControlStatus.ACTIVE).count() == 10
    tasks = ResamplingTask.objects.filter(origin_tube=tube, status=ResamplingStatus.OPEN)
    assert tasks.count() == 10 and set(tasks.values_list("grid_id", flat=True)) == {setup.ten[0].grid_id}
    assert not ConfirmedPositive.objects.exists()
    tube.refresh_from_db()
    assert tube.status == TubeStatus.RESULTED and tube.result == Result.POSITIVE
    assert "testing.positive_ct_threshold" in TubeResult.objects.get(tube=tube).decided_by
    assert AuditEvent.objects.filter(event_type=events.POOL_POSITIVE_ACTIONS, count=10).exists()


def test_negative_retest_clears_control_and_completes_the_task(setup, users):
    fill_pool(setup, users["community"])
    upload(setup.lab_user, setup.round, setup.lab, [("P0001", "阳性", 28.5, None, "2022-02-25 15:00")], at(8))
    task = ResamplingTask.objects.get(person=setup.ten[0])
    resample = resampling_collect(actor=users["grid"], task=task, barcode="R1", at=at(9))
    assert resample.is_resample and resample.member_count == 1
    upload(setup.lab_user, setup.round, setup.lab, [("R1", "阴性", None, None, "2022-02-25 20:00")], at(12))
    task.refresh_from_db()
    assert task.status == ResamplingStatus.DONE
    assert PersonControl.objects.get(person=setup.ten[0]).status == ControlStatus.LIFTED
    assert PersonControl.objects.filter(status=ControlStatus.ACTIVE).count() == 9


def test_positive_retest_joins_the_confirmed_positive_queue_as_found_under_control(setup, users):
    fill_pool(setup, users["community"])
    upload(setup.lab_user, setup.round, setup.lab, [("P0001", "阳性", 28.5, None, "2022-02-25 15:00")], at(8))
    task = ResamplingTask.objects.get(person=setup.ten[2])
    resampling_collect(actor=users["grid"], task=task, barcode="R2", at=at(9))
    upload(setup.lab_user, setup.round, setup.lab, [("R2", "", 25.0, 26.0, "2022-02-25 20:00")], at(12))
    positive = ConfirmedPositive.objects.get()
    assert positive.person_id == setup.ten[2].pk and positive.found_in == FoundIn.CONTROLLED
    assert positive.status == PositiveStatus.AWAITING_CASE


def test_single_positive_goes_to_the_confirmed_positive_queue(setup, users, city):
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode="single",
        bindings=[Binding("S1", person_id=setup.ten[0].pk)], at=at(1),
    )  # fmt: skip
    upload(setup.lab_user, setup.round, setup.lab, [("S1", "阳性", 31, 33, "2022-02-25 15:00")], at(8))
    positive = ConfirmedPositive.objects.get()
    assert positive.person_id == setup.ten[0].pk and positive.found_in == FoundIn.COMMUNITY
    assert positive.district_id == city.home.district.pk and "Ct" in positive.decided_by
    assert not PersonControl.objects.exists() and not ResamplingTask.objects.exists()


def test_identical_reupload_changes_nothing(setup, users):
    fill_pool(setup, users["community"])
    rows = [("P0001", "阳性", 28.5, 30.1, "2022-02-25 15:00")]
    upload(setup.lab_user, setup.round, setup.lab, rows, at(8))
    again = upload(setup.lab_user, setup.round, setup.lab, rows, at(9))
    assert (again.created, again.superseded, again.unchanged) == (0, 0, 1)
    assert TubeResult.objects.count() == 1
    assert ResamplingTask.objects.count() == 10 and PersonControl.objects.count() == 10


def test_corrected_result_supersedes_is_audited_and_undoes_consequences(setup, users):
    tube = fill_pool(setup, users["community"])
    upload(setup.lab_user, setup.round, setup.lab, [("P0001", "阳性", 28.5, 30.1, "2022-02-25 15:00")], at(8))
    report = upload(setup.lab_user, setup.round, setup.lab, [("P0001", "阴性", None, None, "2022-02-25 16:00")], at(9), source="fix.csv")
    assert report.superseded == 1
    old, new = TubeResult.objects.filter(tube=tube).order_by("id")
    assert not old.is_current and old.superseded_by_id == new.pk and new.is_current and new.result == Result.NEGATIVE
    event = AuditEvent.objects.get(event_type=events.RESULT_SUPERSEDED)
    assert event.before == {"result": "positive"} and event.after["result"] == "negative" and event.object_repr == "P0001"
    assert not PersonControl.objects.filter(status=ControlStatus.ACTIVE).exists()
    assert not ResamplingTask.objects.filter(status=ResamplingStatus.OPEN).exists()


def test_unknown_barcodes_and_unsampled_tubes_are_reported_and_kept(setup, users):
    fill_pool(setup, users["community"])
    tube_open(actor=users["community"], testing_round=setup.round, sampling_point=setup.point, barcode="EMPTY", at=at(1))
    rows = [
        ("P0001", "阴性", None, None, "2022-02-25 15:00"),
        ("NOPE", "阴性", None, None, "2022-02-25 15:00"),
        ("EMPTY", "阴性", "", "", "2022-02-25 15:00"),
    ]
    report = upload(setup.lab_user, setup.round, setup.lab, rows, at(8))
    assert report.created == 1
    assert [(u.row, u.barcode, u.reason) for u in report.unmatched] == [(3, "NOPE", "unknown_barcode"), (4, "EMPTY", "not_sampled")]
    assert set(UnmatchedResult.objects.values_list("barcode", flat=True)) == {"NOPE", "EMPTY"}
    upload(setup.lab_user, setup.round, setup.lab, rows, at(9))
    assert UnmatchedResult.objects.count() == 2  # the same upload again is not a new problem


def test_bad_results_refuse_the_whole_file(setup, users):
    fill_pool(setup, users["community"])
    rows = [
        ("P0001", "阴性", None, None, "2022-02-25 08:30"),  # before sampling (09:00)
        ("P0001", "阴性", None, None, "2022-02-25 15:00"),  # duplicate barcode
    ]
    with pytest.raises(RowsRefused) as exc:
        upload(setup.lab_user, setup.round, setup.lab, rows, at(8))
    assert {(e.row, e.field) for e in exc.value.errors} == {(2, "reported_at"), (3, "barcode")}
    assert not TubeResult.objects.exists()


def test_a_positive_whose_ct_says_negative_is_refused_citing_the_rule(setup, users):
    fill_pool(setup, users["community"])
    with pytest.raises(RowsRefused) as exc:
        upload(setup.lab_user, setup.round, setup.lab, [("P0001", "阳性", 36, 37, "2022-02-25 15:00")], at(8))
    assert "按阈值 35" in exc.value.message and [e.rule for e in exc.value.errors] == ["testing.positive_ct_threshold"]


def test_only_the_receiving_lab_may_report_a_tube(setup, users):
    from .factories import make_lab, make_lab_user

    fill_pool(setup, users["community"])
    tube_receive(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, barcodes=["P0001"], at=at(3))
    other = make_lab("迪安检验", "DA01")
    other_user = make_lab_user("lab2", other)
    with pytest.raises(RowsRefused):
        upload(other_user, setup.round, other, [("P0001", "阴性", None, None, "2022-02-25 15:00")], at(8))
    with pytest.raises(PermissionRefused):
        upload(other_user, setup.round, setup.lab, [("P0001", "阴性", None, None, "2022-02-25 15:00")], at(8))


def test_household_check_records_outcomes_sticker_and_home_sampling(setup, users, city):
    a, b = setup.ten[0], setup.ten[1]
    with pytest.raises(DomainError, match="去向"):
        household_check_record(
            actor=users["grid"], testing_round=setup.round, household=city.home.household, members=[MemberCheck(a.pk, "away")], at=at(5)
        )
    household_check_record(
        actor=users["grid"],
        testing_round=setup.round,
        household=city.home.household,
        members=[MemberCheck(a.pk, "away", whereabouts="北京出差"), MemberCheck(b.pk, "bedridden")],
        at=at(5),
    )
    task = ResamplingTask.objects.get()
    assert task.person_id == b.pk and task.reason == "home_sampling" and task.grid_id == city.home.grid.pk
    with pytest.raises(PermissionRefused):
        household_check_record(actor=users["grid"], testing_round=setup.round, household=city.neighbour.household, members=[], at=at(5))


def test_sampled_on_the_spot_binds_the_person(setup, users, city):
    tube_open(actor=users["grid"], testing_round=setup.round, sampling_point=setup.point, barcode="SPOT", pooling_mode="single", at=at(4))
    household_check_record(
        actor=users["grid"],
        testing_round=setup.round,
        household=city.home.household,
        members=[MemberCheck(setup.ten[0].pk, "sampled_on_spot", barcode="SPOT")],
        at=at(5),
    )
    assert TubeMember.objects.get(tube__barcode="SPOT").person_id == setup.ten[0].pk


@pytest.mark.parametrize("temp_table_rows", [0, 10_000])
def test_bulk_updates_give_the_same_rows_through_a_temporary_table(setup, users, monkeypatch, temp_table_rows):
    """Large PostgreSQL updates go through a COPYed temporary table; the outcome must not depend on the path."""
    from fangkong.core import sql as common

    monkeypatch.setattr(common, "PG_TEMP_TABLE_ROWS", temp_table_rows)
    tube = fill_pool(setup, users["community"])
    upload(setup.lab_user, setup.round, setup.lab, [("P0001", "阳性", 28.5, 30.1, "2022-02-25 15:00")], at(8))
    upload(setup.lab_user, setup.round, setup.lab, [("P0001", "阴性", None, None, "2022-02-25 16:00")], at(9), source="fix.csv")
    tube.refresh_from_db()
    assert (tube.status, tube.result, tube.laboratory_id) == (TubeStatus.RESULTED, Result.NEGATIVE, setup.lab.pk)
    old, new = TubeResult.objects.filter(tube=tube).order_by("id")
    assert (old.is_current, old.superseded_by_id, new.is_current) == (False, new.pk, True)


@pytest.mark.parametrize("temp_table_rows", [0, 10_000])
def test_adding_to_an_open_tube_updates_it_the_same_way_through_a_temporary_table(setup, users, monkeypatch, temp_table_rows):
    """A second request into an open tube updates its count, status and times (smallint, varchar and
    timestamptz columns, a NULL among them) the same way on both paths of core.sql.bulk_update."""
    from fangkong.core import sql as common

    monkeypatch.setattr(common, "PG_TEMP_TABLE_ROWS", temp_table_rows)
    first, rest = setup.ten[:4], setup.ten[4:]
    for people, hours in ((first, 1), (rest[:3], 2)):
        bulk_bind(
            actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode=PoolingMode.POOLED_10,
            bindings=[Binding(barcode="P0002", person_id=p.pk) for p in people], at=at(hours),
        )  # fmt: skip
    tube = Tube.objects.get(round=setup.round, barcode="P0002")
    assert (tube.member_count, tube.status, tube.closed_at, tube.sampled_at) == (7, TubeStatus.OPEN, None, at(1))
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point,
        bindings=[Binding(barcode="P0002", person_id=p.pk) for p in rest[3:]], at=at(3),
    )  # fmt: skip
    tube.refresh_from_db()
    assert (tube.member_count, tube.status, tube.closed_at) == (10, TubeStatus.CLOSED, at(3))
    assert tube.deadline_at == at(1) + dt.timedelta(hours=setup.round.result_deadline_hours)


def test_a_pooled_tube_with_one_member_is_still_a_pool_re_tested_at_home(setup, users):
    """A 10-in-1 tube closed with one person in it: positive means a single re-test, not a confirmed case."""
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode=PoolingMode.POOLED_10,
        bindings=[Binding(barcode="P0009", person_id=setup.ten[0].pk)], at=at(1),
    )  # fmt: skip
    upload(setup.lab_user, setup.round, setup.lab, [("P0009", "阳性", 30.0, 31.0, "2022-02-25 15:00")], at(8))
    assert not ConfirmedPositive.objects.exists()
    task = ResamplingTask.objects.get()
    assert (task.person_id, task.reason) == (setup.ten[0].pk, "pool_positive")
    assert PersonControl.objects.get().status == ControlStatus.ACTIVE


def test_the_first_sample_starts_a_planned_round_through_its_transition_and_audit(setup, users):
    """Planned → active through ROUND_TRANSITIONS with an audit event naming the sampler (it used to be
    a silent UPDATE inside bulk_bind)."""
    from fangkong.testing import events
    from fangkong.testing.choices import RoundStatus

    assert setup.round.status == RoundStatus.PLANNED
    fill_pool(setup, users["community"])
    setup.round.refresh_from_db()
    assert setup.round.status == RoundStatus.ACTIVE
    event = AuditEvent.objects.get(event_type=events.ROUND_STATUS_CHANGED, object_id=str(setup.round.pk))
    assert (event.before, event.after, event.actor) == ({"status": "planned"}, {"status": "active"}, users["community"])
