"""`bulk_bind`: a binding request checked phase by phase (the rows' format, the people, the tubes,
the counts in each tube) and written all or nothing, with one audit event for the batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.bulk import analyze_if_grown, gc_paused
from fangkong.core.clock import now
from fangkong.core.crypto import Sealer
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.rows import RowsRefused
from fangkong.core.scoping import jurisdiction_of
from fangkong.geo.lookup import NumbersToCount, counting_refused_numbers

from ... import events
from ...choices import RoundStatus, TubeStatus
from ...models import SamplingPoint, TestingRound, Tube, TubeMember
from ...permissions import TestingCap
from ..rounds import round_sampling_started
from .already_sampled import sampled_earlier
from .in_database import bind_in_database, close_full_tubes
from .people import numbers_not_found, people_of
from .rows import ID_NUMBER_RULE, Binding, BindReport, check_format
from .tube_writes import write_changed_tubes, write_members, write_new_tubes
from .tubes import TubeState, count_into_tubes, read_tubes, tubes_of


def check_round_open(testing_round: TestingRound) -> None:
    if testing_round.status == RoundStatus.CLOSED:
        raise DomainError(_("第 %(n)s 轮已结束，不能再采样登记") % {"n": testing_round.number}, rule="testing.round_closed")


@counting_refused_numbers("testing.bindings")
@gc_paused()
@transaction.atomic
def bulk_bind(
    *,
    actor: Any,
    testing_round: TestingRound,
    bindings: Iterable[Binding | dict],
    sampling_point: SamplingPoint | None = None,
    pooling_mode: str = "",
    at: dt.datetime | None = None,
    close_when_full: bool = True,
    sealer: Sealer | None = None,
) -> BindReport:
    """Bind people to tubes, opening tubes whose barcode is new in the round. All or nothing.

    `sampling_point` and `pooling_mode` are the defaults for rows that name neither (a sampling
    app posts one point's work; the pooling defaults to the area's, from the active policy).
    Phases: the rows' own format, the people, the tubes, the counts in each tube; then the writes.
    Numbers a refused batch found unregistered are counted as searches after the rollback."""
    require(actor, TestingCap.SAMPLE)
    check_round_open(testing_round)
    at = at or now()
    rows = [b if isinstance(b, Binding) else Binding(**b) for b in bindings]
    check_format(rows, at)
    sealer = sealer or Sealer()
    tubes = bind_in_database(actor, testing_round, rows, sampling_point, pooling_mode, at, close_when_full, sealer)
    if tubes is None:
        tubes = _bind_checked(actor, testing_round, rows, sampling_point, pooling_mode, at, close_when_full, sealer)
    new_tubes = sum(1 for s in tubes.values() if s.is_new)
    closed = [s.barcode for s in tubes.values() if s.status == TubeStatus.CLOSED]
    if testing_round.status == RoundStatus.PLANNED:
        testing_round.status = round_sampling_started(actor=actor, testing_round=testing_round).status
    report = BindReport(len(rows), new_tubes, len(closed), closed[:100])
    transaction.on_commit(lambda: analyze_if_grown(Tube, TubeMember))
    audit_record(
        actor=actor,
        event_type=events.BINDINGS_ADDED,
        obj=testing_round,
        count=len(rows),
        after={
            "members_added": len(rows),
            "tubes_opened": new_tubes,
            "tubes_closed": len(closed),
            "barcodes": sorted(tubes)[:20],
            "sampling_point": sampling_point.pk if sampling_point else None,
        },
    )
    return report


def _bind_checked(
    actor: Any,
    testing_round: TestingRound,
    rows: list[Binding],
    sampling_point: SamplingPoint | None,
    pooling_mode: str,
    at: dt.datetime,
    close_when_full: bool,
    sealer: Sealer,
) -> dict[str, TubeState]:
    """The full path: the people read, every rule checked in Python, every row at fault named (with
    the people already sampled in the round, so one correction suffices); then the writes."""
    tubes = read_tubes(testing_round, rows)
    j = jurisdiction_of(actor)
    people, first_row_of, errors = people_of(rows, j, sealer)
    tubes, tube_errors = tubes_of(actor, testing_round, rows, tubes, sampling_point, pooling_mode)
    errors += tube_errors
    if errors:
        refused = RowsRefused(errors + sampled_earlier(testing_round, rows, people, first_row_of, j), rule="testing.binding")
        numbers = numbers_not_found(rows, people, skip={e.row for e in errors if e.rule == ID_NUMBER_RULE})
        raise NumbersToCount(refused, numbers) if numbers else refused
    errors = count_into_tubes(rows, tubes, people, j)
    if errors:
        raise RowsRefused(errors + sampled_earlier(testing_round, rows, people, first_row_of, j), rule="testing.tube_capacity")
    close_full_tubes(tubes, close_when_full)
    hours = dt.timedelta(hours=testing_round.result_deadline_hours)
    write_new_tubes(testing_round, tubes, at, hours)
    write_members(testing_round, rows, tubes, people, first_row_of, j)
    write_changed_tubes(tubes, at, hours)
    return tubes
