"""Bindings by ID number take the database path on PostgreSQL (services.binding.in_database: the
members joined to the registry by one INSERT … SELECT). Each request below is run through it and
through the full path (the people read and checked in Python): the same members written, or the
same refusal — the same rows, fields and messages — with nothing written. On SQLite both runs are
the full path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from fangkong.core.crypto import decrypt
from fangkong.geo.idnumbers import make_resident_id
from fangkong.testing.models import Tube, TubeMember
from fangkong.testing.services import AreaSpec, Binding, RowsRefused, bulk_bind
from fangkong.testing.services.binding import bind as bind_module

from .factories import at, make_round


def number(person) -> str:
    return decrypt(person.id_cipher)


def _outcome(actor, testing_round, point, rows: list[Binding], mode: str) -> tuple:
    """What a request leaves behind: its report or its refusal, and every member and tube row."""
    try:
        r = bulk_bind(actor=actor, testing_round=testing_round, sampling_point=point, pooling_mode=mode, bindings=rows, at=at(1))
        said = ("written", r.members_added, r.tubes_opened, r.tubes_closed, r.closed_barcodes)
    except RowsRefused as exc:
        said = ("refused", exc.rule, [(e.row, e.field, e.message, e.rule) for e in exc.errors])
    members = sorted(
        TubeMember.objects.values_list(
            "person_id", "tube__barcode", "round_id", "district_id", "street_id", "community_id", "grid_id", "household_id",
            "building_id", "unit_id", "sampled_at", "is_resample",
        )
    )  # fmt: skip
    tubes = sorted(Tube.objects.values_list("barcode", "member_count", "status", "capacity", "pooling_mode", "sampled_at", "deadline_at"))
    return said, members, tubes


def both_paths(monkeypatch, actor, testing_round, point, rows: Callable[[], list[Binding]], mode="pooled_10", before=None) -> tuple:
    """The request's outcome through the database path and through the full path (each rolled back
    afterwards); they must agree."""
    outcomes = []
    for full_path in (False, True):
        with monkeypatch.context() as m, transaction.atomic():
            if full_path:
                m.setattr(bind_module, "bind_in_database", lambda *args, **kwargs: None)
            if before:
                before()
            outcomes.append(_outcome(actor, testing_round, point, rows(), mode))
            transaction.set_rollback(True)
    assert outcomes[0] == outcomes[1]
    return outcomes[0]


def test_a_tube_of_ten_by_id_number_is_written_in_the_database_without_reading_the_people(setup, users, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the database path is PostgreSQL's")
    monkeypatch.setattr(bind_module, "people_of", lambda *a, **k: pytest.fail("the people were read into Python"))
    report = bulk_bind(
        actor=users["community"],
        testing_round=setup.round,
        sampling_point=setup.point,
        pooling_mode="pooled_10",
        bindings=[Binding("D1", id_number=number(p)) for p in setup.ten],
        at=at(1),
    )
    assert (report.members_added, report.tubes_opened, report.tubes_closed) == (10, 1, 1)
    places = {(p.pk, p.household_id, p.grid_id, p.household.building_id, p.household.unit_id) for p in setup.ten}
    assert set(TubeMember.objects.values_list("person_id", "household_id", "grid_id", "building_id", "unit_id")) == places


def test_a_full_tube_and_an_open_one_added_to_are_written_the_same(setup, users, monkeypatch):
    def before():
        bulk_bind(
            actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode="pooled_10",
            bindings=[Binding("A1", id_number=number(p)) for p in setup.ten[:4]], at=at(0.5),
        )  # fmt: skip

    said, members, tubes = both_paths(
        monkeypatch, users["community"], setup.round, setup.point,
        lambda: [Binding("A1", id_number=number(p)) for p in setup.ten[4:7]] + [Binding("A2", id_number=number(p)) for p in setup.ten[7:]],
        before=before,
    )  # fmt: skip
    assert said == ("written", 6, 1, 0, [])
    assert len(members) == 10 and [t[:3] for t in tubes] == [("A1", 7, "open"), ("A2", 3, "open")]


@pytest.mark.parametrize("case", ["twice_in_the_request", "not_registered", "invalid_number", "over_capacity"])
def test_a_refused_request_is_refused_the_same_naming_each_row(setup, users, monkeypatch, case):
    people = setup.ten + setup.other_grid[:1]
    unregistered = make_resident_id("150102", dt.date(1990, 1, 1), 77)

    def rows():
        numbers = [number(p) for p in people[:5]]
        if case == "twice_in_the_request":
            numbers.append(numbers[1])
        elif case == "not_registered":
            numbers.insert(2, unregistered)
        elif case == "invalid_number":
            numbers.append(numbers[0][:-1] + ("0" if numbers[0][-1] != "0" else "1"))
        else:
            numbers = [number(p) for p in people]  # 11 people into a 10-in-1 tube
        return [Binding("R1", id_number=n) for n in numbers]

    said, members, tubes = both_paths(monkeypatch, users["community"], setup.round, setup.point, rows)
    assert said[0] == "refused" and members == [] and tubes == []
    assert len(said[2]) == 1


def test_a_person_sampled_earlier_in_the_round_is_named_the_same(setup, users, monkeypatch):
    def before():
        bulk_bind(
            actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode="pooled_10",
            bindings=[Binding("E1", id_number=number(setup.ten[3]))], at=at(0.5),
        )  # fmt: skip

    said, members, tubes = both_paths(
        monkeypatch, users["community"], setup.round, setup.point, lambda: [Binding("E2", id_number=number(p)) for p in setup.ten[:5]],
        before=before,
    )  # fmt: skip
    assert said[0] == "refused" and [e[:2] for e in said[2]] == [(4, "id_number")] and "E1" in said[2][0][2]
    assert [m[1] for m in members] == ["E1"] and [t[0] for t in tubes] == ["E1"]


def test_a_household_tube_takes_one_household_and_refuses_a_second_the_same(setup, users, monkeypatch):
    sealed = make_round(users["command"], number=6, areas=[AreaSpec("city", None, "sealed")])
    households = sorted({p.household_id for p in setup.ten})
    first = [p for p in setup.ten if p.household_id == households[0]]
    second = [p for p in setup.ten if p.household_id == households[1]]

    said, members, _ = both_paths(
        monkeypatch, users["community"], sealed, setup.point, lambda: [Binding("H1", id_number=number(p)) for p in first], mode=""
    )
    assert said[0] == "written" and len(members) == len(first)
    said, members, _ = both_paths(
        monkeypatch, users["community"], sealed, setup.point,
        lambda: [Binding("H2", id_number=number(p)) for p in first[:1] + second[:1]], mode="",
    )  # fmt: skip
    assert said[0] == "refused" and [e[:2] for e in said[2]] == [(2, "barcode")] and "1户1管" in said[2][0][2]
    assert members == []


def test_during_a_key_rotation_people_hashed_under_the_retired_key_are_found_the_same(setup, users, monkeypatch, settings):
    """Mid-rotation (operator guide §5b) the registry holds hashes under the retired key while a
    scanned number hashes under each key of the ring: one row per key goes to the database."""
    import base64
    import os

    from django.test import override_settings

    numbers = [number(p) for p in setup.ten[:5]]
    with override_settings(
        FANGKONG_DATA_KEY=base64.b64encode(os.urandom(32)).decode(), FANGKONG_DATA_KEYS_RETIRED=(settings.FANGKONG_DATA_KEY,)
    ):
        from fangkong.core.crypto import key_ring

        assert len(key_ring()) == 2
        said, members, _ = both_paths(
            monkeypatch, users["community"], setup.round, setup.point, lambda: [Binding("K1", id_number=n) for n in numbers]
        )
    assert said == ("written", 5, 1, 0, []) and {m[0] for m in members} == {p.pk for p in setup.ten[:5]}
