"""The trigger functions the database runs to keep derived tables (decisions 0011, 0015, 0016).

They run without PostgreSQL's JIT compiler. A row trigger's statement over the registry (an area's
residents: people × households × places) is planned above `jit_above_cost`, so each call compiled
it again: about 70 ms a call against 0.5 ms without, measured on this 2-core machine at 3.5 M people.
Inserting 20,000 areas took 24 minutes instead of 10 seconds. `without_jit(prefix)` is the migration
operation that sets `jit = off` on every trigger function whose name starts with `prefix`.
`CREATE OR REPLACE FUNCTION` resets a function's settings, so a migration that rewrites one runs it
again (tests/core/test_triggers.py holds every trigger function to it)."""

from __future__ import annotations

from django.db import migrations

TRIGGER_FUNCTIONS = """
SELECT DISTINCT p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
WHERE NOT t.tgisinternal AND p.proname LIKE %s ORDER BY p.proname
"""


def trigger_functions(cursor, prefix: str) -> list[str]:
    cursor.execute(TRIGGER_FUNCTIONS, [prefix.replace("_", r"\_") + "%"])
    return [name for (name,) in cursor.fetchall()]


def _setter(prefix: str, clause: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for name in trigger_functions(cursor, prefix):
                cursor.execute(f"ALTER FUNCTION {name}() {clause}")

    return run


def without_jit(prefix: str) -> migrations.RunPython:
    """Sets `jit = off` on the trigger functions named `prefix…` (PostgreSQL; nothing on SQLite)."""
    return migrations.RunPython(_setter(prefix, "SET jit = off"), _setter(prefix, "RESET jit"), elidable=False)
