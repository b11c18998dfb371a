"""Bulk writes for millions of rows: PostgreSQL COPY through psycopg 3, executemany on SQLite.

Never row-by-row ORM saves. Rows carry explicit primary keys reserved up front with
`reserve_ids`, so children (households → people → tags) can point at parents written in the same
batch. Call inside a transaction: a failure or a kill leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, models, transaction

from . import generations
from .errors import DomainError

BATCH = 10_000
# Below this many rows the index upkeep during COPY is cheaper than rebuilding the indexes.
DEFERRED_INDEXES_MIN_ROWS = 50_000


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for `model` (PostgreSQL: from its sequence; SQLite: after max(id))."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # The sequence looked up once: inside the SELECT, pg_get_serial_sequence ran once per row
            # (measured 80–100 ms for 20,000 ids; 13 ms with the sequence's oid looked up first).
            cur.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')::regclass::oid")
            sequence = cur.fetchone()[0]
            cur.execute("SELECT nextval(%s::oid::regclass) FROM generate_series(1, %s)", [sequence, count])
            return [r[0] for r in cur.fetchall()]
        # SQLite: a write transaction holds the database lock, so max(id) cannot move under us.
        cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
        start = cur.fetchone()[0] + 1
        reserved = _sqlite_reserved.get(table, 0)
        start = max(start, reserved)
        _sqlite_reserved[table] = start + count
        return list(range(start, start + count))


def analyze_if_grown(*models_: type[models.Model], min_rows: int = 100_000) -> list[str]:
    """ANALYZE each table whose rows changed since its last ANALYZE by at least its size then (and
    `min_rows`). PostgreSQL only; returns the tables analysed.

    Bulk writers call this after writing: a round's member table grows from nothing to millions in
    minutes, faster than autovacuum re-samples it, and plans made from the old statistics went badly
    wrong (a nested loop over 2,970,000 members for the city's coverage; 14 s for one look-up). With
    the doubling rule a round of 3 million members is analysed about six times, ~0.2 s each."""
    if connection.vendor != "postgresql":
        return []
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT s.relname, s.n_mod_since_analyze, GREATEST(c.reltuples, 0) FROM pg_stat_user_tables s "
            "JOIN pg_class c ON c.oid = s.relid WHERE s.relname = ANY(%s)",
            [tables],
        )
        due = [name for name, changed, size in cur.fetchall() if changed >= max(min_rows, size)]
        for name in due:
            cur.execute(f'ANALYZE "{name}"')
    return due


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for one bulk request (also usable as a decorator).

    A 50,000-binding request allocates hundreds of thousands of tuples and strings, none of them in
    reference cycles; the collector's passes over them cost 80–140 ms per request (measured, 10 % of
    the request). Reference counting still frees everything; the collector resumes afterwards and
    collects any cycle then. Left alone when something else already paused it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# SQLite hands out ids from max(id)+1; remember what was handed out but not yet written in this process.
_sqlite_reserved: dict[str, int] = {}


def forget_reservations() -> None:
    _sqlite_reserved.clear()


def _copy_text(value: object) -> str:
    """One value in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


# PostgreSQL column types (as Django declares them) → the names psycopg's binary dumpers know.
PG_BINARY_TYPES = {
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "boolean": "bool",
    "timestamp with time zone": "timestamptz",
    "date": "date",
    "double precision": "float8",
    "varchar": "text",
    "text": "text",
}


class BulkWriter:
    """Write tuples into one table's `columns` as fast as the database allows.

    `binary=True` COPYs in PostgreSQL's binary format, each value dumped by psycopg's C dumper for
    the column's type (measured 5× faster than text COPY on 50,000 member rows); the values must
    then be of the column's Python type (int, bool, aware datetime, str …), not text to be parsed."""

    def __init__(self, model: type[models.Model], columns: Sequence[str], *, binary: bool = False) -> None:
        self.model = model
        self.table = model._meta.db_table
        self.columns = list(columns)
        self.written = 0
        by_column = {f.column: f for f in model._meta.concrete_fields}
        # SQLite gets dates as ISO text; only those columns are converted, the rest pass as they are.
        self._date_columns = [i for i, c in enumerate(self.columns) if isinstance(by_column.get(c), models.DateField)]
        self._binary_fields = [by_column[c] for c in self.columns] if binary else None

    def write(self, rows: Iterable[Sequence[object]]) -> int:
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return 0
        if connection.vendor == "postgresql":
            self._copy(rows)
        else:
            self._executemany(rows)
        self.written += len(rows)
        generations.table_written(self.model)  # e.g. places: the cached jurisdictions built on them
        return len(rows)

    def _copy(self, rows: list[Sequence[object]]) -> None:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        connection.ensure_connection()
        raw = connection.connection  # psycopg 3 connection
        # write_row formats in psycopg's C dumpers: measured 4× faster than joining text in Python.
        binary = self._binary_fields is not None
        with raw.cursor() as cur, cur.copy(f'COPY "{self.table}" ({cols}) FROM STDIN' + (" (FORMAT BINARY)" if binary else "")) as copy:
            if binary:
                copy.set_types(_binary_types(self._binary_fields))
            for row in rows:
                copy.write_row(row)

    def _executemany(self, rows: list[Sequence[object]]) -> None:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        marks = ", ".join("?" for _ in self.columns)
        sql = f'INSERT INTO "{self.table}" ({cols}) VALUES ({marks})'
        connection.ensure_connection()
        cur = connection.connection.cursor()  # the raw sqlite3 cursor: no per-row Django overhead
        dates = self._date_columns
        try:
            for start in range(0, len(rows), BATCH):
                chunk = rows[start : start + BATCH]
                if dates:
                    chunk = [_with_iso_dates(r, dates) for r in chunk]
                cur.executemany(sql, chunk)
        finally:
            cur.close()


def _binary_types(fields: Sequence[models.Field]) -> list[str]:
    names = []
    for f in fields:
        declared = (f.db_type(connection) or "").split("(")[0].strip()
        if declared not in PG_BINARY_TYPES:
            raise ValueError(f"binary COPY does not know the column type {declared!r} of {f.model.__name__}.{f.name}")
        names.append(PG_BINARY_TYPES[declared])
    return names


def _with_iso_dates(row: Sequence[object], indexes: list[int]) -> list[object]:
    values = list(row)
    for i in indexes:
        v = values[i]
        if isinstance(v, dt.datetime):
            # As Django stores them on SQLite: naive UTC text, so text comparisons in SQL agree.
            if v.tzinfo is not None:
                v = v.astimezone(dt.UTC).replace(tzinfo=None)
            values[i] = v.isoformat(" ")
        elif isinstance(v, dt.date):
            values[i] = v.isoformat()
    return values


# ---- initial loads: drop secondary indexes and FKs, COPY, rebuild ----------------------------


class RebuildFailed(IntegrityError):
    """A unique index or foreign key rebuilt after a deferred-index load found bad rows; the
    whole transaction must roll back (and does: the exception leaves the atomic block)."""


@dataclass
class DeferredIndexes:
    """What `deferred_indexes` dropped and how long the drop and rebuild took (for benchmarks)."""

    tables: list[str]
    indexes: list[tuple[str, str, str]] = field(default_factory=list)  # (table, name, CREATE INDEX …)
    constraints: list[tuple[str, str, str, str]] = field(default_factory=list)  # (table, name, contype, definition)
    drop_s: float = 0.0
    rebuild_s: float = 0.0
    rebuilt: bool = False


# The last use in this process, so a benchmark can report it; nothing else reads it.
last_deferred: DeferredIndexes | None = None


@contextmanager
def deferred_indexes(*models_: type[models.Model], maintenance_work_mem: str = "256MB") -> Iterator[DeferredIndexes | None]:
    """PostgreSQL initial-load fast path: drop the secondary indexes and the foreign-key and
    unique constraints of `models_`' tables, let the caller COPY, then rebuild them all before the
    transaction commits. On SQLite (or with no models) it does nothing.

    Building a b-tree once from sorted data is far cheaper than keeping it up to date through
    millions of random-order inserts (id_hash, phone_hash …), and re-adding a foreign key checks
    every row with one join instead of one deferred trigger per row at COMMIT.

    The definitions are read from the catalogue (pg_index / pg_constraint with pg_get_indexdef and
    pg_get_constraintdef), so what is rebuilt is exactly what the migrations created. Primary keys
    stay (other tables' foreign keys point at them). A rebuilt unique constraint or foreign key
    that finds bad rows raises RebuildFailed, naming the constraint and PostgreSQL's detail; the
    whole transaction then rolls back. If the body raises, nothing is rebuilt: the rollback restores
    the dropped indexes with everything else, because DDL is transactional in PostgreSQL — a kill
    midway leaves the database exactly as it was.

    LOCKING: the tables are locked ACCESS EXCLUSIVE from the start until the transaction ends, so
    nobody else can even read them during the load. That is why callers use this only for the first
    large load into an empty registry (the importer: geo_person empty and ≥ DEFERRED_INDEXES_MIN_ROWS
    rows; make_city: always starts from an empty registry). Must run inside transaction.atomic().

    `maintenance_work_mem` is raised with SET LOCAL for the rebuild so the index sorts stay in
    memory (PostgreSQL's memory, not this process's), and put back afterwards. synchronous_commit
    is left alone: turning it off would save one WAL flush at COMMIT and could lose a load the job
    already reported as committed if the server crashed just after.
    """
    global last_deferred
    if connection.vendor != "postgresql" or not models_:
        yield None
        return
    if not connection.in_atomic_block:
        raise RuntimeError("deferred_indexes() must run inside transaction.atomic()")
    tables = [m._meta.db_table for m in models_]
    state = DeferredIndexes(tables=tables)
    started = time.perf_counter()
    quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
    with connection.cursor() as cur:
        cur.execute(f"LOCK TABLE {quoted} IN ACCESS EXCLUSIVE MODE")
        # Foreign keys, unique and exclusion constraints of these tables (not primary keys).
        cur.execute(
            "SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)"
            " FROM pg_constraint c WHERE c.conrelid = ANY(%s::text[]::regclass[]) AND c.contype IN ('f', 'u', 'x')"
            " ORDER BY c.conrelid::regclass::text, c.conname",
            [tables],
        )
        state.constraints = [tuple(r) for r in cur.fetchall()]
        # Plain indexes: neither the primary key nor the index behind a constraint.
        cur.execute(
            "SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
            " FROM pg_index i WHERE i.indrelid = ANY(%s::text[]::regclass[]) AND NOT i.indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)"
            " ORDER BY 1, 2",
            [tables],
        )
        state.indexes = [tuple(r) for r in cur.fetchall()]
        # Rows written earlier in this transaction may still owe their deferred foreign-key checks,
        # and PostgreSQL refuses to alter a table with pending trigger events: run those checks now.
        # (Dropping a foreign key touches the referenced table's triggers too, so this is every
        # constraint.) Then the initially-deferred ones go back to deferred, as they were.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE condeferrable AND NOT condeferred)")
        if cur.fetchone()[0]:
            cur.execute("SELECT DISTINCT conname FROM pg_constraint WHERE condeferrable AND condeferred")
            names = [connection.ops.quote_name(r[0]) for r in cur.fetchall()]
            if names:
                cur.execute(f"SET CONSTRAINTS {', '.join(names)} DEFERRED")
        else:
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
        # Foreign keys first: a unique constraint cannot go while a foreign key still uses it.
        for table, name, _kind, _definition in sorted(state.constraints, key=lambda c: c[2] != "f"):
            cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for _table, name, _definition in state.indexes:
            cur.execute(f"DROP INDEX {name}")
    state.drop_s = time.perf_counter() - started
    last_deferred = state
    yield state  # an exception here skips the rebuild; the caller's rollback restores everything
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('maintenance_work_mem')")
        previous = cur.fetchone()[0]
        cur.execute("SELECT set_config('maintenance_work_mem', %s, true)", [maintenance_work_mem])
        for _table, _name, definition in state.indexes:
            cur.execute(definition)
        # Unique and exclusion constraints before the foreign keys that might reference them.
        for table, name, _kind, definition in sorted(state.constraints, key=lambda c: c[2] == "f"):
            try:
                cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
            except IntegrityError as exc:
                detail = getattr(getattr(exc.__cause__, "diag", None), "message_detail", None) or str(exc)
                raise RebuildFailed(
                    f"批量写入后重建约束 {name}（表 {table}）失败，整批数据已回滚：{detail}"
                    f" / rebuilding constraint {name} on {table} after the bulk load failed; the whole load was rolled back: {detail}"
                ) from exc
        cur.execute("SELECT set_config('maintenance_work_mem', %s, true)", [previous])
    state.rebuild_s = time.perf_counter() - started
    state.rebuilt = True


def user_id_or_none(actor: Any) -> int | None:
    return actor.pk if getattr(actor, "is_authenticated", False) else None


def layout(model: type[models.Model], given: Sequence[str]) -> tuple[list[str], tuple]:
    """The columns to write: `given` first, then every other concrete column with its empty value
    (NULL, the field's default, or '') — computed once per call, not per row."""
    rest, values = [], []
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key:
            continue
        rest.append(f.column)
        if f.null:
            values.append(None)
        elif f.has_default():
            values.append(f.get_default())
        elif isinstance(f, (models.CharField, models.TextField)):
            values.append("")
        else:  # pragma: no cover - a new non-null column without a default must be given
            raise TypeError(f"{model.__name__}.{f.name} needs a value")
    return [*given, *rest], tuple(values)


@contextmanager
def refused_if_raced(message: str, rule_name: str) -> Iterator[None]:
    """Another call (bulk or single) got past the checks at the same instant: the unique index stops
    this one, and it gets a refusal naming the rule instead of a server error."""
    try:
        with transaction.atomic():
            yield
    except (IntegrityError, connection.Database.IntegrityError) as exc:  # COPY raises the driver's own error
        raise DomainError(message, rule=rule_name) from exc
