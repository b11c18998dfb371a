"""The set-based lifting review (one SQL statement for every area) gives the same answers as the
per-(area, resident) pass in Python it replaced, kept here as the reference: on the tricky cases —
the clock restarting on a new positive by its sampling time (known only once resulted), a pooled
positive that restarts nothing, a resident missing from the screening (awaited, unsampled, sampled
before the window), results known only later (a past evaluation does not see them), overlapping
areas, an area without residents, a level without screening — through the test fixture's source
(inlined rows) and through a testing round's real tubes (the round's SQL relation)."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.policy.regimen import local_date, regimen_day
from fangkong.results.choices import Result
from fangkong.results.history import sources
from fangkong.testing.models import Tube
from fangkong.testing.services import AreaSpec, Binding, bulk_bind, round_plan
from fangkong.zoning.choices import AreaClass, AreaStatus
from fangkong.zoning.lifting import DAY_AFTER, lifting_status, lifting_statuses, residents_of
from fangkong.zoning.models import RiskArea
from fangkong.zoning.rules import lift_rule, overdue_after
from fangkong.zoning.services import area_approve, area_propose, lifting_review

from ..factories import make_tree
from ..isolation.factories import use_profile
from ..testing import factories as tf
from .conftest import day

NEG, POS = "negative", "positive"


def reference(areas, at: dt.datetime) -> dict[int, dict]:
    """The lifting pass as it was before it became set-based: residents, every entry of theirs from
    the history, then Python over each (area, resident)."""
    live = [a for a in areas if a.status == AreaStatus.IN_FORCE and a.in_force_at is not None and a.in_force_at <= at]
    by_area = residents_of([a.pk for a in live])
    tests: dict[int, dict[str, dt.datetime]] = {}
    for e in sources.entries(sorted(set().union(*by_area.values())), at):
        if e.at is None:
            continue
        t = tests.setdefault(e.person_id, {})
        kind = (
            "pos"
            if e.result == Result.POSITIVE and not e.pooled
            else "neg"
            if e.result == Result.NEGATIVE
            else "wait"
            if not e.result or (e.result == Result.POSITIVE and e.pooled)
            else None
        )
        if kind:
            t[kind] = max(t.get(kind, e.at), e.at)
    out = {}
    for a in live:
        rule, residents = lift_rule(a.area_class), by_area[a.pk]
        start = a.level_since or a.in_force_at
        last_pos = max((tests[p]["pos"] for p in residents if "pos" in tests.get(p, {})), default=None)
        clock_start = max(start, last_pos) if last_pos else start
        today = local_date(at)
        r = {
            "clock_start": clock_start,
            "last_pos": last_pos,
            "residents": len(residents),
            "day": max(0, (today - local_date(clock_start)).days),
        }
        r.update(lift_on=None, awaited=[], unsampled=[], due=False, due_on=None, overdue=False)
        if rule is not None:
            r["lift_on"] = regimen_day(clock_start, rule.clean_days, convention=DAY_AFTER)
            if rule.screening_days:
                window = regimen_day(clock_start, max(1, rule.clean_days - rule.screening_days + 1), convention=DAY_AFTER)
                for p in sorted(residents):
                    t = tests.get(p, {})
                    if "neg" in t and local_date(t["neg"]) >= window:
                        continue
                    (r["awaited"] if "wait" in t and local_date(t["wait"]) >= window else r["unsampled"]).append(p)
            r["due"] = today >= r["lift_on"] and not (r["awaited"] or r["unsampled"])
            if r["due"]:
                negs = [local_date(tests[p]["neg"]) for p in residents if "neg" in tests.get(p, {})]
                r["due_on"] = max([r["lift_on"], *negs]) if rule.screening_days else r["lift_on"]
                r["overdue"] = (today - r["due_on"]).days >= max(1, int(overdue_after().value or 0))
        out[a.pk] = r
    return out


def answers(areas, at: dt.datetime) -> dict[int, dict]:
    counted = lifting_statuses(areas, at=at)
    out = {}
    for a in areas:
        s = counted.get(a.pk)
        if s is None:
            continue
        listed = lifting_status(a, at=at)
        assert (len(listed.awaited), len(listed.unsampled)) == (s.awaited_count, s.unsampled_count)
        out[a.pk] = {
            "clock_start": s.clock_start,
            "last_pos": s.last_positive_at,
            "residents": s.residents,
            "day": s.day,
            "lift_on": s.lift_on,
            "awaited": sorted(listed.awaited),
            "unsampled": sorted(listed.unsampled),
            "due": s.due,
            "due_on": s.due_on,
            "overdue": s.overdue,
        }
    return out


def same_as_before(areas, at: dt.datetime) -> dict[int, dict]:
    areas = [RiskArea.objects.get(pk=a.pk) for a in areas]
    got = answers(areas, at)
    assert got == reference(areas, at)
    return got


def declare(users, places, name="3号楼", area_class=AreaClass.SEALED):
    area = area_propose(
        actor=users["district"], name=name, area_class=area_class, places=places, reason="楼内出现阳性", justification="多栋楼出现阳性"
    )
    return area_approve(actor=users["command"], area=area)


@pytest.fixture
def areas(twenty, users, block, at):
    """Three areas in force from day 0: the building, its compound (overlapping), and an empty building."""
    at(day(0))
    empty = make_tree(building="9号楼", household="901").building
    return [
        declare(users, [("building", block.tree.building.pk)]),
        declare(users, [("compound", block.tree.compound.pk)], name="迎宾小区"),
        declare(users, [("building", empty.pk)], name="9号楼"),
    ]


def test_restart_on_a_new_positive_by_sampling_time_once_known(areas, block, lab, at):
    a, b, c = block.residents
    lab.result(c, day(2, 9), POS, resulted_at=day(4, 9))  # sampled day 2, known day 4
    lab.result(b, day(3, 9), POS, pooled=True)  # a pooled positive is not the person's: awaited, no restart
    before = same_as_before(areas, at(day(3, 12)))
    assert before[areas[0].pk]["last_pos"] is None  # not known yet
    after = same_as_before(areas, at(day(4, 12)))
    assert after[areas[0].pk]["clock_start"] == day(2, 9) == after[areas[1].pk]["clock_start"]
    assert after[areas[0].pk]["lift_on"] == day(7).date()
    assert after[areas[2].pk]["residents"] == 0 and after[areas[2].pk]["clock_start"] == areas[2].in_force_at


def test_missing_screening_awaited_unsampled_and_too_early(areas, block, lab, at):
    a, b, c = block.residents
    lab.result(a, day(3, 9), NEG)  # before the window (day 5): does not count
    lab.result(b, day(5, 7), "")  # sampled, awaited
    lab.result(c, day(5, 7), NEG)
    got = same_as_before(areas, at(day(5, 12)))
    assert got[areas[0].pk]["unsampled"] == [a.pk] and got[areas[0].pk]["awaited"] == [b.pk]
    assert not got[areas[0].pk]["due"] and got[areas[2].pk]["due"]  # no one to screen in the empty building
    lab.result(a, day(5, 8), NEG)
    lab.result(b, day(5, 7), NEG)
    got = same_as_before(areas, at(day(5, 13)))
    assert got[areas[0].pk]["due"] and got[areas[0].pk]["due_on"] == day(5).date()
    assert not got[areas[1].pk]["due"]  # the compound's other residents were not screened
    got = same_as_before(areas, at(day(7, 9)))
    assert got[areas[0].pk]["overdue"]


def test_results_known_only_later(areas, block, lab, at):
    for p in block.residents:
        lab.result(p, day(5, 7), NEG, resulted_at=day(5, 20))
    got = same_as_before(areas, at(day(5, 12)))  # a decision reproduced for 12:00 does not see the 20:00 results
    assert not got[areas[0].pk]["due"]
    got = same_as_before(areas, at(day(5, 21)))
    assert got[areas[0].pk]["due"]
    assert lifting_review(at=day(5, 12)) == [areas[2].pk]  # the empty building
    assert lifting_review(at=day(5, 21)) == [areas[0].pk]


def test_a_level_without_screening_and_a_downgraded_clock(db, users, block, lab, at):
    use_profile("ninth-edition")
    at(day(0))
    area = declare(users, [("compound", block.tree.compound.pk)])
    RiskArea.objects.filter(pk=area.pk).update(area_class=AreaClass.CONTROLLED, level_since=day(7, 20))
    lab.result(block.residents[0], day(8, 9), POS)
    got = same_as_before([area], at(day(12, 9)))
    assert got[area.pk]["clock_start"] == day(8, 9) and got[area.pk]["due"] and got[area.pk]["unsampled"] == []


def test_same_answers_from_a_rounds_tubes(areas, users, block, at):
    """Through the round's SQL relation (no test source): single tubes, one positive resulted later."""
    at(day(5, 6))
    rnd = round_plan(actor=users["command"], number=9, areas=[AreaSpec("community", block.tree.community.pk)], starts_at=day(5, 6))
    point = tf.make_point(block.tree.community)
    at(day(5, 8))
    bindings = [Binding(f"T{p.pk:08d}", person_id=p.pk, sampled_at=day(5, 7)) for p in block.residents]
    bulk_bind(actor=users["command"], testing_round=rnd, bindings=bindings, sampling_point=point, pooling_mode="single")
    a, b, c = block.residents
    assert same_as_before(areas, day(5, 9))[areas[0].pk]["awaited"] == sorted(p.pk for p in block.residents)
    Tube.objects.filter(barcode=f"T{a.pk:08d}").update(result=NEG, resulted_at=day(5, 10))
    Tube.objects.filter(barcode=f"T{b.pk:08d}").update(result=POS, resulted_at=day(5, 15))
    got = same_as_before(areas, day(5, 12))
    # As before: a tube resulted after the evaluation time is not in the history at that time
    # (TestEntry.known_by), so at 12:00 its person counts as not sampled, not as awaited.
    assert (got[areas[0].pk]["awaited"], got[areas[0].pk]["unsampled"]) == ([c.pk], [b.pk])
    assert got[areas[0].pk]["last_pos"] is None
    got = same_as_before(areas, day(5, 16))
    assert got[areas[0].pk]["clock_start"] == day(5, 7) and got[areas[0].pk]["lift_on"] == day(10).date()
