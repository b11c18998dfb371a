"""Shared pieces of the 快转 page tests: a city with cases in every state, positives in the testing
queue, and request helpers. Fixtures are named (`name=`) so that the test modules import them under
another name and take them as arguments without shadowing the import."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fangkong.cases.choices import Classification
from fangkong.cases.services import case_discharge, case_test_record, transfer_dispatch
from fangkong.testing.models import ConfirmedPositive
from fangkong.testing.services import Binding, bulk_bind

from ..testing import factories as tf
from .factories import at, board_transfer, open_case
from .test_services import admit

HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass
class Scene:
    in_hospital: object  # 新城区, moderate, admitted at the hospital (one test recorded)
    in_fangcang: object  # 新城区, mild, admitted at the Fangcang
    coming: object  # 新城区, moderate, dispatched to the hospital
    waiting: object  # 回民区, mild, on the board
    discharged: object  # 新城区, discharged from the Fangcang, in home monitoring
    awaiting: object  # 新城区, mild, on the board (opened by the district office)


@pytest.fixture(name="scene")
def scene_fixture(wards, users) -> Scene:
    """The cases of tests/cases/test_scoping.py's `spread`, and one more of the district's on the board."""
    command = users["command"]
    p = wards.people
    in_hospital = open_case(command, p[0], Classification.MODERATE)
    admit(in_hospital, wards, users)
    case_test_record(actor=wards.hospital_user, case=in_hospital, result="negative", sampled_at=at(5))
    in_fangcang = open_case(command, p[1], Classification.MILD)
    admit(in_fangcang, wards, users)
    coming = open_case(command, p[2], Classification.MODERATE)
    transfer_dispatch(actor=command, transfer=board_transfer(coming), vehicle="车3", at=at(4))
    waiting = open_case(command, wards.elsewhere, Classification.MILD)
    discharged = open_case(command, p[3], Classification.MILD)
    admit(discharged, wards, users)
    for h in (24, 48):
        case_test_record(actor=wards.fangcang_user, case=discharged, result="negative", sampled_at=at(h))
    case_discharge(actor=wards.fangcang_user, case=discharged, at=at(50))
    awaiting = open_case(users["district"], p[4], Classification.MILD)
    return Scene(in_hospital, in_fangcang, coming, waiting, discharged, awaiting)


@pytest.fixture(name="positives")
def positives_fixture(city, users, wards) -> list[ConfirmedPositive]:
    """Two single tubes positive in round 8 (2022-02-25): 王秀英 (新城区) and 马丽 (回民区)."""
    lab = tf.make_lab()
    lab_user = tf.make_lab_user("lab", lab)
    r = tf.make_round(users["command"])
    point = tf.make_point(city.home.community)
    bulk_bind(
        actor=users["command"],
        testing_round=r,
        sampling_point=point,
        pooling_mode="single",
        bindings=[Binding("S1", person_id=wards.people[0].pk), Binding("S2", person_id=wards.elsewhere.pk)],
        at=tf.at(1),
    )
    tf.upload(lab_user, r, lab, [("S1", "阳性", 28, 30, "2022-02-25 15:00"), ("S2", "阳性", 31, 32, "2022-02-25 16:00")], tf.at(9))
    return list(ConfirmedPositive.objects.order_by("pk"))


def as_user(client, user):
    client.force_login(user)
    return client
