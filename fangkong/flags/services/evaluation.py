"""The evaluation of every flag rule over the city (the periodic task, a bench, the demo).

Per rule: read its findings (rules.py), then in one transaction raise a flag for each subject not
already open (idempotent: the open flag's partial unique constraint, and inserts that ignore a
conflict, so two workers racing raise it once), refresh the evidence of those still found, and clear
those whose condition ended — a complete rule's subjects not found again, an incremental rule's
subjects whose window has passed. One audit event per rule and run with the counts. The watermark
(FlagWatermark) says when the rule last ran and last ran over the whole city."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from fangkong.audit.services import audit_record
from fangkong.core.clock import now as clock_now
from fangkong.geo.models import Community, District, Street
from fangkong.policy.models import RuleCitation

from ..events import FlagsEvent
from ..models import Flag, FlagWatermark
from ..rules import FULL, RULES, Finding, FlagRule, Mark, Outcome

SYSTEM = "system"


@dataclass(frozen=True)
class RuleRun:
    rule: str
    found: int  # subjects where the condition holds (or, incremental, changed)
    items: int
    raised: int
    updated: int
    cleared: int
    seconds: float
    skipped: bool = False
    complete: bool = True


def _place_names(findings: Sequence[Finding]) -> dict[tuple[int | None, int | None, int | None], str]:
    """The name of each finding's lowest place ("新城区 · 海拉尔东路街道 · 锡林南路社区" → its community's name with its street)."""
    d_ids = {f.places[0] for f in findings} - {None}
    s_ids = {f.places[1] for f in findings} - {None}
    c_ids = {f.places[2] for f in findings} - {None}
    districts = dict(District.objects.filter(pk__in=d_ids).values_list("pk", "name"))
    streets = dict(Street.objects.filter(pk__in=s_ids).values_list("pk", "name"))
    communities = dict(Community.objects.filter(pk__in=c_ids).values_list("pk", "name"))
    out = {}
    for f in findings:
        d, s, c = f.places
        out[f.places] = " · ".join(n for n in (streets.get(s, ""), communities.get(c, "")) if n) or districts.get(d, "")
    return out


def _items(finding: Finding) -> list[dict]:
    return [e.as_json() for e in finding.items]


def _merged(old: list[dict], new: list[dict]) -> list[dict]:
    seen = {(e["ref"], e["id"]) for e in old}
    return old + [e for e in new if (e["ref"], e["id"]) not in seen]


def _digest(items: list[dict]) -> str:
    """The evidence's hash (Flag.evidence_digest): the same items give the same digest, whatever the
    order of their keys as stored."""
    return hashlib.sha1(json.dumps(items, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _apply(rule: FlagRule, outcome: Outcome, at: dt.datetime) -> tuple[int, int, int]:
    """Raise, refresh and clear one rule's flags from its outcome: (raised, updated, cleared).

    The open flags are read without their items: a complete rule's findings are compared with each
    flag's digest, and only a flag whose digest differs has its items read and compared (a flag from
    before the digest gets one, without counting as updated); an incremental rule reads the items of
    the flags it found again only, to add the new ones."""
    open_flags = {
        subject: (pk, digest)
        for pk, subject, digest in Flag.objects.open().filter(rule=rule.code).order_by().values_list("pk", "subject", "evidence_digest")
    }
    found = {f.subject: f for f in outcome.findings}
    fresh = [f for s, f in found.items() if s not in open_flags]
    names = _place_names(fresh)
    citation = RuleCitation.for_text(rule.citation()) if fresh else None  # the rule's one stored citation
    new_flags = []
    for f in fresh:
        items = _items(f)
        new_flags.append(
            Flag(
                rule=rule.code,
                kind=rule.kind,
                subject=f.subject,
                title=(f.title or names.get(f.places, ""))[:200],
                district_id=f.places[0],
                street_id=f.places[1],
                community_id=f.places[2],
                place_name=names.get(f.places, "")[:200],
                raised_at=at,
                seen_at=at,
                evidence=items,
                evidence_digest=_digest(items),
                item_count=len(items),
                rule_citation=citation,
            )
        )
    # ignore_conflicts: raised meanwhile by another run, the open flag stays the one
    Flag.objects.bulk_create(new_flags, ignore_conflicts=True, batch_size=1000)
    again: dict[int, list[dict]] = {}  # open flags found again whose items may have changed: their new items
    for subject, finding in found.items():
        if subject not in open_flags:
            continue
        pk, digest = open_flags[subject]
        items = _items(finding)
        if outcome.complete and _digest(items) == digest:
            continue
        again[pk] = items
    changed, digested = [], []
    for flag in Flag.objects.filter(pk__in=list(again)).order_by().only("pk", "evidence", "evidence_digest").iterator(chunk_size=1000):
        items = again[flag.pk] if outcome.complete else _merged(flag.evidence, again[flag.pk])
        if items != flag.evidence:
            flag.evidence, flag.item_count, flag.seen_at, flag.evidence_digest = items, len(items), at, _digest(items)
            changed.append(flag)
        elif flag.evidence_digest != (digest := _digest(items)):
            flag.evidence_digest = digest
            digested.append(flag)
    Flag.objects.bulk_update(changed, ["evidence", "evidence_digest", "item_count", "seen_at"], batch_size=1000)
    Flag.objects.bulk_update(digested, ["evidence_digest"], batch_size=1000)
    changed_pks = {f.pk for f in changed}
    seen = [pk for s, (pk, _digest_) in open_flags.items() if s in found and pk not in changed_pks]
    if seen:
        Flag.objects.filter(pk__in=seen).update(seen_at=at)
    if outcome.complete:
        ended = [pk for s, (pk, _digest_) in open_flags.items() if s not in found]
    elif rule.expired is not None:
        ended = [pk for s, (pk, _digest_) in open_flags.items() if s not in found and rule.expired(s, at)]
    else:
        ended = []
    if ended:
        Flag.objects.filter(pk__in=ended, cleared_at__isnull=True).update(cleared_at=at)
    return len(fresh), len(changed), len(ended)


def _run(rule: FlagRule, at: dt.datetime, full: bool) -> RuleRun:
    mark, _created = FlagWatermark.objects.get_or_create(rule=rule.code)
    known = FULL if full else Mark(mark.evaluated_at, mark.full_at, mark.position)
    started = time.perf_counter()
    outcome = rule.find(at, known)
    if outcome.skipped:
        raised = updated = cleared = 0
    else:
        with transaction.atomic():
            raised, updated, cleared = _apply(rule, outcome, at)
            if raised or cleared:
                audit_record(
                    actor=SYSTEM,
                    event_type=FlagsEvent.FLAGS_EVALUATED,
                    object_type="flags.rule",
                    object_id=rule.code,
                    object_repr=str(rule.label),
                    after={"raised": raised, "updated": updated, "cleared": cleared, "found": len(outcome.findings)},
                    count=raised + cleared,
                )
    seconds = time.perf_counter() - started
    mark.evaluated_at = at
    if outcome.complete and not outcome.skipped:
        mark.full_at = at
    if outcome.position is not None:
        mark.position = outcome.position
    mark.seconds = seconds
    mark.save(update_fields=["evaluated_at", "full_at", "position", "seconds"])
    return RuleRun(
        rule.code,
        len(outcome.findings),
        sum(len(f.items) for f in outcome.findings),
        raised,
        updated,
        cleared,
        seconds,
        skipped=outcome.skipped,
        complete=outcome.complete,
    )


def flags_evaluate(*, at: dt.datetime | None = None, full: bool = False, rules: Sequence[FlagRule] = RULES) -> list[RuleRun]:
    """Evaluate the rules at `at` (now): incrementally where a rule can and has run before; `full`
    re-reads the whole city for every rule."""
    at = at or clock_now()
    return [_run(rule, at, full) for rule in rules]
