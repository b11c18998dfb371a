"""Security review E, finding 2: a sampler could add people to another district's open tube by its
barcode — the round's tubes were read by barcode unscoped, and a row was refused at another point
only when it named one — and the refusals told a foreign barcode's state and pooling ("试管 FAR2
已封管，不能再加人"). A tube belongs to its sampling point: any existing tube of the round that is
not at the request's point, or not at a point the sampler sees, is now refused as a used barcode,
in the words of opening one — the same message whatever that tube is. Each attack test fails on the
old code; the bindings by ID number run through the database path too on PostgreSQL."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from fangkong.core.roles import Role
from fangkong.geo.models import Person
from fangkong.testing.choices import CheckOutcome
from fangkong.testing.models import PersonCheck, Tube, TubeMember
from fangkong.testing.services import Binding, MemberCheck, RowsRefused, bulk_bind, household_check_record

from ..factories import make_person, make_user
from .factories import at, make_point, make_round
from .test_binding_in_database import both_paths, number

pytestmark = pytest.mark.django_db


def used(barcode: str) -> str:
    return f"试管条码 {barcode} 本轮已使用"


@pytest.fixture
def far(city, users):
    """A round; a sampling point of the home community; in 回民区 a point with an open 10-in-1 tube
    FAR1 (马丽) and a full, closed single tube FAR2 — neither seen by the home district's samplers."""
    testing_round = make_round(users["command"])
    home_point = make_point(city.home.community)
    far_point = make_point(city.elsewhere.community, name="通顺小区采样点")
    far_worker = make_user("far", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    for barcode, mode, person in (
        ("FAR1", "pooled_10", Person.objects.get(name="马丽")),
        ("FAR2", "single", make_person(city.elsewhere.household, "远方客")),
    ):
        bulk_bind(
            actor=far_worker, testing_round=testing_round, sampling_point=far_point, pooling_mode=mode,
            bindings=[Binding(barcode, person_id=person.pk)], at=at(1),
        )  # fmt: skip
    assert Tube.objects.get(barcode="FAR2").status == "closed"
    return testing_round, home_point, far_point


def _post(user, testing_round, body):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(f"/api/testing/rounds/{testing_round.pk}/bindings/", body, format="json")


def _untouched():
    assert list(Tube.objects.order_by("barcode").values_list("barcode", "member_count")) == [("FAR1", 1), ("FAR2", 1)]
    assert TubeMember.objects.count() == 2


def test_a_sampler_cannot_add_a_resident_to_another_districts_open_tube(city, users, far):
    testing_round, home_point, far_point = far
    assert not Tube.objects.visible_to(users["grid"]).filter(barcode="FAR1").exists()
    mine = Person.objects.get(name="李建国")
    # the request's point their own, the foreign barcode in the row (the review's attack)
    r = _post(users["grid"], testing_round, {"sampling_point": home_point.pk, "bindings": [{"barcode": "FAR1", "person_id": mine.pk}]})
    assert r.status_code == 400, r.content
    assert [(e["row"], e["field"], e["message"]) for e in r.json()["errors"]] == [(1, "barcode", used("FAR1"))]
    # naming the foreign point in the row, or no point at all: the same
    for body in (
        [{"barcode": "FAR1", "person_id": mine.pk, "sampling_point": far_point.pk}],
        [{"barcode": "FAR1", "person_id": mine.pk}],
    ):
        r = _post(users["grid"], testing_round, body)
        assert r.status_code == 400 and [e["message"] for e in r.json()["errors"]] == [used("FAR1")], r.content
    _untouched()


def test_the_refusal_tells_nothing_of_a_foreign_tube(users, far):
    testing_round, home_point, _far_point = far
    mine = Person.objects.get(name="李建国")
    answers = {}
    for barcode in ("FAR1", "FAR2"):
        r = _post(users["grid"], testing_round, [{"barcode": barcode, "person_id": mine.pk, "pooling_mode": "pooled_20"}])
        assert r.status_code == 400
        answers[barcode] = [(e["field"], e["message"].replace(barcode, "X")) for e in r.json()["errors"]]
        body = r.content.decode()
        assert not any(word in body for word in ("已封管", "10合1", "单采单检", "采样点", "通顺")), body
    assert answers["FAR1"] == answers["FAR2"] == [("barcode", used("X"))]  # open or closed, pooled or single: one answer
    _untouched()


def test_bindings_by_id_number_are_refused_the_same_on_both_paths(city, users, far, monkeypatch):
    """On PostgreSQL the database path reads the tubes too (decision 0021): it must send the request
    to the full path, which refuses it; nothing is written by either."""
    testing_round, home_point, _far_point = far
    home_people = list(city.home.household.members.order_by("pk"))
    said, members, tubes = both_paths(
        monkeypatch, users["community"], testing_round, home_point, lambda: [Binding("FAR1", id_number=number(p)) for p in home_people]
    )
    assert said[0] == "refused" and [(e[0], e[1], e[2]) for e in said[2]] == [(i + 1, "barcode", used("FAR1")) for i in range(2)]
    assert [t[:2] for t in tubes] == [("FAR1", 1), ("FAR2", 1)] and len(members) == 2


def test_a_tube_belongs_to_its_point_and_its_sampler_carries_on_with_it(city, users, far):
    testing_round, home_point, _far_point = far
    other_point = make_point(city.home.community, name="迎宾小区第二采样点")
    make_person(city.home.household, "周三")
    people = list(city.home.household.members.order_by("pk"))
    bulk_bind(
        actor=users["grid"], testing_round=testing_round, sampling_point=home_point, pooling_mode="pooled_10",
        bindings=[Binding("H1", person_id=people[0].pk)], at=at(2),
    )  # fmt: skip
    # at another point of their own, even one they see, the tube is a used barcode
    with pytest.raises(RowsRefused) as refused:
        bulk_bind(
            actor=users["grid"], testing_round=testing_round, sampling_point=other_point, bindings=[Binding("H1", person_id=people[1].pk)]
        )
    assert [(e.field, e.message) for e in refused.value.errors] == [("barcode", used("H1"))]
    # at its own point, or by barcode alone (the sampler's tube page), it carries on
    bulk_bind(actor=users["grid"], testing_round=testing_round, sampling_point=home_point, bindings=[Binding("H1", person_id=people[1].pk)])
    bulk_bind(actor=users["grid"], testing_round=testing_round, bindings=[Binding("H1", person_id=people[2].pk)])
    assert Tube.objects.get(barcode="H1").member_count == 3


def test_door_knocking_cannot_sample_into_another_districts_tube(city, users, far):
    testing_round, home_point, _far_point = far
    mine = Person.objects.get(name="李建国")
    for point in (home_point, None):
        with pytest.raises(RowsRefused) as refused:
            household_check_record(
                actor=users["grid"], testing_round=testing_round, household=city.home.household, sampling_point=point,
                members=[MemberCheck(mine.pk, CheckOutcome.SAMPLED_ON_SPOT, barcode="FAR1")], at=at(3),
            )  # fmt: skip
        assert [e.message for e in refused.value.errors] == [used("FAR1")]
    assert not PersonCheck.objects.exists()
    _untouched()
