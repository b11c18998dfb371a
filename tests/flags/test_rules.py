"""Each flag rule with a positive and a negative case, over the owning module's own data: a transfer
past its same-day deadline, a contact not isolated within the day, a tube past 24 h, a sealed
compound without its 4+N roster; an area wider than the policy's unit, the same person sampled in
two rounds on one day (a door re-test is a reason: no flag)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.flags.choices import FlagKind, FlagRuleCode
from fangkong.flags.models import Flag
from fangkong.policy.regimen import local_date, local_midnight
from fangkong.testing.models import TestingRound as Round
from fangkong.testing.models import Tube, TubeMember
from fangkong.testing.services import Binding, bulk_bind
from fangkong.zoning.choices import AreaClass, AreaStatus, PlaceLevel
from fangkong.zoning.models import RiskArea, RiskAreaPlace

from ..cases.factories import open_case
from ..factories import make_person
from ..isolation.tracing_factories import add
from ..testing import factories as tf
from .conftest import evaluate, open_subjects

pytestmark = pytest.mark.django_db


def _two_days_ago_at_ten() -> dt.datetime:
    """10:00 Beijing two days ago: five minutes later is still the same Beijing day, at any hour of the run."""
    return local_midnight(local_date(timezone.now()) - dt.timedelta(days=2)) + dt.timedelta(hours=10)


def _flag(code: str) -> Flag:
    return Flag.objects.open().get(rule=code)


def test_a_transfer_past_its_same_day_deadline_is_flagged_at_its_community(city, users):
    confirmed = _two_days_ago_at_ten()
    case = open_case(users["command"], make_person(city.home.household, "阳性乙"), confirmed_at=confirmed)
    transfer = case.transfers.get()
    assert evaluate(FlagRuleCode.TRANSFER_OVERDUE, confirmed + dt.timedelta(minutes=5)).found == 0  # within the day: no flag
    evaluate(FlagRuleCode.TRANSFER_OVERDUE, transfer.deadline_at + dt.timedelta(hours=1))
    flag = _flag(FlagRuleCode.TRANSFER_OVERDUE)
    assert flag.subject == f"community:{city.home.community.pk}" and flag.kind == FlagKind.UNDER
    assert [(e["ref"], e["id"]) for e in flag.evidence] == [("cases.transfer", transfer.pk)]
    assert "阳性乙" not in str(flag.evidence) and "transfer.deadline" in flag.citation and "层层加码" in flag.citation


def test_a_contact_not_isolated_within_the_day_is_flagged(city, users):
    traced = _two_days_ago_at_ten()
    case = open_case(users["command"], make_person(city.home.household, "阳性丙"), confirmed_at=traced - dt.timedelta(hours=2))
    contact = add(users["command"], case, make_person(city.home.household, "密接丁"), last=traced - dt.timedelta(hours=12), at=traced)
    episode = contact.episode if hasattr(contact, "episode") else None
    assert evaluate(FlagRuleCode.ISOLATION_OVERDUE, traced + dt.timedelta(minutes=5)).found == 0
    evaluate(FlagRuleCode.ISOLATION_OVERDUE, traced + dt.timedelta(days=1, hours=1))
    flag = _flag(FlagRuleCode.ISOLATION_OVERDUE)
    assert flag.evidence[0]["ref"] == "isolation.episode" and "密接丁" not in str(flag.evidence)
    if episode is not None:
        assert flag.evidence[0]["id"] == episode.pk
    assert "contact.isolation_deadline" in flag.citation


def test_a_tube_past_its_deadline_is_flagged_and_a_resulted_one_is_not(positives):
    now = timezone.now()
    assert evaluate(FlagRuleCode.TUBE_OVERDUE, now).found == 0  # both tubes have their results
    tube = Tube.objects.order_by("pk").first()
    Tube.objects.filter(pk=tube.pk).update(deadline_at=now - dt.timedelta(hours=1), resulted_at=None, result="")
    evaluate(FlagRuleCode.TUBE_OVERDUE, now)
    item = _flag(FlagRuleCode.TUBE_OVERDUE).evidence[0]
    assert (item["ref"], item["id"]) == ("testing.tube", tube.pk) and tube.barcode in item["text"]


def _area(tree, *, area_class=AreaClass.SEALED, level=PlaceLevel.BUILDING, place=None, wider=False) -> RiskArea:
    area = RiskArea.objects.create(
        name=f"{tree.compound.name}{tree.building.name}",
        area_class=area_class,
        status=AreaStatus.IN_FORCE,
        district_id=tree.district.pk,
        street_id=tree.street.pk,
        community_id=tree.community.pk,
        in_force_at=timezone.now() - dt.timedelta(days=1),
        level_since=timezone.now() - dt.timedelta(days=1),
        wider_than_policy=wider,
    )
    place = place or tree.building
    RiskAreaPlace.objects.create(
        area=area,
        level=level,
        place_id=place.pk,
        name=place.name,
        district_id=tree.district.pk,
        street_id=tree.street.pk,
        community_id=tree.community.pk,
    )
    return area


def test_a_sealed_compound_without_its_4_plus_n_roster_is_flagged(city):
    _area(city.home, area_class=AreaClass.CONTROLLED)
    assert evaluate(FlagRuleCode.DUTY_GAP, timezone.now()).found == 0  # controlled, not sealed: no roster asked
    _area(city.home)
    evaluate(FlagRuleCode.DUTY_GAP, timezone.now())
    flag = _flag(FlagRuleCode.DUTY_GAP)
    assert flag.subject == f"compound:{city.home.compound.pk}" and flag.item_count == 4  # the four required roles
    assert all(e["ref"] == "geo.compound" for e in flag.evidence)


def test_an_area_wider_than_the_policys_unit_is_flagged_and_a_building_is_not(city):
    _area(city.home)
    assert evaluate(FlagRuleCode.AREA_TOO_WIDE, timezone.now()).found == 0
    wide = _area(city.elsewhere, level=PlaceLevel.COMMUNITY, place=city.elsewhere.community, wider=True)
    evaluate(FlagRuleCode.AREA_TOO_WIDE, timezone.now())
    flag = _flag(FlagRuleCode.AREA_TOO_WIDE)
    assert flag.subject == f"area:{wide.pk}" and flag.kind == FlagKind.OVER
    assert city.elsewhere.community.name in flag.evidence[0]["text"] and flag.district_id == city.elsewhere.district.pk


def _sample(users, person, number: int, when: dt.datetime, barcode: str) -> None:
    r = Round.objects.filter(number=number).first() or tf.make_round(users["command"], number=number)
    point = tf.make_point(person.community, name=f"采样点{number}")
    bulk_bind(
        actor=users["command"],
        testing_round=r,
        sampling_point=point,
        pooling_mode="single",
        bindings=[Binding(barcode, person_id=person.pk)],
        at=when,
    )


def test_the_same_person_sampled_in_two_rounds_on_one_day_is_flagged(city, users):
    person = make_person(city.home.household, "重复甲")
    morning = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    if morning + dt.timedelta(hours=1) > timezone.now():  # the third sample (08:30) must be in the past
        morning -= dt.timedelta(days=1)
    _sample(users, person, 8, morning, "R8-001")
    _sample(users, person, 9, morning - dt.timedelta(days=1), "R9-001")
    assert evaluate(FlagRuleCode.TESTED_TWICE, timezone.now(), full=True).found == 0  # two days: no flag
    _sample(users, person, 10, morning + dt.timedelta(minutes=30), "R10-001")
    evaluate(FlagRuleCode.TESTED_TWICE, timezone.now())
    flag = _flag(FlagRuleCode.TESTED_TWICE)
    assert flag.kind == FlagKind.OVER and flag.subject.startswith(f"community:{city.home.community.pk}:")
    assert "R8-001" in flag.evidence[0]["text"] and "R10-001" in flag.evidence[0]["text"] and "重复甲" not in str(flag.evidence)


def test_a_door_re_test_the_same_day_is_a_reason_not_a_flag(city, users):
    person = make_person(city.home.household, "复检乙")
    when = timezone.now() - dt.timedelta(minutes=50)
    _sample(users, person, 8, when, "R8-002")
    TubeMember.objects.create(
        round=Round.objects.get(number=8),
        tube=Tube.objects.get(barcode="R8-002"),
        person=person,
        is_resample=True,
        sampled_at=when + dt.timedelta(minutes=20),
        **{f: getattr(person, f) for f in ("district_id", "street_id", "community_id", "grid_id", "household_id")},
    )
    assert evaluate(FlagRuleCode.TESTED_TWICE, timezone.now(), full=True).found == 0
    assert open_subjects(FlagRuleCode.TESTED_TWICE) == set()
