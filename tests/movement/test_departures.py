"""有序离呼: an application decided by the ACTIVE profile — each rule on both sides of its line (the
negative's window, the barred area classes per profile, the person's state), every rule named in the
decision with its citation; many applications decided at once; approved travellers put on a coach
(all or none; capacity, mode); filing scoped to the worker's places."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.rows import RowsRefused
from fangkong.geo.person_states import PersonState, StateKind, states
from fangkong.movement.choices import ApplicationStatus, DepartureRule, TravelMode
from fangkong.movement.eligibility import eligibility
from fangkong.movement.models import DepartureApplication
from fangkong.movement.services.departures import applications_decide, departure_assign, departure_create, departure_file
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.services import area_declare

from ..factories import make_person
from ..isolation.factories import use_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(city):
    return make_person(city.home.household, "周游")


def file(users, person, mode=TravelMode.COACH):
    return departure_file(actor=users["community"], person=person, mode=mode, destination="赤峰市", travel_date=timezone.localdate())


def outcome(app, rule):
    return next(d for d in app.decision if d["rule"] == rule)


@pytest.mark.parametrize("profile", ["ninth-edition", "twenty-measures"])
@pytest.mark.parametrize(("hours_ago", "met"), [(47, True), (49, False)])
def test_the_negative_window_on_both_sides(city, users, lab, resident, profile, hours_ago, met):
    use_profile(profile)
    lab.negative(resident, timezone.now() - dt.timedelta(hours=hours_ago))
    app = file(users, resident)
    assert outcome(app, DepartureRule.NEGATIVE)["met"] is met
    assert app.status == (ApplicationStatus.APPROVED if met else ApplicationStatus.REFUSED)
    assert "48" in outcome(app, DepartureRule.NEGATIVE)["text"] and outcome(app, DepartureRule.NEGATIVE)["citation"]
    assert app.profile_code == profile
    assert [d["rule"] for d in app.decision] == [DepartureRule.AREA, DepartureRule.STATE, DepartureRule.NEGATIVE]


def test_no_result_and_a_positive_are_named(city, users, lab, resident):
    use_profile("twenty-measures")
    app = file(users, resident)
    assert not outcome(app, DepartureRule.NEGATIVE)["met"] and "没有核酸检测结果" in outcome(app, DepartureRule.NEGATIVE)["text"]
    other = make_person(city.home.household, "钱途")
    lab.negative(other, timezone.now() - dt.timedelta(hours=3), result="positive")
    assert "不是阴性" in outcome(file(users, other), DepartureRule.NEGATIVE)["text"]


@pytest.mark.parametrize(
    ("profile", "area_class", "met"),
    [
        ("twenty-measures", AreaClass.SEALED, False),
        ("twenty-measures", AreaClass.CONTROLLED, True),  # 二十条: only the high-risk area is barred
        ("ninth-edition", AreaClass.CONTROLLED, False),  # 9th edition: medium risk too
        ("ninth-edition", AreaClass.PRECAUTION, True),
    ],
)
def test_the_barred_area_classes_follow_the_profile(city, users, lab, resident, profile, area_class, met):
    use_profile(profile)
    lab.negative(resident, timezone.now() - dt.timedelta(hours=5))
    area_declare(
        actor=users["command"], name="迎宾小区1号楼", area_class=area_class, places=[("building", city.home.building.pk)], reason="t"
    )
    app = file(users, resident)
    rule = outcome(app, DepartureRule.AREA)
    assert rule["met"] is met
    if not met:
        assert "迎宾小区1号楼" in rule["text"] and app.status == ApplicationStatus.REFUSED
        assert "movement.departure_barred_classes" not in rule["text"]  # the rule's code stays in 依据 (the citation)


def test_an_area_lifted_before_no_longer_bars(city, users, lab, resident):
    use_profile("twenty-measures")
    lab.negative(resident, timezone.now() - dt.timedelta(hours=5))
    area = area_declare(
        actor=users["command"], name="旧区域", area_class=AreaClass.SEALED, places=[("building", city.home.building.pk)], reason="t"
    )
    area.status, area.lifted_at = "lifted", timezone.now() - dt.timedelta(hours=1)
    area.save()
    assert file(users, resident).status == ApplicationStatus.APPROVED


@pytest.mark.parametrize(
    ("kind", "met"), [(StateKind.CENTRAL_ISOLATION, False), (StateKind.HEALTH_MONITORING, False), (StateKind.CASE, False), (None, True)]
)
def test_isolation_monitoring_or_treatment_bars(city, users, lab, resident, monkeypatch, kind, met):
    use_profile("twenty-measures")
    lab.negative(resident, timezone.now() - dt.timedelta(hours=5))
    held = [PersonState(resident.pk, kind, "测试")] if kind else []
    monkeypatch.setitem(states.fetchers, "test", lambda ids, at: [s for s in held if s.person_id in ids])
    app = file(users, resident)
    assert outcome(app, DepartureRule.STATE)["met"] is met
    if not met:
        assert str(StateKind(kind).label) in outcome(app, DepartureRule.STATE)["text"]


def test_many_applications_are_decided_at_once_in_a_few_queries(city, users, lab, django_assert_max_num_queries):
    use_profile("twenty-measures")
    people = [make_person(city.home.household, f"旅客{i}") for i in range(60)]
    for p in people[::2]:
        lab.negative(p, timezone.now() - dt.timedelta(hours=10))
    DepartureApplication.objects.bulk_create(
        DepartureApplication(
            person=p,
            mode=TravelMode.COACH,
            destination="通辽",
            travel_date=timezone.localdate(),
            district_id=p.district_id,
            community_id=p.community_id,
            street_id=p.street_id,
            grid_id=p.grid_id,
        )
        for p in people
    )
    with django_assert_max_num_queries(25):
        counts = applications_decide(actor=users["district"])
    assert counts == {"approved": 30, "refused": 30}
    assert set(eligibility([people[0].pk], at=timezone.now())) == {people[0].pk}


def test_a_second_open_application_is_refused(city, users, lab, resident):
    use_profile("twenty-measures")
    lab.negative(resident, timezone.now() - dt.timedelta(hours=2))
    assert file(users, resident).status == ApplicationStatus.APPROVED
    with pytest.raises(DomainError) as err:
        file(users, resident)
    assert err.value.field == "id_number"


def test_a_worker_files_only_for_residents_of_their_places(city, users):
    use_profile("twenty-measures")
    outsider = make_person(city.elsewhere.household, "外区居民")
    with pytest.raises(DomainError):
        file(users, outsider)
    with pytest.raises(PermissionRefused):
        departure_file(actor=users["auditor"], person=outsider, mode=TravelMode.CAR, destination="x", travel_date=timezone.localdate())


def test_a_past_travel_date_is_refused(city, users, resident):
    use_profile("twenty-measures")
    with pytest.raises(DomainError) as err:
        departure_file(
            actor=users["community"],
            person=resident,
            mode=TravelMode.CAR,
            destination="x",
            travel_date=timezone.localdate() - dt.timedelta(days=1),
        )
    assert err.value.field == "travel_date"


def test_approved_travellers_board_a_coach_all_or_none(city, users, lab):
    use_profile("twenty-measures")
    people = [make_person(city.home.household, n) for n in ("甲乘客", "乙乘客", "丙乘客")]
    for p in people[:2]:
        lab.negative(p, timezone.now() - dt.timedelta(hours=2))
    apps = [file(users, p) for p in people]
    car = make_person(city.home.household, "丁自驾")
    lab.negative(car, timezone.now() - dt.timedelta(hours=2))
    by_car = file(users, car, mode=TravelMode.CAR)
    coach = departure_create(
        actor=users["district"],
        district=city.home.district,
        mode=TravelMode.COACH,
        label="蒙A·K0001",
        destination="赤峰市",
        departs_at=timezone.now() + dt.timedelta(hours=5),
        capacity=2,
    )
    with pytest.raises(RowsRefused) as err:
        departure_assign(actor=users["district"], departure=coach, application_ids=[apps[0].pk, apps[2].pk, by_car.pk])
    assert [e.row for e in err.value.errors] == [2, 3] and "丙乘客" in err.value.message
    assert not DepartureApplication.objects.filter(departure=coach).exists()  # nothing half-applied
    assert departure_assign(actor=users["district"], departure=coach, application_ids=[apps[0].pk, apps[1].pk]) == 2
    extra = make_person(city.home.household, "戊乘客")
    lab.negative(extra, timezone.now() - dt.timedelta(hours=2))
    with pytest.raises(RowsRefused) as err:
        departure_assign(actor=users["district"], departure=coach, application_ids=[file(users, extra).pk])
    assert "座位不足" in err.value.message
    assert set(coach.passengers.values_list("person__name", flat=True)) == {"甲乘客", "乙乘客"}
