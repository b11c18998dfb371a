"""Set-based SQL that works on both databases: look-ups of many keys, updates of many rows, values
in raw SQL. Bulk writes (COPY) live in fangkong.core.bulk."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from django.db import connection, models
from django.db.models import F, Q
from django.utils import timezone

from . import generations

SQLITE_CHUNK = 900  # below SQLite's bound-parameter limit
PG_CHUNK = 50_000
# Keys per look-up query in fetch_in. At 50,000 keys PostgreSQL (default random_page_cost 4) planned
# a look-up of people by keyed hash as a parallel scan of the whole 3.3-million-person table and a
# hash join with every household (0.55–2.7 s); at 10,000 each query is index probes (5 queries,
# 0.34 s in all, rows fetched included). Measured in bench/testing_round, 2026-11-22.
PG_LOOKUP_CHUNK = 10_000


def db_value(value: Any) -> Any:
    """A Python value as the database driver wants it in raw SQL (naive UTC text on SQLite)."""
    if isinstance(value, dt.datetime) and connection.vendor != "postgresql":
        return connection.ops.adapt_datetimefield_value(value)
    return value


def json_value(value: Any) -> Any:
    """A JSON column's value for `bulk_update` (declared "jsonb"): jsonb on PostgreSQL, text on SQLite."""
    if connection.vendor == "postgresql":
        return psycopg.types.json.Jsonb(value)
    return json.dumps(value, ensure_ascii=False)


def read_datetime(value: Any) -> dt.datetime | None:
    """A datetime read back through raw SQL, always aware (UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def fetch_in(
    sql: str, values: Sequence[Any], params_before: Sequence[Any] = (), params_after: Sequence[Any] = (), *, pg_chunk: int = PG_LOOKUP_CHUNK
) -> list[tuple]:
    """Run `sql` whose WHERE contains the marker {IN} for "column IN values", in chunks (the other
    parameters: `params_before` the marker, `params_after` it).

    PostgreSQL: `= ANY(%s)` with an array (one round trip per `pg_chunk` keys, 10,000 by default: a
    statement whose every run scans whole tables asks for more); SQLite: IN (?, …) per 900."""
    if not values:
        return []
    out: list[tuple] = []
    values = list(values)
    if connection.vendor == "postgresql":
        # Rows in binary, decoded by psycopg's C loaders (Django's own timestamptz loader is Python:
        # 0.13 s per 20,000 tubes of a lab upload); datetimes arrive aware, in UTC.
        # A server-binding cursor: Django's client-side cursors cannot return binary rows.
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cur:
            for i in range(0, len(values), pg_chunk):
                literal, cast = pg_array(values[i : i + pg_chunk])
                cur.execute(sql.replace("{IN}", f"= ANY(%s::{cast})"), [*params_before, literal, *params_after], binary=True)
                out.extend(cur.fetchall())
        return out
    with connection.cursor() as cur:
        for i in range(0, len(values), SQLITE_CHUNK):
            chunk = values[i : i + SQLITE_CHUNK]
            marks = "(" + ", ".join(["%s"] * len(chunk)) + ")"
            cur.execute(sql.replace("{IN}", f"IN {marks}"), [*params_before, *chunk, *params_after])
            out.extend(cur.fetchall())
    return out


def fetch_for_ids(sql: str, ids: Sequence[int], params_after: Sequence[Any] = ()) -> list[tuple]:
    """Run `sql` whose text contains the marker {IDS} where a relation of the ids (one column, `id`)
    goes, e.g. `WITH asked AS ({IDS}) …`, a chunk of ids at a time (10,000 on PostgreSQL, as one
    array; 900 on SQLite, as a JSON array). `params_after` are the parameters after the marker."""
    ids = [int(i) for i in ids]
    if not ids:
        return []
    out: list[tuple] = []
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cur:  # binary rows, as fetch_in
            for i in range(0, len(ids), PG_LOOKUP_CHUNK):
                literal, _ = pg_array(ids[i : i + PG_LOOKUP_CHUNK])
                cur.execute(sql.replace("{IDS}", "SELECT unnest(%s::bigint[]) AS id"), [literal, *params_after], binary=True)
                out.extend(cur.fetchall())
        return out
    with connection.cursor() as cur:
        for i in range(0, len(ids), SQLITE_CHUNK):
            cur.execute(
                sql.replace("{IDS}", "SELECT value AS id FROM json_each(%s)"), [json.dumps(ids[i : i + SQLITE_CHUNK]), *params_after]
            )
            out.extend(cur.fetchall())
    return out


def pg_array(values: Sequence[Any]) -> tuple[str, str]:
    """A PostgreSQL array literal and its type for ints or strings: one text parameter the server
    parses, instead of the driver adapting 50,000 list items one by one (measured 0.24 s per
    100,000 items in psycopg's list dumper)."""
    if all(isinstance(v, int) for v in values):
        return "{" + ",".join(map(str, values)) + "}", "bigint[]"
    quoted = ('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}", "text[]"


# Above this many rows, PostgreSQL updates go through a COPYed temporary table and one joined UPDATE.
PG_TEMP_TABLE_ROWS = 500


def bulk_update(model: type[models.Model], columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]]) -> int:
    """UPDATE many rows by id. `columns` = [(column, postgres type)], rows = (id, value per column).

    PostgreSQL: small batches as one UPDATE … FROM (VALUES …); large ones COPY into a temporary
    table and run one UPDATE … FROM it (a VALUES list per 2,000 rows made the planner scan the
    whole table once per chunk: 11× a plain COPY on 330,000 tubes). SQLite: executemany."""
    pg = connection.vendor == "postgresql"  # psycopg takes the values as they are
    rows = [tuple(r) if pg else tuple(db_value(v) for v in r) for r in rows]
    if not rows:
        return 0
    generations.table_written(model)  # places, grants: the cached jurisdictions built on them (decision 0012)
    tbl = table(model)
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{q(c)} = %s" for c, _ in columns)
            cur.executemany(f"UPDATE {tbl} SET {sets} WHERE id = %s", [(*r[1:], r[0]) for r in rows])
            return len(rows)
        names = ", ".join(["id", *(q(c) for c, _ in columns)])
        sets = ", ".join(f"{q(c)} = v.{q(c)}" for c, _ in columns)
        if len(rows) <= PG_TEMP_TABLE_ROWS:
            one = "(" + ", ".join(["%s::bigint", *(f"%s::{t}" for _, t in columns)]) + ")"
            values = ", ".join([one] * len(rows))
            sql = f"UPDATE {tbl} AS t SET {sets} FROM (VALUES {values}) AS v({names}) WHERE t.id = v.id"
            cur.execute(sql, [x for r in rows for x in r])
            return len(rows)
        temp = q(f"_bulk_update_{model._meta.db_table}")
        typed = ", ".join(["id bigint", *(f"{q(c)} {t}" for c, t in columns)])
        cur.execute(f"DROP TABLE IF EXISTS {temp}")
        cur.execute(f"CREATE TEMPORARY TABLE {temp} ({typed}) ON COMMIT DROP")
        # Binary, each column dumped by its declared type with psycopg's C dumpers (as BulkWriter's
        # binary COPY): 20,000 tube updates of a lab file 0.10 → 0.03 s client CPU (bench/README.md).
        with cur.cursor.copy(f"COPY {temp} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["bigint", *(t for _, t in columns)])
            for r in rows:
                copy.write_row(r)
        cur.execute(f"ANALYZE {temp} (id)")  # the join's column only: 20,000 rows 17 → 6 ms
        cur.execute(f"UPDATE {tbl} AS t SET {sets} FROM {temp} AS v WHERE t.id = v.id")
        cur.execute(f"DROP TABLE {temp}")
    return len(rows)


# ---- many keys through the ORM ----


def chunks(values: Sequence[Any]) -> Iterator[list[Any]]:
    size = PG_CHUNK if connection.vendor == "postgresql" else SQLITE_CHUNK
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


class AnyOf(models.Func):
    """`column = ANY(%s)` with the values as one array parameter (PostgreSQL): a 20,000-value `IN`
    list costs Django ~60 ms to compile and PostgreSQL as much to parse, per query."""

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, field: str, values: list[Any]) -> None:
        super().__init__(F(field))
        self.values = values

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column = self.source_expressions[0]
        lhs, params = compiler.compile(column)
        # Typed as the column: `bigint = ANY(integer[])` cannot be hashed, and a sequential scan then
        # compares every row with every value (seconds for 20,000 × 80,000).
        return f"{lhs} = ANY(%s::{column.output_field.cast_db_type(connection)}[])", [*params, self.values]


def any_of(field: str, values: list[Any]) -> Q | AnyOf:
    """`field__in=values`, as one array parameter on PostgreSQL."""
    if connection.vendor == "postgresql":
        return AnyOf(field, list(values))
    return Q(**{f"{field}__in": values})
