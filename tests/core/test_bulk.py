"""fangkong.core.bulk: the initial-load fast path (deferred_indexes) on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from fangkong.core.bulk import BulkWriter, RebuildFailed, deferred_indexes, reserve_ids
from fangkong.core.crypto import Sealer
from fangkong.geo.models import Household, Person, PersonTag
from fangkong.geo.records import build_person_record

from ..factories import make_tree

COLUMNS = ["id", "created_at", "updated_at", "household_id", "name", "id_type", "id_cipher", "id_hash", "id_masked", "id_tail", "sex", "phone_cipher", "phone_hash", "phone_masked"]  # fmt: skip  # noqa: E501
MODELS = (Household, Person, PersonTag)


def catalogue() -> set[tuple[str, ...]]:
    """Every index and constraint definition on the tables the fast path touches."""
    tables = [m._meta.db_table for m in MODELS]
    with connection.cursor() as cur:
        cur.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        found = {("index", *r) for r in cur.fetchall()}
        cur.execute(
            "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid), condeferrable, condeferred, convalidated"
            " FROM pg_constraint WHERE conrelid = ANY(%s::text[]::regclass[])",
            [tables],
        )
        found |= {("constraint", *map(str, r)) for r in cur.fetchall()}
    return found


def person_rows(household_id: int, count: int, *, duplicate_last: bool = False) -> list[tuple]:
    sealer = Sealer()
    now = dt.datetime.now(dt.UTC)
    ids = reserve_ids(Person, count)
    rows = []
    for i, pk in enumerate(ids):
        n = i - 1 if duplicate_last and i == count - 1 else i
        number = f"G{n:08d}"
        rec = build_person_record(sealer, name=f"人{i}", id_type="passport", id_number=number, phone=f"1380000{n:04d}")
        rows.append(
            (pk, now, now, household_id, rec.name, rec.id_type, rec.id_cipher, rec.id_hash, rec.id_masked, rec.id_tail)
            + (rec.sex, rec.phone_cipher, rec.phone_hash, rec.phone_masked)
        )
    return rows


@pytest.mark.postgres
@pytest.mark.django_db
def test_fast_path_rebuilds_exactly_what_it_dropped():
    household = make_tree().household
    before = catalogue()
    assert any("person_unique_id_hash" in item for item in before)
    with transaction.atomic():
        with deferred_indexes(*MODELS) as state:
            assert state is not None and state.indexes and state.constraints
            assert not any("person_phone_hash" in item for item in catalogue())  # really dropped meanwhile
            rows = person_rows(household.pk, 300)
            BulkWriter(Person, COLUMNS).write(rows)
            BulkWriter(PersonTag, ["person_id", "tag"]).write([(r[0], "dibao") for r in rows[:10]])
        assert state.rebuilt
    assert catalogue() == before
    assert Person.objects.filter(household=household).count() == 300
    assert PersonTag.objects.count() == 10
    # The rebuilt unique index is in force again.
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017, PT011 - IntegrityError from the driver
        BulkWriter(Person, COLUMNS).write([(reserve_ids(Person, 1)[0], *rows[0][1:])])


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_duplicate_caught_by_the_rebuilt_unique_index_rolls_everything_back():
    household = make_tree().household
    before = catalogue()
    with pytest.raises(RebuildFailed, match="person_unique_id_hash.*rolled back"), transaction.atomic(), deferred_indexes(*MODELS):
        BulkWriter(Person, COLUMNS).write(person_rows(household.pk, 50, duplicate_last=True))
    assert Person.objects.count() == 0
    assert catalogue() == before


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_error_inside_the_load_rolls_back_the_drop_too():
    household = make_tree().household
    before = catalogue()
    with pytest.raises(ZeroDivisionError), transaction.atomic(), deferred_indexes(*MODELS):
        BulkWriter(Person, COLUMNS).write(person_rows(household.pk, 5))
        1 / 0  # noqa: B018
    assert Person.objects.count() == 0
    assert catalogue() == before


def test_outside_postgresql_it_does_nothing(db):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite behaviour")
    with transaction.atomic(), deferred_indexes(Person) as state:
        assert state is None


@pytest.mark.django_db
def test_binary_copy_writes_each_column_as_its_own_type():
    """binary=True (PostgreSQL's binary COPY; SQLite ignores the flag): ints (bigint and smallint),
    text, aware datetimes, dates and NULLs arrive exactly as given."""
    from fangkong.policy.models import PolicyProfile

    household = make_tree().household
    rows = [(*row, 1990 if i else None) for i, row in enumerate(person_rows(household.pk, 3))]
    BulkWriter(Person, [*COLUMNS, "birth_year"], binary=True).write(rows)
    for row in rows:
        person = Person.objects.get(pk=row[0])
        assert (person.created_at, person.household_id, person.name, person.id_hash, person.birth_year) == (
            row[1], household.pk, row[4], row[7], row[14]
        )  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    profiles = [(f"bulk-{i}", "p", "1", dt.date(2022, 3, 7) if i else None, "", False, False, now) for i in range(2)]
    columns = ["code", "name", "version", "effective_from", "source", "is_builtin", "is_active", "created_at"]
    BulkWriter(PolicyProfile, columns, binary=True).write(profiles)
    assert dict(PolicyProfile.objects.filter(code__startswith="bulk-").values_list("code", "effective_from")) == {
        "bulk-0": None,
        "bulk-1": dt.date(2022, 3, 7),
    }


@pytest.mark.postgres
@pytest.mark.django_db
def test_binary_copy_refuses_a_column_type_it_does_not_know():
    from fangkong.audit.models import AuditEvent

    with pytest.raises(ValueError, match="jsonb"):
        BulkWriter(AuditEvent, ["id", "after"], binary=True).write([(1, {})])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_table_is_analysed_when_it_has_doubled_since_its_last_analyze_and_then_rests():
    from fangkong.core.bulk import analyze_if_grown
    from fangkong.testing.models import Laboratory

    Laboratory.objects.bulk_create([Laboratory(name=f"实验室{i}", code=f"L{i}") for i in range(30)])
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_force_next_flush()")  # the inserts' counts reach the statistics now
    assert analyze_if_grown(Laboratory, min_rows=10) == ["testing_laboratory"]
    assert analyze_if_grown(Laboratory, min_rows=10) == []  # nothing changed since
    Laboratory.objects.bulk_create([Laboratory(name=f"新实验室{i}", code=f"N{i}") for i in range(12)])
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_force_next_flush()")
    assert analyze_if_grown(Laboratory, min_rows=10) == []  # 12 more on 30: not yet doubled


def test_the_garbage_collector_pauses_for_a_bulk_request_and_resumes_after_it_even_on_error():
    import gc

    from fangkong.core.bulk import gc_paused

    @gc_paused()
    def request(fail: bool) -> bool:
        if fail:
            raise ValueError("refused")
        return gc.isenabled()

    assert gc.isenabled()
    assert request(False) is False
    assert gc.isenabled()
    with pytest.raises(ValueError):
        request(True)
    assert gc.isenabled()
    gc.disable()  # paused by someone else: left paused
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.postgres
@pytest.mark.django_db
def test_sessions_plan_with_the_random_page_cost_of_memory_and_ssd():
    """Decision 0004: without it, look-ups of 10,000 keys were planned as scans of whole tables."""
    with connection.cursor() as cur:
        cur.execute("SHOW random_page_cost")
        assert float(cur.fetchone()[0]) == 1.1
