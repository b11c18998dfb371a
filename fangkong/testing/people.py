"""What 快检 tells the rest of the platform about a person: the results of their tubes in every
round (a source of fangkong.results.history) and their in-place control (就地管控, a state of
fangkong.geo.person_states). Registered from the app's ready()."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from django.utils.translation import gettext as _

from fangkong.core.sql import fetch_in, read_datetime, table
from fangkong.geo.person_states import PersonState, StateKind
from fangkong.results.history import TestEntry

from .choices import ControlStatus, PoolingMode
from .models import PersonControl, TestingRound, Tube, TubeMember


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


def in_place_controls(person_ids: Sequence[int], at: dt.datetime) -> Iterator[PersonState]:
    """就地管控 in force at `at`: started by then, and not ended by then."""
    qs = PersonControl.objects.filter(person_id__in=list(person_ids), started_at__lte=at).exclude(ended_at__lte=at)
    for c in qs.exclude(status=ControlStatus.LIFTED, ended_at__isnull=True):
        yield PersonState(
            person_id=c.person_id,
            kind=StateKind.IN_PLACE_CONTROL,
            label=_("就地管控中（%(r)s）") % {"r": c.reason},
            since=c.started_at,
            ref=f"testing.personcontrol:{c.pk}",
        )


def register() -> None:
    from fangkong.geo.person_states import states
    from fangkong.results.history import sources

    sources.register("round", round_tests)
    states.register("in_place_control", in_place_controls)
