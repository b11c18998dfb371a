"""What 快检 tells the rest of the platform about a person: the results of their tubes in every
round (a source of fangkong.results.history), their in-place control (就地管控, a state of
fangkong.geo.person_states) and, on their record (fangkong.geo.person_record), their controls and
home re-sampling tasks. Registered from the app's ready()."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.sql import any_of, fetch_in, read_datetime, table
from fangkong.geo.person_record import Entry
from fangkong.geo.person_states import PersonState, StateKind
from fangkong.results.history import TestEntry

from .choices import ControlStatus, PoolingMode
from .models import PersonControl, ResamplingTask, TestingRound, Tube, TubeMember


def round_tests(person_ids: Sequence[int], before: dt.datetime | None) -> Iterator[TestEntry]:
    """Every tube each person was sampled into, with the tube's current result."""
    member, tube, rnd = table(TubeMember), table(Tube), table(TestingRound)
    sql = (
        f"SELECT m.person_id, m.sampled_at, t.resulted_at, t.result, t.pooling_mode, t.id, t.barcode, r.number, m.is_resample "
        f"FROM {member} m JOIN {tube} t ON t.id = m.tube_id JOIN {rnd} r ON r.id = m.round_id WHERE m.person_id {{IN}}"
    )
    for pid, sampled, resulted, result, mode, tube_id, barcode, number, resample in fetch_in(sql, list(person_ids)):
        sampled = read_datetime(sampled)
        if before is not None and sampled is not None and sampled > before:
            continue
        label = _("第 %(n)s 轮全员核酸") % {"n": number} if not resample else _("第 %(n)s 轮上门单采复检") % {"n": number}
        yield TestEntry(
            person_id=pid,
            sampled_at=sampled,
            resulted_at=read_datetime(resulted),
            result=result or "",
            source="round",
            label=f"{label} · {barcode}",
            ref=f"testing.tube:{tube_id}",
            pooled=mode != PoolingMode.SINGLE,
        )


def round_relation(people: str) -> str:
    """round_tests as SQL (fangkong.results.history.Relation): every tube member with its tube's result."""
    member, tube = table(TubeMember), table(Tube)
    return (
        f"SELECT m.person_id AS person_id, m.sampled_at AS sampled_at, t.resulted_at AS resulted_at, t.result AS result, "
        f"(COALESCE(t.pooling_mode, '') <> '{PoolingMode.SINGLE.value}') AS pooled "
        f"FROM {member} m JOIN {tube} t ON t.id = m.tube_id WHERE m.person_id IN ({people})"
    )


def in_place_controls(person_ids: Sequence[int], at: dt.datetime) -> Iterator[PersonState]:
    """就地管控 in force at `at`: started by then, and not ended by then."""
    qs = PersonControl.objects.filter(any_of("person_id", list(person_ids)), started_at__lte=at).exclude(ended_at__lte=at)
    for c in qs.exclude(status=ControlStatus.LIFTED, ended_at__isnull=True):
        yield PersonState(
            person_id=c.person_id,
            kind=StateKind.IN_PLACE_CONTROL,
            label=_("就地管控中（%(r)s）") % {"r": c.reason},
            since=c.started_at,
            ref=f"testing.personcontrol:{c.pk}",
            headline=_("就地管控"),
        )


def control_entries(user: Any, person: Any) -> Iterator[Entry]:
    """The person's in-place controls and home re-sampling tasks (two queries), on their record."""
    for c in PersonControl.objects.filter(person_id=person.pk).select_related("round"):
        where = _("第 %(n)s 轮") % {"n": c.round.number} if c.round_id else ""
        yield Entry(c.started_at, "control_started", _("就地管控"), "；".join(filter(None, [c.reason, where])), tone="warning")
        if c.ended_at:
            yield Entry(c.ended_at, "control_lifted", _("解除就地管控"), c.ended_reason, tone="success", order=3)
    for t in ResamplingTask.objects.filter(person_id=person.pk).select_related("round", "origin_tube"):
        detail = _("第 %(n)s 轮；%(reason)s；%(status)s") % {
            "n": t.round.number,
            "reason": t.get_reason_display(),
            "status": t.get_status_display(),
        }
        # Opened by the origin tube's result (the row's own stamp is when it was written).
        opened = t.origin_tube.resulted_at if t.origin_tube_id and t.origin_tube.resulted_at else t.created_at
        yield Entry(opened, "resampling_task", _("上门单采任务"), detail, order=1)
        if t.done_at:
            yield Entry(t.done_at, "resampling_done", _("上门单采任务完成"), t.closing_note, order=2)


def register() -> None:
    from fangkong.geo.person_record import Section, sections
    from fangkong.geo.person_states import states
    from fangkong.results.history import sources

    sources.register("round", round_tests, relation=round_relation)
    states.register("in_place_control", in_place_controls)
    sections.register(Section("controls", gettext_lazy("管控与上门单采"), "shield-exclamation", control_entries, order=20))
