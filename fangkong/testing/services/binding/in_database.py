"""The common request — every row by ID number, nothing to refuse — bound in the database: the rows'
keyed hashes, tubes and sampling times sent by binary COPY into a temporary table, and the members
written by one `INSERT … SELECT` joined to the registry, so the 50,000 people of a request are never
read into Python (PostgreSQL only).

It checks the rules it can without the people (the tubes, their capacity) and lets the database
check the rest (every number registered, one sample per person per round, one household per 1户1管
tube). Anything to refuse — or a row given by registry id — and it rolls back what it wrote and
returns None: the full path (`bind`) then reads the people and names every row at fault, with
the same rules and messages as before."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from fangkong.core.crypto import Sealer
from fangkong.core.sql import table
from fangkong.geo.idnumbers import InvalidDocument, check_id_input
from fangkong.geo.models import Household, Person

from ...choices import PoolingMode, TubeStatus
from ...models import SamplingPoint, TestingRound, TubeMember
from .rows import Binding
from .tube_writes import MEMBER_COLUMNS, MEMBER_REST, write_changed_tubes, write_new_tubes
from .tubes import TubeState, read_tubes, tubes_of

ROWS_TABLE = "_binding_rows"


class _ForTheFullPath(Exception):
    """Something to refuse: the full path names it."""


def bind_in_database(
    actor: Any,
    testing_round: TestingRound,
    rows: list[Binding],
    sampling_point: SamplingPoint | None,
    pooling_mode: str,
    at: dt.datetime,
    close_when_full: bool,
    sealer: Sealer,
) -> dict[str, TubeState] | None:
    """The request's tubes, written with their members; None (nothing written) when the full path
    must take it."""
    if connection.vendor != "postgresql" or any(b.person_id is not None for b in rows):
        return None
    hashes = _keyed_hashes(rows, sealer)
    if hashes is None:
        return None
    try:
        with transaction.atomic():
            tubes, errors = tubes_of(actor, testing_round, rows, read_tubes(testing_round, rows), sampling_point, pooling_mode)
            if errors or not _counted(rows, tubes):
                raise _ForTheFullPath
            close_full_tubes(tubes, close_when_full)
            hours = dt.timedelta(hours=testing_round.result_deadline_hours)
            write_new_tubes(testing_round, tubes, at, hours)
            _insert_members(testing_round, rows, hashes, tubes)
            write_changed_tubes(tubes, at, hours)
    except (_ForTheFullPath, IntegrityError, connection.Database.IntegrityError):
        return None
    return tubes


def close_full_tubes(tubes: dict[str, TubeState], close_when_full: bool) -> None:
    for s in tubes.values():
        if close_when_full and s.full:
            s.status = TubeStatus.CLOSED


def _keyed_hashes(rows: list[Binding], sealer: Sealer) -> list[list[str]] | None:
    """Each row's number hashed under every key of the ring; None when a number is not a valid one."""
    lookup, today = sealer.lookup_hashes, timezone.localdate()
    try:
        return [lookup("id", check_id_input(b.id_number, today=today)) for b in rows]
    except InvalidDocument:
        return None


def _counted(rows: list[Binding], tubes: dict[str, TubeState]) -> bool:
    """The rows added to their tubes' counts in request order; False when one finds its tube full."""
    for b in rows:
        s = tubes[b.barcode]
        if s.full:
            return False
        s.add(b.sampled_at)
    return True


def _insert_members(testing_round: TestingRound, rows: list[Binding], hashes: list[list[str]], tubes: dict[str, TubeState]) -> None:
    """The members, each joined to the registered person of its keyed hash (one row per key of the
    ring; a person is stored under one). Refused to the full path when a number is not registered
    (fewer members than rows), a person is in the request twice or already sampled in the round
    (the unique index), or a 1户1管 tube would hold two households."""
    by_column = {f.column: f for f in TubeMember._meta.concrete_fields}
    rest = ", ".join(f"%s::{by_column[c].cast_db_type(connection)}" for c in MEMBER_COLUMNS[len(MEMBER_COLUMNS) - len(MEMBER_REST) :])
    temp = connection.ops.quote_name(ROWS_TABLE)
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {temp}")
        cur.execute(f"CREATE TEMPORARY TABLE {temp} (id_hash text, tube_id bigint, sampled_at timestamptz) ON COMMIT DROP")
        with cur.cursor.copy(f"COPY {temp} FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "int8", "timestamptz"])
            for b, each in zip(rows, hashes, strict=True):
                tube_id = tubes[b.barcode].id
                for h in each:
                    copy.write_row((h, tube_id, b.sampled_at))
        cur.execute(f"ANALYZE {temp}")
        columns = ", ".join(connection.ops.quote_name(c) for c in MEMBER_COLUMNS)
        cur.execute(
            f"INSERT INTO {table(TubeMember)} ({columns}) "
            f"SELECT %s, r.tube_id, p.id, p.district_id, p.street_id, p.community_id, p.grid_id, p.household_id, "
            f"h.building_id, h.unit_id, r.sampled_at{', ' + rest if rest else ''} "
            f"FROM {temp} r JOIN {table(Person)} p ON p.id_hash = r.id_hash LEFT JOIN {table(Household)} h ON h.id = p.household_id",
            [testing_round.pk, *MEMBER_REST],
        )
        written = cur.rowcount
        cur.execute(f"DROP TABLE {temp}")
        if written != len(rows) or _household_mixed(cur, tubes):
            raise _ForTheFullPath


def _household_mixed(cur: Any, tubes: dict[str, TubeState]) -> bool:
    """A 1户1管 tube now holding people of two households (no household counts as one)."""
    ids = [s.id for s in tubes.values() if s.pooling_mode == PoolingMode.HOUSEHOLD]
    if not ids:
        return False
    cur.execute(
        f"SELECT 1 FROM {table(TubeMember)} WHERE tube_id = ANY(%s) GROUP BY tube_id HAVING count(DISTINCT coalesce(household_id, 0)) > 1",
        [ids],
    )
    return cur.fetchone() is not None
