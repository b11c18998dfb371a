"""The stored residents' triggers (zoning 0006) without deadlocks between two writers of one area
(decision 0011, "After review"). PostgreSQL only: SQLite runs one writer at a time.

Two transactions writing the same area in force — places added, changed or removed, or the area's
status changed — each delete and insert that area's (area, person) pairs. Before, each inserted in
whatever order its plan produced (a UNION's hash), so two of them whose places shared residents (a
building and one of its units) could each hold a pair the other was about to insert, and deadlock;
and a place writer's insert could meet a pair the other had deleted, while the other waited for a
pair the first had inserted. Now:
- **The area's writers take turns.** The place trigger locks its area's row (FOR NO KEY UPDATE, the
  lock an UPDATE of the area takes; both areas of a place moved from one to another, in id order)
  before it reads or writes pairs, so a second writer of the same area waits for the first to commit
  and then sees its pairs. A change of status already holds the row (the UPDATE's own lock); a new
  area's row is seen by nobody else. Row locks cost no shared lock table entry (a COPY of 20,000
  places into areas in force takes 20,000), and they leave other tables' references to the area
  (KEY SHARE: transitions, LiftFigures) unblocked. An UPDATE of the area row (the review marking due
  areas) now waits for a place writer of that area to commit.
- **Each statement takes its pairs in key order** (area_id, person_id), as livelihood 0012 does: the
  inserts (ORDER BY) and the deletes (rows locked FOR UPDATE in key order, then deleted), so two
  writers meeting on the same pairs by any other path (a household re-addressed while one of its
  members moves) wait for each other instead of deadlocking.
- Left as it was: the new-people statement trigger (its pairs are of people no other transaction
  can see yet; ordering a COPY of a million people's pairs would only cost a sort), and the TRUNCATE
  trigger (zoning 0007).
Backwards: zoning 0006's functions again (the triggers themselves are unchanged: they call the
functions by name). Both ways each function is set to run without JIT again after it is replaced
(`CREATE OR REPLACE FUNCTION` resets a function's settings; zoning 0009, fangkong.core.triggers).
"""

import importlib

from django.db import migrations

BEFORE = importlib.import_module("fangkong.zoning.migrations.0006_area_residents")
pairs, pg_function, IN_FORCE, LOCK_PG = BEFORE.pairs, BEFORE.pg_function, BEFORE.IN_FORCE, BEFORE.LOCK_PG
PAIRS = "zoning_arearesident"
AREA = "zoning_riskarea"


def insert(where: str) -> str:
    """Insert the area's pairs selected by `where` in key order (existing ones are kept)."""
    return f"INSERT INTO {PAIRS} (area_id, person_id) {pairs(where)} ORDER BY 1, 2 ON CONFLICT DO NOTHING;"


def delete(where: str) -> str:
    """Delete the pairs `where` selects, locking them first in key order."""
    return f"PERFORM 1 FROM {PAIRS} WHERE {where} ORDER BY area_id, person_id FOR UPDATE; DELETE FROM {PAIRS} WHERE {where};"


def lock_areas(ids: str) -> str:
    """Lock the rows of the areas `ids` (a SQL list) in id order: the area's writers take turns."""
    return f"PERFORM 1 FROM {AREA} WHERE id IN ({ids}) ORDER BY id FOR NO KEY UPDATE;"


MEMBERS = "person_id IN (SELECT id FROM geo_person WHERE household_id = NEW.id)"
FUNCTIONS = {
    "zoning_resident_person_moved": f"{delete('person_id = NEW.id')} {insert('per.id = NEW.id')}",
    "zoning_resident_person_gone": delete("person_id = OLD.id"),
    "zoning_resident_household_moved": f"{delete(MEMBERS)} {insert('per.household_id = NEW.id')}",
    # The UPDATE or DELETE of the area holds its row already; a new area is seen by nobody else.
    "zoning_resident_area": (
        f"IF TG_OP = 'DELETE' THEN {delete('area_id = OLD.id')} RETURN NULL; END IF; "
        "IF TG_OP = 'UPDATE' THEN IF OLD.status IS NOT DISTINCT FROM NEW.status THEN RETURN NULL; END IF; END IF; "
        f"{delete('area_id = NEW.id')} "
        f"IF NEW.status = '{IN_FORCE}' THEN {LOCK_PG}; {insert('p.area_id = NEW.id')} END IF;"
    ),
    # A place added: its area's row locked if it is in force (re-read after a wait: an area lifted
    # meanwhile adds nothing). Changed or removed: its area (both areas if it moved) locked, then its
    # pairs written again.
    "zoning_resident_place": (
        "IF TG_OP = 'INSERT' THEN "
        f"PERFORM 1 FROM {AREA} WHERE id = NEW.area_id AND status = '{IN_FORCE}' FOR NO KEY UPDATE; "
        f"IF FOUND THEN {LOCK_PG}; {insert('p.id = NEW.id')} END IF; RETURN NULL; END IF; "
        f"IF TG_OP = 'UPDATE' THEN {lock_areas('OLD.area_id, NEW.area_id')} ELSE {lock_areas('OLD.area_id')} END IF; "
        f"{LOCK_PG}; {delete('area_id = OLD.area_id')} {insert('p.area_id = OLD.area_id')} "
        "IF TG_OP = 'UPDATE' THEN IF NEW.area_id <> OLD.area_id THEN "
        f"{delete('area_id = NEW.area_id')} {insert('p.area_id = NEW.area_id')} END IF; END IF;"
    ),
}
WITHOUT_JIT = [f"ALTER FUNCTION {name}() SET jit = off;" for name in FUNCTIONS]
FORWARD = [*(pg_function(name, body) for name, body in FUNCTIONS.items()), *WITHOUT_JIT]
REVERSE = [sql for sql in BEFORE.POSTGRES if any(sql.startswith(f"CREATE OR REPLACE FUNCTION {name}()") for name in FUNCTIONS)]
assert len(REVERSE) == len(FUNCTIONS)
REVERSE += WITHOUT_JIT


def run(statements: list[str]):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("zoning", "0009_triggers_without_jit")]

    operations = [migrations.RunPython(run(FORWARD), run(REVERSE))]
