"""Orderly-movement fixtures: a traffic group (one requests, another approves), a checkpoint in the
home district, a pass approved for a trip from now, and a results source the test writes to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from fangkong.core.roles import Role
from fangkong.movement.models import Checkpoint
from fangkong.movement.services.passes import pass_approve, pass_request
from fangkong.results.history import TestEntry, sources

from ..factories import make_user
from ..isolation.factories import use_profile

DRIVER_ID = "15010219800517901X"  # fangkong.geo.idnumbers.make_resident_id("150102", 1980-05-17, 901)


@dataclass
class Lab:
    entries: list[TestEntry] = field(default_factory=list)

    def negative(self, person, sampled_at: dt.datetime, result: str = "negative") -> None:
        self.entries.append(TestEntry(person.pk, sampled_at, sampled_at + dt.timedelta(minutes=30), result, "test", "测试"))

    def fetch(self, person_ids, before):
        ids = set(person_ids)
        return [e for e in self.entries if e.person_id in ids and (before is None or e.sampled_at <= before)]


@pytest.fixture
def lab(monkeypatch):
    found = Lab()
    monkeypatch.setitem(sources.fetchers, "test", found.fetch)
    return found


@pytest.fixture
def traffic(city, users):
    use_profile("twenty-measures")
    return {
        "requester": users["district"],
        "approver": make_user("district2", Role.DISTRICT_OFFICE, [("district", city.home.district)]),
    }


@pytest.fixture
def checkpoint(city):
    return Checkpoint.objects.create(name="金桥收费站卡口", road="G6 京藏高速", district_id=city.home.district.pk, status="approved")


def request_pass(actor, district, *, plate="蒙A12345", hours=24, start=None, driver_id=DRIVER_ID, **kw):
    start = start or timezone.now() - dt.timedelta(hours=1)
    return pass_request(
        actor=actor,
        district=district,
        plate=plate,
        purpose=kw.get("purpose", "运送医疗物资"),
        origin="呼和浩特市新城区",
        destination="包头市昆都仑区",
        valid_from=start,
        valid_until=start + dt.timedelta(hours=hours),
        driver_name="王师傅",
        driver_id=driver_id,
    )


@pytest.fixture
def approved_pass(city, traffic):
    vp = request_pass(traffic["requester"], city.home.district)
    return pass_approve(actor=traffic["approver"], vehicle_pass=vp)
