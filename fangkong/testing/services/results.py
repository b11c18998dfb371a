"""Lab results: validated rows → current result per tube → what follows from each result.

Rules (docs/decisions/0002-testing-data-model.md):
- A file is checked whole before anything is written, and every problem of every row is reported
  at once (the parser's and the service's, in one report): a duplicate barcode, a Ct out of 0–50, a
  result reported before the tube was sampled, a lab result that contradicts its own Ct values
  under the policy threshold, a barcode of another round ("该条码属于第 9 轮") — each refuses the
  whole upload, naming the row and field.
- Results for barcodes no round knows, or for tubes nobody was sampled into, are kept as
  UnmatchedResult rows and returned in the report; the rest of the file is applied.
- Receipt is not enforced before results: a tube the lab never signed for (接收) is recorded as
  received by this lab at the upload's time, listed in the report (`received_at_upload`) and
  audited (testing.tubes_received, with the upload as its source).
- The same result again (result, Ct values, report time) changes nothing; a different result for a
  tube adds a row that supersedes the current one (kept, audited) and re-runs the consequences.
- Positive = min(Ct ORF1ab, Ct N) < testing.positive_ct_threshold, read from the active policy; the
  rule is cited on every result (`decided_by`, stored once as a RuleCitation) and on every confirmed
  positive.
- Consequences: a positive pooled tube → each member under in-place control and a 上门单采 task; an
  invalid tube → a 上门单采 task for each member; a positive single tube → a confirmed positive
  awaiting case handling; a negative single tube → the person's in-place control is lifted and
  their re-sampling task done.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter as CountOf
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.bulk import BulkWriter, analyze_if_grown, gc_paused, reserve_ids
from fangkong.core.clock import NOT_IN_FUTURE, future_message, is_future, now
from fangkong.core.errors import PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.rows import RowError, RowsRefused
from fangkong.core.sql import bulk_update, db_value, fetch_in, read_datetime, table
from fangkong.policy.models import RuleCitation
from fangkong.results.rules import Threshold, decide

from .. import events
from ..barcodes import InvalidBarcode, clean_barcode
from ..choices import PoolingMode, TubeStatus, UnmatchedReason
from ..ingest.rows import ResultRow
from ..models import Laboratory, TestingRound, Tube, TubeResult, UnmatchedResult
from ..permissions import TestingCap
from .consequences import apply_consequences

OTHER_ROUND = "testing.result_round"
RESULT_COLUMNS = [
    "id",
    "round_id",
    "tube_id",
    "laboratory_id",
    "result",
    "ct_orf1ab",
    "ct_n",
    "reported_at",
    "decision_citation_id",
    "source",
    "source_row",
    "is_current",
    "superseded_by_id",
    "created_at",
]


@dataclass
class Unmatched:
    row: int
    barcode: str
    reason: str

    def __str__(self) -> str:
        return f"第 {self.row} 行 {self.barcode}: {UnmatchedReason(self.reason).label}"


@dataclass
class ReceivedAtUpload:
    """A tube the lab had not signed for, received by the upload that reported its result."""

    row: int
    barcode: str


@dataclass
class IngestReport:
    rows: int = 0
    created: int = 0
    superseded: int = 0
    unchanged: int = 0
    unmatched: list[Unmatched] = field(default_factory=list)
    received_at_upload: list[ReceivedAtUpload] = field(default_factory=list)
    positives_confirmed: int = 0
    pool_positive_tubes: int = 0
    controls_started: int = 0
    resampling_tasks: int = 0
    controls_lifted: int = 0
    decided_by: str = ""

    @property
    def applied(self) -> int:
        return self.created + self.superseded


@dataclass
class ResultChange:
    tube_id: int
    barcode: str
    member_count: int
    is_resample: bool
    sampled_at: dt.datetime | None
    old_result: str
    new_result: str
    result_id: int
    ct_orf1ab: float | None
    ct_n: float | None
    reported_at: dt.datetime
    pooling_mode: str

    @property
    def is_single(self) -> bool:
        """A single tube's result is the person's; any pooled tube (even with one member) needs a re-test."""
        return self.pooling_mode == PoolingMode.SINGLE


@gc_paused()
@transaction.atomic
def results_ingest(
    *,
    actor: Any,
    testing_round: TestingRound,
    laboratory: Laboratory,
    rows: list[ResultRow],
    refused: Sequence[RowError] = (),
    source: str = "",
    at: dt.datetime | None = None,
) -> IngestReport:
    """Apply one upload (a file or a FHIR Bundle) of tube results. See the module docstring.
    Phases: each row's own checks and decision, the tubes they name, then the writes and what the
    new results set going (controls, re-sampling, confirmed positives). `refused`: the rows the
    parser could not read (ingest.read_upload); the rows that did parse are still checked, and all
    the errors refuse the file together, in one report."""
    require(actor, TestingCap.LAB)
    if not Laboratory.objects.visible_to(actor).filter(pk=laboratory.pk).exists():
        raise PermissionRefused(_("您不属于该检测机构"), rule="testing.laboratory_scope")
    at = at or now()
    source = (source or "")[:200]
    report = IngestReport(rows=len(rows))
    threshold = Threshold.active()
    report.decided_by = threshold.citation
    first_row, decided, errors = _decide_rows(rows, threshold, at)
    plan = _match_tubes(actor, testing_round, laboratory, rows, first_row, decided, report, errors)
    errors = [*refused, *errors]
    if errors:
        raise RowsRefused(sorted(errors, key=lambda e: e.row), rule="testing.results")
    changes = _write_results(testing_round, laboratory, plan, decided, threshold, source, report, at)
    _keep_unmatched(testing_round, laboratory, report.unmatched, rows, source)
    _audit_received(actor, testing_round, laboratory, report, source)
    _audit_corrections(actor, changes, source)
    apply_consequences(actor=actor, testing_round=testing_round, changes=changes, threshold=threshold, report=report, at=at)
    counts = CountOf(c.new_result for c in changes)
    audit_record(
        actor=actor,
        event_type=events.RESULTS_INGESTED,
        obj=laboratory,
        count=report.applied,
        after={
            "round": testing_round.number,
            "source": source,
            "rows": report.rows,
            "created": report.created,
            "superseded": report.superseded,
            "unchanged": report.unchanged,
            "unmatched": len(report.unmatched),
            "by_result": dict(counts),
            "rule": threshold.citation,
        },
    )
    transaction.on_commit(lambda: analyze_if_grown(Tube, TubeResult))
    return report


def _decide_rows(rows: list[ResultRow], threshold: Threshold, at: dt.datetime) -> tuple[dict[str, int], dict[int, str], list[RowError]]:
    """Each row on its own: a valid barcode once per file, the result decided by the rule (results.rules),
    a report time not in the future. Returns each barcode's first row, each row's result, the refusals."""
    errors: list[RowError] = []
    first_row: dict[str, int] = {}
    decided: dict[int, str] = {}
    # The rule is a pure function of (stated result, Ct ORF1ab, Ct N) under one threshold, and a
    # file's rows share a handful of those (every plain negative is the same): decided once each.
    decisions: dict[tuple[str, float | None, float | None], tuple] = {}
    for r in rows:
        try:
            r.barcode = clean_barcode(r.barcode)
        except InvalidBarcode as exc:
            errors.append(RowError(r.row, "barcode", exc.message))
            continue
        if r.barcode in first_row:
            errors.append(RowError(r.row, "barcode", _("条码 %(b)s 与第 %(r)s 行重复") % {"b": r.barcode, "r": first_row[r.barcode]}))
            continue
        first_row[r.barcode] = r.row
        key = (r.result, r.ct_orf1ab, r.ct_n)
        outcome = decisions.get(key)
        if outcome is None:
            outcome = decisions[key] = decide(r.result, r.ct_orf1ab, r.ct_n, threshold=threshold)
        value, problem = outcome
        if problem:
            errors.append(RowError(r.row, problem.field, problem.message, problem.rule))
        decided[r.row] = value
        if is_future(r.reported_at, at=at):
            errors.append(RowError(r.row, "reported_at", future_message(r.reported_at, label=_("报告时间")), NOT_IN_FUTURE))
    return first_row, decided, errors


def _match_tubes(
    actor: Any,
    testing_round: TestingRound,
    laboratory: Laboratory,
    rows: list[ResultRow],
    first_row: dict[str, int],
    decided: dict[int, str],
    report: IngestReport,
    errors: list[RowError],
) -> list[tuple[ResultRow, tuple]]:
    """The tube each row names: unknown to every round or not yet sampled → unmatched (kept for the lab
    to resolve); a barcode of another round, another lab's tube or a report before sampling →
    refused (added to `errors`)."""
    found = _tubes_with_current_result(testing_round, sorted(first_row))
    elsewhere = _rounds_of_barcodes(actor, testing_round, sorted(set(first_row) - set(found)))
    plan: list[tuple[ResultRow, tuple]] = []
    lab_id = laboratory.pk
    for r in rows:
        if r.row not in decided or first_row.get(r.barcode) != r.row:
            continue
        t = found.get(r.barcode)
        if t is None and r.barcode in elsewhere:
            numbers = "、".join(str(n) for n in elsewhere[r.barcode])
            errors.append(
                RowError(
                    r.row,
                    "barcode",
                    _("条码 %(b)s 属于第 %(n)s 轮，不是第 %(this)s 轮：请上传到第 %(n)s 轮")
                    % {"b": r.barcode, "n": numbers, "this": testing_round.number},
                    OTHER_ROUND,
                )
            )
            continue
        if t is None:
            report.unmatched.append(Unmatched(r.row, r.barcode, UnmatchedReason.UNKNOWN_BARCODE))
            continue
        sampled_at = t[3]
        if not t[4] or sampled_at is None:
            report.unmatched.append(Unmatched(r.row, r.barcode, UnmatchedReason.NOT_SAMPLED))
            continue
        if t[6] is not None and t[6] != lab_id:
            errors.append(RowError(r.row, "barcode", _("试管 %(b)s 由其他检测机构接收，不能由本机构报告") % {"b": r.barcode}))
            continue
        if r.reported_at < sampled_at:
            errors.append(
                RowError(
                    r.row,
                    "reported_at",
                    _("报告时间 %(r)s 早于采样时间 %(s)s（北京时间）")
                    % {"r": _local_seconds(r.reported_at), "s": _local_seconds(sampled_at)},
                )
            )
            continue
        plan.append((r, t))
    wrong = CountOf(tuple(numbers) for b, numbers in elsewhere.items() if first_row.get(b) in decided)
    for numbers, count in wrong.items():
        errors.append(
            RowError(
                0,
                "barcode",
                _("%(k)s 个条码属于第 %(n)s 轮：文件是否上传到了错误的轮次？") % {"k": count, "n": "、".join(str(n) for n in numbers)},
                OTHER_ROUND,
            )
        )
    return plan


def _rounds_of_barcodes(actor: Any, testing_round: TestingRound, barcodes: list[str]) -> dict[str, list[int]]:
    """barcode → the numbers of the other rounds that have a tube with it (rounds the actor sees)."""
    if not barcodes:
        return {}
    rounds = dict(TestingRound.objects.visible_to(actor).exclude(pk=testing_round.pk).values_list("pk", "number"))
    if not rounds:
        return {}
    out: dict[str, list[int]] = {}
    # round_id first: the (round, barcode) unique index answers it (there is no index on the barcode alone).
    ids = sorted(rounds)
    placeholders = ", ".join(["%s"] * len(ids))
    sql = f"SELECT barcode, round_id FROM {table(Tube)} WHERE round_id IN ({placeholders}) AND barcode {{IN}}"
    for barcode, round_id in fetch_in(sql, barcodes, params_before=ids):
        out.setdefault(barcode, []).append(rounds[round_id])
    return {b: sorted(numbers) for b, numbers in out.items()}


def _write_results(
    testing_round: TestingRound,
    laboratory: Laboratory,
    plan: list[tuple[ResultRow, tuple]],
    decided: dict[int, str],
    threshold: Threshold,
    source: str,
    report: IngestReport,
    at: dt.datetime,
) -> list[ResultChange]:
    """Write the results that differ from the tube's current one (new, or a correction superseding it)
    and the tubes' status, each tube in one UPDATE (a tube the lab never signed for is received, and
    closed if still open, by the same UPDATE); return what changed."""
    # Partition into unchanged / new / corrections, reserving ids for the rows to write.
    to_write: list[tuple[ResultRow, tuple, str]] = []
    for r, t in plan:
        value = decided[r.row]
        if t[8] is not None and r.__class__(r.row, r.barcode, value, r.ct_orf1ab, r.ct_n, r.reported_at).same_as(t[9], t[10], t[11], t[12]):
            report.unchanged += 1
            continue
        to_write.append((r, t, value))
    ids = reserve_ids(TubeResult, len(to_write))
    decision_id = RuleCitation.ids_for([threshold.short]).get(threshold.short) if to_write else None  # stored once
    supersede = []
    changes: list[ResultChange] = []
    tube_updates = []
    created_at = db_value(at)
    round_id, lab_id = testing_round.pk, laboratory.pk
    result_rows = []
    for (r, t, value), new_id in zip(to_write, ids, strict=True):
        if t[8] is not None:
            supersede.append((t[8], False, new_id))
            report.superseded += 1
        else:
            report.created += 1
        result_rows.append(
            (
                new_id,
                round_id,
                t[0],
                lab_id,
                value,
                r.ct_orf1ab,
                r.ct_n,
                r.reported_at,
                decision_id,
                source,
                r.row,
                True,
                None,
                created_at,
            )
        )
        received_at, closed_at = t[7], t[14]
        if received_at is None:  # never signed for: received now, by this upload (reported, audited), and closed if open
            received_at, closed_at = at, closed_at or at
            report.received_at_upload.append(ReceivedAtUpload(r.row, r.barcode))
        tube_updates.append((t[0], TubeStatus.RESULTED, value, r.reported_at, lab_id, received_at, closed_at))
        changes.append(
            ResultChange(t[0], t[1], t[4], bool(t[5]), t[3], t[9] or "", value, new_id, r.ct_orf1ab, r.ct_n, r.reported_at, t[13])
        )
    bulk_update(TubeResult, [("is_current", "boolean"), ("superseded_by_id", "bigint")], supersede)
    BulkWriter(TubeResult, RESULT_COLUMNS, binary=True).write(result_rows)
    bulk_update(
        Tube,
        [
            ("status", "varchar"),
            ("result", "varchar"),
            ("resulted_at", "timestamptz"),
            ("laboratory_id", "bigint"),
            ("received_at", "timestamptz"),
            ("closed_at", "timestamptz"),
        ],
        tube_updates,
    )
    return changes


def _audit_received(actor: Any, testing_round: TestingRound, laboratory: Laboratory, report: IngestReport, source: str) -> None:
    """Tubes received by the upload (the lab had not signed for them; `_write_results` recorded the
    receipt and closed the open ones): one testing.tubes_received event for the batch, naming the upload."""
    if not report.received_at_upload:
        return
    barcodes = [r.barcode for r in report.received_at_upload]
    audit_record(
        actor=actor,
        event_type=events.TUBES_RECEIVED,
        obj=laboratory,
        count=len(barcodes),
        after={"round": testing_round.number, "received": len(barcodes), "at_upload": source, "barcodes": barcodes[:200]},
    )


def _audit_corrections(actor: Any, changes: list[ResultChange], source: str) -> None:
    """A correction of a result is audited tube by tube (a new result is counted in the upload's event)."""
    for c in changes:
        if c.old_result:
            audit_record(
                actor=actor,
                event_type=events.RESULT_SUPERSEDED,
                object_type="testing.tube",
                object_id=c.tube_id,
                object_repr=c.barcode,
                before={"result": c.old_result},
                after={"result": c.new_result, "ct_orf1ab": c.ct_orf1ab, "ct_n": c.ct_n, "source": source},
            )


def _tubes_with_current_result(testing_round: TestingRound, barcodes: list[str]) -> dict[str, tuple]:
    """barcode → (tube id, barcode, status, sampled_at, member_count, is_resample, laboratory_id,
    received_at, current result id, result, Ct ORF1ab, Ct N, reported_at, pooling_mode, closed_at),
    the datetimes aware.

    Current results are read only for tubes that have one (a first upload reads none): joined,
    the look-up was planned as a scan of every result of the round per upload (0.2 s at 640,000)."""
    rows = fetch_in(
        f"SELECT id, barcode, status, sampled_at, member_count, is_resample, laboratory_id, received_at, result, pooling_mode, closed_at "
        f"FROM {table(Tube)} WHERE round_id = %s AND barcode {{IN}}",
        barcodes,
        params_before=[testing_round.pk],
    )
    current = {
        r[0]: r[1:]
        for r in fetch_in(
            f"SELECT tube_id, id, result, ct_orf1ab, ct_n, reported_at FROM {table(TubeResult)} WHERE is_current = %s AND tube_id {{IN}}",
            sorted(r[0] for r in rows if r[8]),
            params_before=[True],
        )
    }
    if connection.vendor != "postgresql":  # SQLite returns datetimes as text (fetch_in's are aware on PostgreSQL)
        rows = [(*r[:3], read_datetime(r[3]), *r[4:7], read_datetime(r[7]), r[8], r[9], read_datetime(r[10])) for r in rows]
        current = {k: (*c[:4], read_datetime(c[4])) for k, c in current.items()}
    none = (None, None, None, None, None)
    return {r[1]: (*r[:8], *current.get(r[0], none), r[9], r[10]) for r in rows}


def _local_seconds(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def _keep_unmatched(
    testing_round: TestingRound, laboratory: Laboratory, unmatched: list[Unmatched], rows: list[ResultRow], source: str
) -> None:
    if not unmatched:
        return
    by_row = {r.row: r for r in rows}
    known = set(
        UnmatchedResult.objects.filter(
            round=testing_round, laboratory=laboratory, resolved=False, barcode__in=[u.barcode for u in unmatched]
        ).values_list("barcode", "reason")
    )
    new = []
    for u in unmatched:
        if (u.barcode, u.reason) in known:
            continue
        r = by_row[u.row]
        new.append(
            UnmatchedResult(
                round=testing_round,
                laboratory=laboratory,
                barcode=u.barcode,
                reason=u.reason,
                source=source,
                source_row=u.row,
                payload={"result": r.result, "ct_orf1ab": r.ct_orf1ab, "ct_n": r.ct_n, "reported_at": r.reported_at.isoformat()},
            )
        )
    UnmatchedResult.objects.bulk_create(new)
