"""What a run reads again (issue 16, scale and speed): an incremental "tested twice" run reads only the
sample rows written since its position — none when nothing was sampled, and a row that lands late in a
hole of the ids (its upload's transaction was still open) is still read; a run compares its findings
with each open flag's digest and reads a flag's items only when they may have changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.flags import rules
from fangkong.flags.choices import FlagRuleCode
from fangkong.flags.models import Flag
from fangkong.flags.rules import RULES_BY_CODE, Evidence, Finding, Outcome
from fangkong.flags.services.evaluation import _apply, _digest
from fangkong.policy.regimen import local_date, local_midnight
from fangkong.testing.models import SamplingPoint, TubeMember
from fangkong.testing.models import TestingRound as Round
from fangkong.testing.selectors.repeats import sampled_twice, settled_sample_id
from fangkong.testing.services import Binding, bulk_bind
from fangkong.zoning.choices import PlaceLevel

from ..factories import make_person
from ..testing import factories as tf
from .conftest import evaluate
from .test_rules import _area, _flag

pytestmark = pytest.mark.django_db
TWICE = FlagRuleCode.TESTED_TWICE
WIDE = FlagRuleCode.AREA_TOO_WIDE


def _morning() -> dt.datetime:
    """08:00 Beijing today, or yesterday before 09:00 (samples half an hour later are in the past)."""
    now = timezone.now()
    morning = local_midnight(local_date(now)) + dt.timedelta(hours=8)
    return morning if morning + dt.timedelta(hours=1) <= now else morning - dt.timedelta(days=1)


def _sample(users, person, number: int, when: dt.datetime, barcode: str) -> None:
    """One round sample (a single tube) at the round's point of the person's community."""
    r = Round.objects.filter(number=number).first() or tf.make_round(users["command"], number=number)
    name = f"采样点{number}"
    point = SamplingPoint.objects.filter(community=person.community, name=name).first() or tf.make_point(person.community, name=name)
    bulk_bind(
        actor=users["command"],
        testing_round=r,
        sampling_point=point,
        pooling_mode="single",
        bindings=[Binding(barcode, person_id=person.pk)],
        at=when,
    )


@pytest.fixture(autouse=True)
def _short_lookback(monkeypatch):
    """The watermark looks for holes among the newest two ids only: the rows of earlier tests, rolled
    back, leave holes further back (PostgreSQL's sequences do not roll back)."""
    monkeypatch.setattr(rules, "OVERLAP_ROWS", 2)


def _samples_read(queries) -> int:
    return sum(1 for q in queries if "testing_tubemember" in q["sql"] and "sampled_at" in q["sql"])


def test_an_idle_incremental_run_reads_no_sample_and_a_new_one_only_its_person(city, users):
    first, second = make_person(city.home.household, "重复丙"), make_person(city.home.household, "重复丁")
    morning = _morning()
    _sample(users, first, 8, morning, "R8-101")
    _sample(users, first, 10, morning + dt.timedelta(minutes=20), "R10-101")
    assert evaluate(TWICE, timezone.now(), full=True).found == 1
    with CaptureQueriesContext(connection) as idle:
        run = evaluate(TWICE, timezone.now())
    assert (run.found, run.raised, run.updated, run.cleared) == (0, 0, 0, 0) and _samples_read(idle) == 0
    _sample(users, second, 8, morning + dt.timedelta(minutes=5), "R8-102")
    _sample(users, second, 10, morning + dt.timedelta(minutes=25), "R10-102")
    run = evaluate(TWICE, timezone.now())
    assert (run.found, run.items, run.updated) == (1, 1, 1)  # the second person only, added to the day's flag
    texts = [e["text"] for e in _flag(TWICE).evidence]
    assert len(texts) == 2 and "R10-101" in texts[0] and "R10-102" in texts[1]


def test_a_sample_row_landing_late_below_the_position_is_still_read(city, users):
    """A hole in the ids (an upload committed after a newer one): the position stops below it."""
    first, second = make_person(city.home.household, "迟到戊"), make_person(city.home.household, "迟到己")
    morning = _morning()
    _sample(users, first, 8, morning, "R8-201")
    _sample(users, second, 8, morning + dt.timedelta(minutes=5), "R8-202")
    evaluate(TWICE, timezone.now(), full=True)
    _sample(users, first, 10, morning + dt.timedelta(minutes=20), "R10-201")
    _sample(users, second, 10, morning + dt.timedelta(minutes=25), "R10-202")
    late = TubeMember.objects.get(tube__barcode="R10-201")
    TubeMember.objects.filter(pk=late.pk).delete()  # still in its transaction at the next run
    assert settled_sample_id(lookback=rules.OVERLAP_ROWS) == late.pk - 1
    run = evaluate(TWICE, timezone.now())
    assert run.found == 1 and "R10-202" in _flag(TWICE).evidence[0]["text"]
    TubeMember.objects.bulk_create([late])  # committed now, with its lower id
    evaluate(TWICE, timezone.now())
    texts = sorted(e["text"] for e in _flag(TWICE).evidence)
    assert len(texts) == 2 and "R10-201" in texts[0] and "R10-202" in texts[1]


def test_an_unchanged_flag_is_not_read_back_and_a_changed_one_is_rewritten(city):
    rule = RULES_BY_CODE[WIDE]
    places = (city.home.district.pk, None, None)
    one = Finding("area:999", places, "x", [Evidence("zoning.riskarea", 999, "甲")])
    now = timezone.now()
    _apply(rule, Outcome([one]), now)
    flag = Flag.objects.get(rule=WIDE)
    assert flag.evidence_digest == _digest(flag.evidence)
    with CaptureQueriesContext(connection) as same:
        assert _apply(rule, Outcome([one]), now + dt.timedelta(minutes=5)) == (0, 0, 0)
    assert not any('"evidence"' in q["sql"] for q in same)  # compared by its digest alone
    assert Flag.objects.get(pk=flag.pk).seen_at == now + dt.timedelta(minutes=5)
    two = Finding("area:999", places, "x", [Evidence("zoning.riskarea", 999, "乙")])
    assert _apply(rule, Outcome([two]), now + dt.timedelta(minutes=10)) == (0, 1, 0)
    flag = Flag.objects.get(pk=flag.pk)
    assert flag.evidence[0]["text"] == "乙" and flag.evidence_digest == _digest(flag.evidence)


def test_a_flag_without_a_digest_is_compared_by_its_items_and_given_one(city):
    wide = _area(city.home, level=PlaceLevel.COMMUNITY, place=city.home.community, wider=True)
    now = timezone.now()
    evaluate(WIDE, now)
    Flag.objects.filter(rule=WIDE).update(evidence_digest="")  # raised before the digest
    run = evaluate(WIDE, now + dt.timedelta(minutes=5))
    flag = Flag.objects.get(rule=WIDE, subject=f"area:{wide.pk}")
    assert (run.raised, run.updated, run.cleared) == (0, 0, 0) and flag.evidence_digest == _digest(flag.evidence)


def test_a_full_run_probes_the_people_of_the_day_s_smaller_rounds_and_finds_every_repeat(city, users):
    """Round 8 samples most of the day; a person repeated in rounds 8 and 9, another in 9 and 10 (not
    in 8), two people of round 8 alone: the two repeats, each with its two tubes."""
    one, two, three, four = (make_person(city.home.household, name) for name in ("轮次甲", "轮次乙", "轮次丙", "轮次丁"))
    morning = _morning()
    for i, (person, number) in enumerate([(one, 8), (three, 8), (four, 8), (one, 9), (two, 9), (two, 10)]):
        _sample(users, person, number, morning + dt.timedelta(minutes=5 * i), f"R{number}-3{i:02d}")
    repeats = sampled_twice(day_from=local_date(morning), until=timezone.now())
    assert sorted((r.person_id, len(r.samples)) for r in repeats) == sorted([(one.pk, 2), (two.pk, 2)])
    run = evaluate(TWICE, timezone.now(), full=True)
    assert (run.found, run.items) == (1, 2)
