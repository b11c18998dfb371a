"""民生保障 fixtures: a ledger resident (an elderly woman living alone in the home compound), a work
group of the compound with a member who has an account, and a voucher programme."""

from __future__ import annotations

import pytest

from fangkong.core.roles import Role
from fangkong.livelihood.choices import MemberKind, Need
from fangkong.livelihood.services.groups import group_add, member_add, pair
from fangkong.livelihood.services.ledger import entry_add

from ..factories import make_person, make_user


@pytest.fixture
def worker(users):
    return users["community"]


@pytest.fixture
def deliverer(city):
    """A volunteer with an account granted the home grid (the deliverer's phone page)."""
    return make_user("volunteer1", Role.VOLUNTEER_COORDINATOR, [("community", city.home.community)])


@pytest.fixture
def resident(city):
    return make_person(city.home.household, "刘桂兰", phone="13800003333", tags=["elderly_alone"])


@pytest.fixture
def entry(worker, resident):
    return entry_add(
        actor=worker,
        person=resident,
        categories=["elderly_alone"],
        needs=[Need.FOOD, Need.MEDICINE],
        contact_name="刘女士之子",
        contact_phone="13800004444",
        can_order_by_phone=False,
    )


@pytest.fixture
def group(worker, city):
    return group_add(actor=worker, compound=city.home.compound, name="迎宾小区上门服务组")


@pytest.fixture
def member(worker, group, deliverer):
    return member_add(actor=worker, group=group, kind=MemberKind.VOLUNTEER, name="马李鑫", phone="13800005555", username=deliverer.username)


@pytest.fixture
def paired(worker, member, entry):
    return pair(actor=worker, member=member, entries=[entry])[0]
