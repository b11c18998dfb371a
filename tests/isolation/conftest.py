from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import make_person, make_tree

from .factories import make_site, make_site_user, use_profile
from .tracing_factories import trace  # noqa: F401  (the 流调 fixture)


@dataclass
class Setup:
    site: object  # 如家酒店隔离点 in 新城区 (the home district)
    other_site: object  # another site, in 回民区
    site_user: object
    other_site_user: object
    family: list  # two people of one household (the home household)
    stranger: object  # a resident of another household in the same community (neighbour grid)
    elsewhere: object  # a resident of 回民区
    lone: list  # three more people, each of their own household, in the home community


@pytest.fixture
def profile(db):
    """The 20 measures profile (the default active one) unless a test switches."""
    return use_profile("twenty-measures")


@pytest.fixture
def setup(city, users, profile):
    site = make_site(users["command"], city.home.community)
    other = make_site(users["command"], city.elsewhere.community, name="锦江之星隔离点")
    lone = [make_person(make_tree(household=f"60{i}").household, f"独居{i}") for i in range(3)]
    return Setup(
        site=site,
        other_site=other,
        site_user=make_site_user("hotel", site),
        other_site_user=make_site_user("hotel2", other),
        family=list(city.home.household.members.order_by("pk")),
        stranger=city.neighbour.household.members.first(),
        elsewhere=city.elsewhere.household.members.first(),
        lone=lone,
    )
