"""What a lab result sets off (fangkong.testing.services.results calls it for the tubes whose result
changed): a positive pooled tube → each member under in-place control and a 上门单采 task; an invalid
tube → a 上门单采 task for each member; a positive single tube → a confirmed positive awaiting case
handling; a negative single tube → the person's in-place control lifted and their re-sampling task
done. A corrected result first undoes what the previous one set off."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.sql import fetch_in, table
from fangkong.policy.models import RuleCitation
from fangkong.results.choices import Result
from fangkong.results.rules import Threshold
from fangkong.zoning.found_in import FoundInDecision, found_in_many

from .. import events
from ..choices import RESAMPLING_OPEN, ControlStatus, PositiveStatus, ResamplingReason, ResamplingStatus
from ..models import ConfirmedPositive, PersonControl, ResamplingTask, TestingRound, TubeMember

if TYPE_CHECKING:
    from .results import IngestReport, ResultChange


def _members(tube_ids: list[int]) -> list[dict]:
    if not tube_ids:
        return []
    return list(
        TubeMember.objects.filter(tube_id__in=tube_ids).values(
            "tube_id", "person_id", "district_id", "street_id", "community_id", "grid_id", "household_id", "is_resample"
        )
    )


PLACES = ("district_id", "street_id", "community_id", "grid_id", "household_id")


def apply_consequences(
    *, actor: Any, testing_round: TestingRound, changes: list[ResultChange], threshold: Threshold, report: IngestReport, at: dt.datetime
) -> None:
    """What the new results set going: a correction undoes what the old one set going; re-sampling
    tasks with a result are done; a positive or invalid pooled tube puts its members under control
    with a door-to-door re-test; a positive single tube is a confirmed positive for 快转; a negative
    single tube lifts its person's control."""
    if not changes:
        return
    _undo_corrected(changes, report, at)
    by_tube = {c.tube_id: c for c in changes}
    # The changes sorted in one pass (a file is thousands of plain negatives).
    resampled, pooled_positive, invalid, single_positive, single_negative = [], [], [], [], []
    for c in changes:
        if c.is_resample:
            resampled.append(c.tube_id)
        if c.new_result == Result.POSITIVE:
            (single_positive if c.is_single else pooled_positive).append(c)
        elif c.new_result == Result.INVALID:
            invalid.append(c)
        elif c.new_result == Result.NEGATIVE and c.is_single:
            single_negative.append(c)
    # The re-sampling tasks whose tube has now a result are finished, whatever the result.
    if resampled:
        ResamplingTask.objects.filter(resample_tube_id__in=resampled, status=ResamplingStatus.SAMPLED).update(
            status=ResamplingStatus.DONE, done_at=at, closing_note=_("单采结果已出")
        )

    _pool_positive_actions(actor, testing_round, pooled_positive, invalid, by_tube, report, at)
    if single_positive:
        _confirm_positives(actor, testing_round, single_positive, by_tube, threshold, report)
    if single_negative:
        _lift_controls(actor, testing_round, single_negative, by_tube, report, at)


def _undo_corrected(changes: list[ResultChange], report: IngestReport, at: dt.datetime) -> None:
    """A positive or invalid result corrected to another: its re-sampling tasks cancelled, its
    controls lifted, its confirmed positive withdrawn."""
    # A correction first undoes what the old result set going.
    corrected = [c.tube_id for c in changes if c.old_result in (Result.POSITIVE, Result.INVALID) and c.old_result != c.new_result]
    if corrected:
        ResamplingTask.objects.filter(origin_tube_id__in=corrected, status__in=RESAMPLING_OPEN).update(
            status=ResamplingStatus.CANCELLED, closing_note=_("原结果已更正"), done_at=at
        )
        report.controls_lifted += PersonControl.objects.filter(origin_tube_id__in=corrected, status=ControlStatus.ACTIVE).update(
            status=ControlStatus.LIFTED, ended_at=at, ended_reason=_("原混管阳性结果已更正")
        )
        ConfirmedPositive.objects.filter(tube_id__in=corrected).exclude(status=PositiveStatus.WITHDRAWN).update(
            status=PositiveStatus.WITHDRAWN
        )


def _pool_positive_actions(
    actor: Any,
    testing_round: TestingRound,
    pooled_positive: list[ResultChange],
    invalid: list[ResultChange],
    by_tube: dict[int, ResultChange],
    report: IngestReport,
    at: dt.datetime,
) -> None:
    """Positive pooled tubes: in-place control and a door-to-door single re-test for every member;
    invalid tubes: the re-test only."""
    members = _members([c.tube_id for c in pooled_positive + invalid])
    if not members:
        return
    controlled_already = set(
        PersonControl.objects.filter(origin_tube_id__in=[c.tube_id for c in pooled_positive], status=ControlStatus.ACTIVE).values_list(
            "origin_tube_id", "person_id"
        )
    )
    tasked_already = set(
        ResamplingTask.objects.filter(
            origin_tube_id__in=[c.tube_id for c in pooled_positive + invalid], status__in=RESAMPLING_OPEN
        ).values_list("origin_tube_id", "person_id")
    )
    controls, tasks = [], []
    for m in members:
        c = by_tube[m["tube_id"]]
        key = (m["tube_id"], m["person_id"])
        places = {k: m[k] for k in PLACES}
        if c.new_result == Result.POSITIVE and key not in controlled_already:
            controls.append(
                PersonControl(
                    round=testing_round,
                    person_id=m["person_id"],
                    origin_tube_id=c.tube_id,
                    reason=_("混管 %(b)s 阳性，就地管控待单采复检") % {"b": c.barcode},
                    started_at=at,
                    **places,
                )
            )
        if key not in tasked_already:
            reason = ResamplingReason.POOL_POSITIVE if c.new_result == Result.POSITIVE else ResamplingReason.INVALID
            tasks.append(ResamplingTask(round=testing_round, person_id=m["person_id"], origin_tube_id=c.tube_id, reason=reason, **places))
    PersonControl.objects.bulk_create(controls)
    ResamplingTask.objects.bulk_create(tasks)
    report.controls_started += len(controls)
    report.resampling_tasks += len(tasks)
    report.pool_positive_tubes += len(pooled_positive)
    audit_record(
        actor=actor,
        event_type=events.POOL_POSITIVE_ACTIONS,
        obj=testing_round,
        count=len(tasks),
        after={
            "pool_positive_tubes": [c.barcode for c in pooled_positive][:200],
            "invalid_tubes": [c.barcode for c in invalid][:200],
            "controls_started": len(controls),
            "resampling_tasks": len(tasks),
        },
    )


def _confirm_positives(
    actor: Any,
    testing_round: TestingRound,
    single_positive: list[ResultChange],
    by_tube: dict[int, ResultChange],
    threshold: Threshold,
    report: IngestReport,
) -> None:
    """Positive single tubes: a confirmed positive awaiting case handling (快转), once per person and round,
    with where it was found (zoning's one rule)."""
    singles = _members([c.tube_id for c in single_positive])
    already = set(
        ConfirmedPositive.objects.filter(round=testing_round, person_id__in=[m["person_id"] for m in singles])
        .exclude(status=PositiveStatus.WITHDRAWN)
        .values_list("person_id", flat=True)
    )
    # Where each was found: their state and places when the positive sample was taken (one rule: zoning).
    found: dict[int, FoundInDecision] = {}
    for c in single_positive:
        people = [m["person_id"] for m in singles if m["tube_id"] == c.tube_id]
        found.update(found_in_many(people, c.sampled_at or c.reported_at))
    positives = []
    decision = RuleCitation.for_text(threshold.citation) if singles else None  # stored once for the batch
    for m in singles:
        if m["person_id"] in already:
            continue
        c = by_tube[m["tube_id"]]
        positives.append(
            ConfirmedPositive(
                round=testing_round,
                person_id=m["person_id"],
                tube_id=c.tube_id,
                result_id=c.result_id,
                ct_orf1ab=c.ct_orf1ab,
                ct_n=c.ct_n,
                detected_at=c.reported_at,
                found_in=found[m["person_id"]].value,
                found_in_basis=found[m["person_id"]].basis[:300],
                decision_citation=decision,
                **{k: m[k] for k in PLACES},
            )
        )
    ConfirmedPositive.objects.bulk_create(positives)
    report.positives_confirmed += len(positives)
    for p in positives:
        audit_record(
            actor=actor,
            event_type=events.POSITIVE_CONFIRMED,
            object_type="testing.confirmedpositive",
            object_id=p.pk or "",
            object_repr=f"person {p.person_id}",
            after={
                "person": p.person_id,
                "tube": by_tube[p.tube_id].barcode,
                "ct_orf1ab": p.ct_orf1ab,
                "ct_n": p.ct_n,
                "found_in": p.found_in,
                "rule": p.decided_by,
            },
        )


def _lift_controls(
    actor: Any,
    testing_round: TestingRound,
    single_negative: list[ResultChange],
    by_tube: dict[int, ResultChange],
    report: IngestReport,
    at: dt.datetime,
) -> None:
    """Negative single tubes: lift the in-place control of that person (if it started before sampling)."""
    active = dict(PersonControl.objects.filter(status=ControlStatus.ACTIVE).values_list("id", "person_id"))
    if active:
        persons = set(active.values())
        rows = fetch_in(
            f"SELECT tube_id, person_id FROM {table(TubeMember)} WHERE tube_id {{IN}}",
            [c.tube_id for c in single_negative],
        )
        cleared: dict[int, dt.datetime] = {}
        for tube_id, person_id in rows:
            if person_id in persons:
                sampled = by_tube[tube_id].sampled_at
                cleared[person_id] = sampled
        lifted = 0
        for person_id, sampled in cleared.items():
            lifted += PersonControl.objects.filter(person_id=person_id, status=ControlStatus.ACTIVE, started_at__lte=sampled or at).update(
                status=ControlStatus.LIFTED, ended_at=at, ended_reason=_("单采复检阴性")
            )
        if cleared:
            ResamplingTask.objects.filter(
                round=testing_round, person_id__in=list(cleared), reason=ResamplingReason.POOL_POSITIVE, status__in=RESAMPLING_OPEN
            ).update(status=ResamplingStatus.DONE, done_at=at, closing_note=_("单采复检阴性"))
        report.controls_lifted += lifted
        if lifted:
            audit_record(
                actor=actor,
                event_type=events.CONTROL_LIFTED,
                obj=testing_round,
                count=lifted,
                after={"persons": sorted(cleared)[:200], "reason": "single re-test negative"},
            )
