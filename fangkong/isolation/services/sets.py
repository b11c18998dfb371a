"""Set-based pieces the 快隔 bulk paths share (check-in, 流调): chunks of ids, `= ANY(array)` on
PostgreSQL, the columns to COPY, and a race stopped by a unique index turned into a refusal."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Q

from fangkong.core.errors import DomainError
from fangkong.core.rows import RowError, RowsRefused
from fangkong.core.sql import PG_CHUNK, SQLITE_CHUNK


def refuse_rows(errors: list[RowError], fallback: str) -> None:
    if errors:
        rules = {e.rule for e in errors if e.rule}
        raise RowsRefused(errors, rule=rules.pop() if len(rules) == 1 else fallback)


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
