"""Migrations geo 0004–0006 (decision 0005): birth_date becomes birth_year / birth_year_to in clear and
the sealed date (birth_cipher) for documents that do not carry it; and back. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from fangkong.core.crypto import Sealer, decrypt, mask_id_number
from fangkong.geo.idnumbers import make_resident_id

from ..factories import ensure_reference_data
from ..migrator import MigrationExecutor

BEFORE = ("geo", "0004_phone_mask_shows_two_last_digits")
AFTER = ("geo", "0007_remove_person_birth_date")
BEIJING = ZoneInfo("Asia/Shanghai")


# Migrations whose SQL reads geo's tables directly (zoning's resident triggers from 0006 on, decision
# 0011): they go back with geo's, or SQLite's table rebuilds would run into triggers naming a table
# being replaced (and zoning 0007's TRUNCATE trigger would name a table 0006 dropped).
def reads_geo_tables(app_label: str, name: str) -> bool:
    return app_label == "zoning" and name >= "0006_area_residents"


def migrate(target):
    """Move geo's own migrations (and those reads_geo_tables names) to `target`; every other app stays where it
    is. (A plain executor.migrate([target]) would also unapply and reapply every app that depends on
    geo — nearly all of them, minutes of table rebuilds on SQLite — which this test has nothing to say
    about.)"""
    executor = MigrationExecutor(connection)
    plan = [
        (migration, backwards)
        for migration, backwards in executor.migration_plan([target])
        if migration.app_label == "geo" or reads_geo_tables(migration.app_label, migration.name)
    ]
    executor.migrate([target], plan=plan)
    return MigrationExecutor(connection).loader.project_state([target]).apps


def migrate_to_latest() -> None:
    """Everything unapplied above (geo's later migrations, zoning's triggers) applied again."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_birth_dates_become_years_in_clear_and_a_sealed_date_and_back():
    ensure_reference_data()
    apps = migrate(BEFORE)
    Person = apps.get_model("geo", "Person")
    sealer = Sealer()

    def add(name, id_type, number, birth, written):
        p = Person.objects.create(
            name=name,
            id_type=id_type,
            id_cipher=sealer.encrypt(number),
            id_hash=sealer.lookup_hash("id", number),
            id_masked=mask_id_number(number),
            id_tail=number[-4:],
            birth_date=birth,
        )
        Person.objects.filter(pk=p.pk).update(created_at=written)
        return p.pk

    adult = add(
        "成人",
        "resident_id",
        make_resident_id("150102", dt.date(1981, 6, 9), 11),
        dt.date(1981, 6, 9),
        dt.datetime(2022, 2, 1, tzinfo=BEIJING),
    )
    # Born 2 January, recorded 5 January (Beijing; 4 January in UTC): the quarter rule gives a range.
    baby = add(
        "婴儿",
        "resident_id",
        make_resident_id("150102", dt.date(2022, 1, 2), 12),
        dt.date(2022, 1, 2),
        dt.datetime(2022, 1, 5, 1, tzinfo=BEIJING),
    )
    passport = add("Anna", "passport", "E12345678", dt.date(1980, 2, 3), dt.datetime(2022, 6, 1, tzinfo=BEIJING))
    undated = add("Ben", "passport", "E12345679", None, dt.datetime(2022, 6, 1, tzinfo=BEIJING))

    apps = migrate(AFTER)
    Person = apps.get_model("geo", "Person")
    rows = {p.pk: p for p in Person.objects.all()}
    assert (rows[adult].birth_year, rows[adult].birth_year_to, rows[adult].birth_cipher) == (1981, 1981, "")
    assert (rows[baby].birth_year, rows[baby].birth_year_to, rows[baby].birth_cipher) == (2021, 2022, "")
    assert (rows[passport].birth_year, rows[passport].birth_year_to) == (1980, 1980)
    assert decrypt(rows[passport].birth_cipher) == "1980-02-03"
    assert (rows[undated].birth_year, rows[undated].birth_cipher) == (None, "")
    with connection.cursor() as cur:
        assert "birth_date" not in {c.name for c in connection.introspection.get_table_description(cur, "geo_person")}

    apps = migrate(BEFORE)  # backwards: the dates again, decrypted
    Person = apps.get_model("geo", "Person")
    dates = dict(Person.objects.values_list("pk", "birth_date"))
    assert dates == {adult: dt.date(1981, 6, 9), baby: dt.date(2022, 1, 2), passport: dt.date(1980, 2, 3), undated: None}
    # Back to the latest schema (not only to AFTER: later migrations, such as geo 0008 and zoning's
    # triggers, must be there for the tests this worker runs next).
    migrate_to_latest()
