"""PostgreSQL: a TRUNCATE of people (the registry's clearing, geo.synthetic.registry_clear) empties the
stored residents too (decision 0011). Row triggers do not fire on TRUNCATE, and AreaResident's person_id
is a plain integer that nothing cascades to, so the pairs of the people gone would stay and be counted.
SQLite has no TRUNCATE: Django's deletes there fire the row triggers."""

from django.db import migrations

FORWARD = [
    "CREATE OR REPLACE FUNCTION zoning_resident_people_truncated() RETURNS trigger LANGUAGE plpgsql AS "
    "$fn$ BEGIN DELETE FROM zoning_arearesident; RETURN NULL; END $fn$;",
    "CREATE TRIGGER zoning_resident_people_truncated AFTER TRUNCATE ON geo_person FOR EACH STATEMENT "
    "EXECUTE FUNCTION zoning_resident_people_truncated();",
]
REVERSE = [
    "DROP TRIGGER IF EXISTS zoning_resident_people_truncated ON geo_person;",
    "DROP FUNCTION IF EXISTS zoning_resident_people_truncated();",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("zoning", "0006_area_residents")]

    operations = [migrations.RunPython(forward, reverse)]
