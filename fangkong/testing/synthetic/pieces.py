"""Pieces shared with bench/testing_round.py: packing people into tubes, a lab's result row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fangkong.results.choices import Result

from ..ingest.rows import ResultRow


def pack_tubes(people: Iterable[tuple[Any, Any]], capacity: Callable[[Any], int]) -> Iterator[tuple[int, Any, Any]]:
    """Pack people, in the order given, into tubes the way a sampling point fills them.

    `people` yields (person, community); a new tube starts when the community changes or the tube
    holds capacity(community) people. Yields (tube number from 1, community, person)."""
    tube_no, in_tube, current = 0, 0, object()
    for person, community in people:
        if community != current or in_tube >= capacity(community):
            tube_no, in_tube, current = tube_no + 1, 0, community
        in_tube += 1
        yield tube_no, community, person


def lab_result(
    row: int, barcode: str, reported_at: dt.datetime, *, positive: bool = False, ct: tuple[float, float] = (27.5, 28.0)
) -> ResultRow:
    """One row of a lab's result file: negative without Ct values, positive with both Ct values."""
    if positive:
        return ResultRow(row, barcode, Result.POSITIVE, ct[0], ct[1], reported_at)
    return ResultRow(row, barcode, Result.NEGATIVE, None, None, reported_at)
