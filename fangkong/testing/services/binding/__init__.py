"""Binding people to tubes — one at a time or thousands per request — in one function, `bulk_bind`.

Every binding path (the sampler's page adding one person, a sampling app posting 5,000 bindings,
the benchmark loading a whole round) goes through it, so the rules are the same everywhere:
capacity, one routine sample per person per round (refused naming the earlier tube and sampling
point), household tubes hold one household, the tube closes when full. A request is written all or
nothing; set-based: a handful of queries per request, then COPY (PostgreSQL) or executemany
(SQLite) through fangkong.core.bulk.

The package, by phase: `rows` (the request's rows and their own format), `people` (who each row
names, and how a refusal names them), `tubes` (the round's tubes read, planned and counted into),
`tube_writes` (the writes), `already_sampled` (the one-sample-per-round refusal), and `bind`
(`bulk_bind`, the phases in order, all or nothing).
"""

from .bind import bulk_bind, check_round_open
from .rows import ID_NUMBER_RULE, NOT_REGISTERED, Binding, BindReport, field_of
from .tube_writes import MEMBER_COLUMNS, TUBE_COLUMNS

__all__ = [
    "ID_NUMBER_RULE",
    "MEMBER_COLUMNS",
    "NOT_REGISTERED",
    "TUBE_COLUMNS",
    "BindReport",
    "Binding",
    "bulk_bind",
    "check_round_open",
    "field_of",
]
