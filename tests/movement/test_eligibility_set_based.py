"""The departure decision read set-based equals the per-person reading on a mixed fixture: the test
history aggregated in SQL (fangkong.results.history.latest_decisive) against latest_results and
negative_within, the area against zoning.selectors.area_at, the state against states_at — each
person decided alone and all of them decided at once give the same rules, met or not, and words."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.geo.person_states import PersonState, StateKind, states, states_at
from fangkong.geo.selectors import people_places
from fangkong.movement.choices import DepartureRule
from fangkong.movement.eligibility import BARRED_STATES, eligibility
from fangkong.results.history import Decisive, TestEntry, latest_decisive, latest_results, negative_within
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.selectors import area_at
from fangkong.zoning.services import area_declare

from ..factories import make_person
from ..isolation.factories import use_profile

pytestmark = pytest.mark.django_db


def test_the_set_based_decision_equals_the_per_person_one(city, users, lab, monkeypatch):
    use_profile("twenty-measures")
    area_declare(
        actor=users["command"], name="迎宾小区1号楼", area_class=AreaClass.SEALED, places=[("building", city.home.building.pk)], reason="t"
    )
    at = timezone.now()  # the area in force by then
    h = dt.timedelta(hours=1)
    home = [make_person(city.home.household, f"家{i}") for i in range(6)]
    away = [make_person(city.neighbour.household, f"邻{i}") for i in range(6)]
    fresh, stale, turned, recovered, pooled, awaited = home
    tie, nothing, future, late, held, blank = away

    def entry(person, sampled, result, *, pooled=False, resulted=None, ref=""):
        lab.entries.append(
            TestEntry(person.pk, sampled, resulted or (sampled + 0.5 * h if sampled else None), result, "test", "测试", ref, pooled)
        )

    entry(fresh, at - 5 * h, "negative")
    entry(stale, at - 60 * h, "negative")
    entry(turned, at - 10 * h, "negative")
    entry(turned, at - 3 * h, "positive")  # own positive after a negative
    entry(recovered, at - 20 * h, "positive")
    entry(recovered, at - 5 * h, "negative")
    entry(pooled, at - 5 * h, "negative")
    entry(pooled, at - 2 * h, "positive", pooled=True)  # a positive pooled tube is not the person's
    entry(awaited, at - 2 * h, "")
    entry(tie, at - 4 * h, "negative", ref="a")
    entry(tie, at - 4 * h, "positive", ref="b")  # sampled at the same moment: settled by source and record
    entry(future, at + h, "negative")  # not yet sampled at `at`
    entry(late, at - 2 * h, "negative", resulted=at + h)  # its result not known by `at`
    entry(held, at - 5 * h, "negative")
    entry(blank, at - 5 * h, "invalid")
    in_isolation = [PersonState(held.pk, StateKind.CENTRAL_ISOLATION, "测试")]
    monkeypatch.setitem(states.fetchers, "test", lambda ids, moment: [s for s in in_isolation if s.person_id in ids])
    people = [*home, *away]
    ids = [p.pk for p in people]

    # The test history: the SQL aggregate reads what latest_results reads.
    expected = {pid: Decisive(e.result, e.at) for pid, e in latest_results(ids, before=at).items() if e.at is not None}
    assert latest_decisive(ids, before=at) == expected
    assert expected[turned.pk].result == "positive" and expected[pooled.pk].result == "negative" and tie.pk in expected

    together = eligibility(ids, at=at)
    places = people_places(ids)
    for person in people:
        alone = eligibility([person.pk], at=at)[person.pk]
        assert [r.as_json() for r in together[person.pk]] == [r.as_json() for r in alone], person.name
        rules = {r.rule: r.met for r in together[person.pk]}
        assert rules[DepartureRule.NEGATIVE] is negative_within(person, 48, at=at), person.name
        assert rules[DepartureRule.AREA] is (area_at(places[person.pk], at) is None), person.name
        barred = any(s.kind in BARRED_STATES for s in states_at(person, at))
        assert rules[DepartureRule.STATE] is not barred, person.name
    assert expected[tie.pk].result == "positive"  # the later record ("b") of the two
    assert [p.name for p in people if all(r.met for r in together[p.pk])] == []  # home in the area, or no fresh negative
