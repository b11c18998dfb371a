"""The ledger's figures the database keeps (LedgerCount, PairCount; decision 0015): what they should
hold, counted from the ledger and the pairs (`live_tallies`), what they hold (`stored_tallies`), the
difference (`figures_differ`) and a rebuild (`figures_rebuild`, after a load that bypassed the
triggers). `manage.py ledger_figures` runs the check, `--rebuild` the rebuild."""

from __future__ import annotations

from django.db import connection, transaction

from .choices import EntryStatus
from .models import LedgerCount, LedgerEntry, PairCount, Pairing

KEY = ("district_id", "street_id", "community_id", "grid_id")
Tally = dict[tuple[int, ...], int]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _key(alias: str) -> str:
    return ", ".join(f"COALESCE({alias}.{c}, 0)" for c in KEY)


def _live_sql() -> tuple[str, str]:
    entry, pairing, active = _table(LedgerEntry), _table(Pairing), EntryStatus.ACTIVE.value
    ledger = f"SELECT {_key('e')}, COUNT(*) FROM {entry} e WHERE e.status = '{active}' GROUP BY 1, 2, 3, 4"
    pairs = (
        f"SELECT {_key('e')}, p.member_id, COUNT(*) FROM {pairing} p JOIN {entry} e ON e.id = p.entry_id "
        f"WHERE p.ended_at IS NULL AND e.status = '{active}' GROUP BY 1, 2, 3, 4, 5"
    )
    return ledger, pairs


def _rows(sql: str) -> Tally:
    with connection.cursor() as cur:
        cur.execute(sql)
        return {tuple(int(v) for v in row[:-1]): int(row[-1]) for row in cur.fetchall() if row[-1]}


def live_tallies() -> tuple[Tally, Tally]:
    """(place → residents on the ledger, (place, member) → live pairs), counted from the rows."""
    ledger, pairs = _live_sql()
    return _rows(ledger), _rows(pairs)


def stored_tallies() -> tuple[Tally, Tally]:
    """The same, as the triggers kept them (rows at 0 left out)."""
    ledger = {tuple(r[:-1]): r[-1] for r in LedgerCount.objects.exclude(active=0).values_list(*KEY, "active")}
    pairs = {tuple(r[:-1]): r[-1] for r in PairCount.objects.exclude(live=0).values_list(*KEY, "member_id", "live")}
    return ledger, pairs


def figures_differ() -> list[str]:
    """Each stored figure that differs from the rows, described; [] when the triggers kept them."""
    out = []
    for name, live, stored in zip(("ledger", "pairs"), live_tallies(), stored_tallies(), strict=True):
        for k in sorted(set(live) | set(stored)):
            if live.get(k, 0) != stored.get(k, 0):
                out.append(f"{name} {k}: stored {stored.get(k, 0)}, counted {live.get(k, 0)}")
    return out


@transaction.atomic
def figures_rebuild() -> tuple[int, int]:
    """Write the figures again from the rows (PostgreSQL: with the ledger and the pairs locked against
    writers meanwhile). Returns (ledger rows, pair rows) written."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"LOCK TABLE {_table(LedgerEntry)}, {_table(Pairing)} IN SHARE MODE")
    LedgerCount.objects.all().delete()
    PairCount.objects.all().delete()
    ledger, pairs = live_tallies()
    LedgerCount.objects.bulk_create([LedgerCount(**dict(zip(KEY, k, strict=True)), active=n) for k, n in ledger.items()], batch_size=2000)
    PairCount.objects.bulk_create(
        [PairCount(**dict(zip(KEY, k[:4], strict=True)), member_id=k[4], live=n) for k, n in pairs.items()], batch_size=2000
    )
    return len(ledger), len(pairs)
