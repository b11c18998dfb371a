"""Two writers of one area in force at once (PostgreSQL; zoning 0010, decision 0011): each adds places
whose residents the other's places share, in the opposite order. Before, each transaction held pairs
the other was about to insert, and PostgreSQL broke the cycle by failing one ("deadlock detected");
now the second writer of the area waits for the first to commit, both go through, and the stored
residents are the registry's. The trigger functions also take their pairs in key order."""

from __future__ import annotations

import queue
import threading
import time

import psycopg
import pytest
from django.db import connection

from fangkong.zoning.models import AreaResident

from ..factories import make_person, make_tree
from .test_area_residents import live_pairs, stored_pairs
from .test_lifting import declare

pytestmark = [pytest.mark.postgres]
STEP_SECONDS = 10  # a step that neither finishes nor waits for a lock in this long fails the test


def _connect() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"]
    )


class Writer:
    """A connection in its own thread, running the statements it is given one after the other, in
    one transaction, until COMMIT (or its first error)."""

    def __init__(self, name: str) -> None:
        self.name, self.conn = name, _connect()
        self.pid = self.conn.info.backend_pid
        self.steps: queue.Queue[str | None] = queue.Queue()
        self.given = self.done = 0
        self.error: Exception | None = None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while (sql := self.steps.get()) is not None:
            try:
                if sql == "COMMIT":
                    self.conn.commit()
                else:
                    self.conn.execute(sql)
            except psycopg.Error as exc:
                self.error = exc
                self.conn.rollback()
                return
            finally:
                self.done += 1

    def close(self) -> None:
        """End the thread after the statements given (a COMMIT among them) and close the connection."""
        self.steps.put(None)
        self.thread.join(STEP_SECONDS)  # returns once the thread ends (a frozen clock never times it out)
        self.conn.close()


def step(writer: Writer, sql: str) -> str:
    """Give `writer` a statement and wait until it has run it (or failed) or waits for a lock."""
    writer.given += 1
    writer.steps.put(sql)
    deadline = time.monotonic() + STEP_SECONDS
    while time.monotonic() < deadline:
        if writer.done >= writer.given or writer.error is not None:
            return "done"
        with connection.cursor() as cur:
            cur.execute("SELECT cardinality(pg_blocking_pids(%s))", [writer.pid])
            if cur.fetchone()[0]:
                return "waiting"
        time.sleep(0.05)
    raise AssertionError(f"{writer.name}: {sql[:60]} neither finished nor waited for a lock")


def place(area, level: str, obj) -> str:
    return (
        "INSERT INTO zoning_riskareaplace (area_id, level, place_id, name, district_id, street_id, community_id) "
        f"VALUES ({area.pk}, '{level}', {obj.pk}, '{obj.name}', {obj.district_id}, {obj.street_id}, {obj.community_id})"
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_writers_of_one_area_adding_shared_residents_in_opposite_orders_both_go_through(twenty, users, block):
    """3号楼: unit 1 (two residents) and unit 2 (one). The area in force holds 5号楼; the first writer
    adds unit 1, then the building; the second adds unit 2, then the compound (both units again)."""
    elsewhere = make_tree(building="5号楼", household="501")
    make_person(elsewhere.household, "李四")
    area = declare(users, [("building", elsewhere.building.pk)])
    tree = block.tree
    unit2 = block.residents[2].household.unit
    first, second = Writer("first"), Writer("second")
    try:
        assert step(first, place(area, "unit", tree.unit)) == "done"
        # Before zoning 0010 the second writer's unit went in at once; now it waits for the first writer.
        second_unit = step(second, place(area, "unit", unit2))
        assert step(first, place(area, "building", tree.building)) in {"done", "waiting"}
        step(second, place(area, "compound", tree.compound))  # before 0010: the cycle, one of them fails
        for writer in (first, second):
            writer.steps.put("COMMIT")
    finally:
        first.close()
        second.close()
    assert first.error is None and second.error is None, (first.error, second.error)
    assert second_unit == "waiting"
    assert stored_pairs() == live_pairs()
    assert set(AreaResident.objects.filter(area=area).values_list("person_id", flat=True)) >= {p.pk for p in block.residents}


def test_the_area_triggers_take_their_pairs_in_key_order(db):
    names = ["zoning_resident_person_moved", "zoning_resident_household_moved", "zoning_resident_area", "zoning_resident_place"]
    with connection.cursor() as cur:
        cur.execute("SELECT proname, prosrc FROM pg_proc WHERE proname = ANY(%s)", [names])
        bodies = dict(cur.fetchall())
    assert sorted(bodies) == sorted(names)
    for name, body in bodies.items():
        inserts = body.count("INSERT INTO zoning_arearesident")
        assert inserts and body.count("ORDER BY 1, 2 ON CONFLICT DO NOTHING") == inserts, name
        assert body.count("ORDER BY area_id, person_id FOR UPDATE") == body.count("DELETE FROM zoning_arearesident"), name
    assert "FOR NO KEY UPDATE" in bodies["zoning_resident_place"]
