"""Volunteers fixtures: a fixed Beijing clock, the city of tests/conftest.py, coordinators of the home
district, another district and one organisation, the home district's office, and volunteers in each
state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fangkong.core.roles import Role
from fangkong.geo.person_states import PersonState, states
from fangkong.volunteers.models import Need, Organisation, ServicePoint, TaskType, Volunteer
from fangkong.volunteers.services import (
    Application,
    need_publish,
    organisation_add,
    point_add,
    volunteer_apply,
    volunteer_approve,
    volunteer_verify,
)

from ..factories import make_person, make_user, next_id_number

BEIJING = ZoneInfo("Asia/Shanghai")
DAY0 = dt.datetime(2022, 11, 10, 7, 0, tzinfo=BEIJING)  # 07:00 Beijing: the morning before the first shift


def at_hour(hour: int, minute: int = 0, *, days: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY0.date() + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=BEIJING)


@pytest.fixture
def clock():
    """clock(moment): move the clock there (it stays until the next call or the test's end)."""
    holder: list = []

    def move(moment: dt.datetime) -> dt.datetime:
        if holder:
            holder.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        holder.append(traveller)
        return moment

    move(DAY0)
    yield move
    if holder:
        holder.pop().stop()


@dataclass
class World:
    city: object
    coordinator: object  # 新城区 (home)
    other: object  # 回民区 (elsewhere)
    org_coordinator: object  # granted one organisation only
    organisation: Organisation
    point: ServicePoint

    def apply(
        self, name: str = "志愿者甲", *, tree=None, id_number: str | None = None, organisation: Organisation | None = None
    ) -> Volunteer:
        tree = tree or self.city.home
        number = id_number or next_id_number(tree.district.code)
        volunteer_apply(
            Application(
                name=name,
                id_number=number,
                phone="13912345678",
                community_id=tree.community.pk,
                skills=("sampling",),
                organisation_id=(organisation or self.organisation).pk,
            )
        )
        return Volunteer.objects.get(name=name)

    def approved(self, name: str = "志愿者甲", *, field_work: bool = True, tree=None, resident: bool = True) -> Volunteer:
        tree = tree or self.city.home
        number = next_id_number(tree.district.code)
        if resident:
            make_person(tree.household, name, id_number=number)
        v = self.apply(name, tree=tree, id_number=number)
        volunteer_verify(actor=self.coordinator, volunteer=v)
        return volunteer_approve(actor=self.coordinator, volunteer=v, field_work=field_work)

    def need(self, start: dt.datetime, end: dt.datetime, *, headcount: int = 2, task: str = "nat_testing", point=None) -> Need:
        return need_publish(
            actor=self.coordinator,
            point=point or self.point,
            task_type=TaskType.objects.get(code=task),
            starts_at=start,
            ends_at=end,
            headcount=headcount,
        )


@pytest.fixture
def world(city, clock) -> World:
    coordinator = make_user("xietiao", Role.VOLUNTEER_COORDINATOR, [("district", city.home.district)])
    other = make_user("huimin-xietiao", Role.VOLUNTEER_COORDINATOR, [("district", city.elsewhere.district)])
    organisation = organisation_add(actor=coordinator, name="共青团应急保障志愿服务队", kind="youth_league", district=city.home.district)
    org_coordinator = make_user("tuanwei", Role.VOLUNTEER_COORDINATOR)
    from fangkong.accounts.models import Grant

    Grant.objects.create(user=org_coordinator, level="facility", facility_kind="volunteer_organisation", place_id=organisation.pk)
    point = point_add(
        actor=coordinator, name="迎宾小区核酸采样点", kind="sampling", community=city.home.community, organisation=organisation
    )
    return World(city, coordinator, other, org_coordinator, organisation, point)


@pytest.fixture
def office(world):
    """新城区's district office: manages volunteers too, and holds what shows a person's status
    elsewhere (geo.view_people, isolation.view, cases.view) — told a field-work block in full."""
    return make_user("xinchengqu-ban", Role.DISTRICT_OFFICE, [("district", world.city.home.district)])


@pytest.fixture
def isolated(monkeypatch):
    """isolated(person): the person is in central isolation (as the isolation module would say)."""
    held: set[int] = set()

    def fetch(ids, moment):
        return [PersonState(pid, "central_isolation", "集中隔离 · 测试隔离点") for pid in ids if pid in held]

    monkeypatch.setitem(states.fetchers, "test", fetch)
    return lambda person_id: held.add(person_id)
