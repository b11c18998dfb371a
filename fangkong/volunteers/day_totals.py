"""The totals' daily roll-up (DayTotal, decision 0016), kept by the database's triggers (migration
volunteers 0004): the same rows computed live from the shifts, trips and disinfection records, to
check it (`day_totals_differ`) or write it again (`day_totals_rebuild`, after a load that bypassed
the triggers: `session_replication_role = replica`, triggers disabled, a restore without them).

A row per Beijing day and key (point — 0 for trips and disinfection —, organisation, district,
street, community; 0 for none): attended shifts (checked in or done) and their minutes by the shift's
start, trips and tenths of kilometres by the trip's start, terminal disinfections and community m²
by when it was done.
"""

from __future__ import annotations

from django.db import connection, transaction

from fangkong.core.sql import table
from fangkong.policy.regimen import LOCAL_TZ

from .choices import ATTENDED, DisinfectionKind
from .models import Assignment, DayTotal, Disinfection, Trip

KEY = ("day", "point_id", "organisation_id", "district_id", "street_id", "community_id")
SUMS = ("attendance", "minutes", "trips", "decikilometres", "terminal_places", "square_metres")


def _day(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} AT TIME ZONE '{LOCAL_TZ.key}')::date"
    return f"date({column}, '+8 hours')"  # Beijing: UTC+8, no daylight saving since 1991


def _part(source: str, exprs: list[str], where: str = "") -> str:
    named = ", ".join(f"{e} AS {n}" for e, n in zip(exprs, KEY + SUMS, strict=True))
    return f"SELECT {named} FROM {source}{where}"


def live_sql() -> str:
    """SELECT day, point_id, …, attendance, … — the roll-up's rows (those not all zero) from the sources."""
    places = [f"COALESCE({c}, 0)" for c in KEY[2:]]
    km = "CAST((kilometres * 10) AS bigint)" if connection.vendor == "postgresql" else "CAST(ROUND(kilometres * 10) AS INTEGER)"
    attended = ", ".join(f"'{s.value}'" for s in ATTENDED)
    terminal = f"CASE WHEN kind = '{DisinfectionKind.TERMINAL.value}' THEN 1 ELSE 0 END"
    area = f"CASE WHEN kind = '{DisinfectionKind.COMMUNITY.value}' THEN square_metres ELSE 0 END"
    union = " UNION ALL ".join(
        [
            _part(table(Assignment), [_day("starts_at"), "point_id", *places, "1", "minutes", "0", "0", "0", "0"],
                  f" WHERE status IN ({attended})"),
            _part(table(Trip), [_day("started_at"), "0", *places, "0", "0", "1", km, "0", "0"]),
            _part(table(Disinfection), [_day("done_at"), "0", *places, "0", "0", "0", "0", terminal, area]),
        ]
    )  # fmt: skip
    keys = ", ".join(KEY)
    return (
        f"SELECT {keys}, {', '.join(f'SUM({s})' for s in SUMS)} FROM ({union}) c GROUP BY {keys} "
        f"HAVING {' OR '.join(f'SUM({s}) <> 0' for s in SUMS)}"
    )


def _stored_sql() -> str:
    nonzero = " OR ".join(f"{s} <> 0" for s in SUMS)
    return f"SELECT {', '.join(KEY + SUMS)} FROM {table(DayTotal)} WHERE {nonzero}"


def day_totals_differ() -> tuple[int, int]:
    """The stored roll-up against the live one: (live rows missing or different in the table, stored
    rows not live or different) — (0, 0) when the triggers kept it. Rows all zero are left out."""
    live, stored = live_sql(), _stored_sql()
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM ({live} EXCEPT {stored}) x")
        missing = int(cur.fetchone()[0])
        cur.execute(f"SELECT COUNT(*) FROM ({stored} EXCEPT {live}) x")
        extra = int(cur.fetchone()[0])
    return missing, extra


@transaction.atomic
def day_totals_rebuild() -> int:
    """Write the roll-up again from the sources; returns its number of rows."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Writers of shifts, trips and disinfection wait until this commits (their triggers would
            # add to rows about to be replaced); those committed before are read.
            cur.execute(f"LOCK TABLE {table(Assignment)}, {table(Trip)}, {table(Disinfection)} IN SHARE MODE")
        cur.execute(f"DELETE FROM {table(DayTotal)}")
        cur.execute(f"INSERT INTO {table(DayTotal)} ({', '.join(KEY + SUMS)}) {live_sql()}")
    return DayTotal.objects.count()
