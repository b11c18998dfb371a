from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import make_person, make_tree

from .factories import make_lab, make_lab_user, make_point, make_round


@dataclass
class Setup:
    round: object
    point: object
    lab: object
    lab_user: object
    ten: list  # ten residents of the home grid (two households)
    other_grid: list
    elsewhere: list


@pytest.fixture
def setup(city, users):
    extra = make_tree(household="102")
    people = list(city.home.household.members.order_by("pk"))
    people += [make_person(extra.household, f"居民{i}") for i in range(8)]
    testing_round = make_round(users["command"])
    lab = make_lab()
    return Setup(
        round=testing_round,
        point=make_point(city.home.community),
        lab=lab,
        lab_user=make_lab_user("lab", lab),
        ten=people,
        other_grid=list(city.neighbour.household.members.all()),
        elsewhere=list(city.elsewhere.household.members.all()),
    )
