"""The demo's risk areas: every stage of the 严管 flow through the services (times in the past),
from the demo round's screening; deterministic for a seed; the synthetic city's coordinates."""

from __future__ import annotations

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.geo.hohhot import DISTRICT_BOXES
from fangkong.geo.models import Building, Compound
from fangkong.geo.synthetic import city_generate
from fangkong.testing.synthetic import round_generate
from fangkong.zoning.choices import AreaStatus
from fangkong.zoning.lifting import lifting_statuses
from fangkong.zoning.models import RiskArea
from fangkong.zoning.synthetic import DEMO_MARK, zoning_generate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("beijing_afternoon")]


@pytest.fixture
def demo_city():
    city_generate(actor=None, people=1500, seed=7)
    round_generate(seed=7)


def _picture():
    return sorted(RiskArea.objects.filter(name__endswith=DEMO_MARK).values_list("name", "status", "in_force_at", "lifted_at"))


def test_every_stage_through_the_services(demo_city):
    stats = zoning_generate(seed=2022)
    demo = RiskArea.objects.filter(name__endswith=DEMO_MARK)
    statuses = set(demo.values_list("status", flat=True))
    assert statuses == {AreaStatus.PROPOSED, AreaStatus.REJECTED, AreaStatus.IN_FORCE, AreaStatus.LIFTED}
    assert {"in_force", "screening", "overdue", "due"} <= set(stats.stages)
    assert demo.filter(status=AreaStatus.REJECTED, wider_than_policy=True).exists()
    clocks = lifting_statuses(list(demo.filter(status=AreaStatus.IN_FORCE)))
    assert any(c.overdue for c in clocks.values())
    assert any(not c.due and c.unsampled_count for c in clocks.values())  # day 5, screening still to sample
    assert any(not c.due and c.day == 2 for c in clocks.values())  # the clock running
    lifted = demo.get(status=AreaStatus.LIFTED)
    assert lifted.transitions.filter(to_status=AreaStatus.LIFTED).exclude(citation=None).exists()  # lifted by rule, named
    # Audited through the services: proposal, decisions, the lifting and the daily review.
    events = set(AuditEvent.objects.filter(event_type__startswith="zoning.").values_list("event_type", flat=True))
    assert {"zoning.area_proposed", "zoning.area_approved", "zoning.area_rejected", "zoning.area_lifted"} <= events


def test_deterministic_for_a_seed(demo_city):
    zoning_generate(seed=2022)
    first = _picture()
    RiskArea.objects.filter(name__endswith=DEMO_MARK).delete()
    zoning_generate(seed=2022)
    assert [(n, s) for n, s, *_ in _picture()] == [(n, s) for n, s, *_ in first]


def test_coordinates_inside_their_district(demo_city):
    for model in (Compound, Building):
        rows = list(model.objects.values_list("lat", "lon", "district__code"))
        assert rows and all(lat is not None for lat, _lon, _c in rows)
        for lat, lon, code in rows:
            south, west, north, east = DISTRICT_BOXES[code]
            assert south <= lat <= north and west <= lon <= east


@pytest.mark.parametrize("clock", ["00:05", "23:55"])
def test_every_stage_at_any_hour(clock, db):
    """Built just after and just before Beijing midnight, the demo — the city, round 8, the cases and
    the isolation sites (their tests are in the history too), then the areas — still shows every
    stage: proposed, rejected, in force with its clock running, due to lift today (not overdue: its
    day-5 screening was sampled today, door to door), overdue, lifted."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    from fangkong.cases.synthetic import cases_generate
    from fangkong.isolation.synthetic import isolation_generate
    from fangkong.testing.models import DoorSamplingTask, TestingRound
    from fangkong.testing.synthetic.screening import door_screening_generate

    hour, minute = (int(x) for x in clock.split(":"))
    moment = dt.datetime(2022, 11, 20, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=True):
        city_generate(actor=None, people=1500, seed=7)
        round_generate(seed=7)
        cases_generate(seed=7)
        isolation_generate(seed=7)
        stats = zoning_generate(seed=2022, screen=door_screening_generate)
        demo = RiskArea.objects.filter(name__endswith=DEMO_MARK)
        assert set(demo.values_list("status", flat=True)) == {
            AreaStatus.PROPOSED,
            AreaStatus.REJECTED,
            AreaStatus.IN_FORCE,
            AreaStatus.LIFTED,
        }
        clocks = lifting_statuses(list(demo.filter(status=AreaStatus.IN_FORCE))).values()
        assert any(c.due and not c.overdue for c in clocks), [(c.day, c.due, c.overdue, c.summary) for c in clocks]
        assert any(c.overdue for c in clocks)
        assert any(not c.due and 0 < c.day < 5 for c in clocks)  # the clock running
        assert any(not c.due and c.day >= 5 and c.unsampled_count for c in clocks)  # day 5, its screening still to sample
        assert {"due_today", "overdue", "due"} <= set(stats.stages)
        screening = TestingRound.objects.get(name__endswith="高风险区第5天筛查")
        assert screening.status == "closed" and DoorSamplingTask.objects.filter(round=screening).exists()
        assert TestingRound.objects.filter(status="active").count() == 1  # the demo's current round is still round 8
