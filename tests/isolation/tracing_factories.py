"""Builders for the 流调 tests: two cases (新城区, 回民区) and contacts added through the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from fangkong.cases.choices import CaseSource, Classification
from fangkong.cases.services import case_open_by_hand
from fangkong.isolation.choices import ExposureType
from fangkong.isolation.tracing.services import contact_add

from ..factories import make_person
from .factories import local

CONFIRMED = local(2022, 11, 14, 8)  # both cases confirmed that morning
EXPOSED = local(2022, 11, 13, 19)  # the evening before
TRACED = local(2022, 11, 14, 10)  # 流调 identifies the contacts at 10:00


@dataclass
class Trace:
    case_a: object  # 王秀英, home community (新城区)
    case_b: object  # 高峰, 回民区
    family: object  # 李建国, 王秀英's household
    neighbour: object  # 赵敏, the home community's other grid
    lone: list  # three more home-community residents
    far: object  # 马丽, 回民区


def open_case(actor, person, confirmed_at: dt.datetime = CONFIRMED):
    return case_open_by_hand(
        actor=actor,
        person=person,
        classification=Classification.MILD,
        confirmed_at=confirmed_at,
        source=CaseSource.HOSPITAL_REPORT,
        source_note="市第一医院发热门诊报告",
    )


def add(actor, case, person, *, exposure=ExposureType.HOUSEHOLD, last=EXPOSED, at=TRACED, place="迎宾小区1号楼", **kwargs):
    return contact_add(
        actor=actor, case=case, person=person, exposure=exposure, place=place, last_exposure_at=last, identified_at=at, **kwargs
    )


def add_secondary(actor, via, person, *, exposure=ExposureType.WORKPLACE, last=EXPOSED, at=TRACED, place="某单位办公室", **kwargs):
    return contact_add(
        actor=actor, via=via, person=person, exposure=exposure, place=place, last_exposure_at=last, identified_at=at, **kwargs
    )


@pytest.fixture
def trace(setup, city, users) -> Trace:
    b_person = make_person(city.elsewhere.household, "高峰")
    return Trace(
        case_a=open_case(users["command"], setup.family[0]),
        case_b=open_case(users["command"], b_person),
        family=setup.family[1],
        neighbour=setup.stranger,
        lone=setup.lone,
        far=setup.elsewhere,
    )
