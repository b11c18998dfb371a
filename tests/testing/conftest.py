from __future__ import annotations

from dataclasses import dataclass

import pytest

from fangkong.testing.services import Binding, bulk_bind, tube_receive
from tests.factories import make_person, make_tree

from .factories import at, make_lab, make_lab_user, make_point, make_round, upload


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


@pytest.fixture
def sampled(setup, users):
    """Eight home-grid residents in a 10-in-1 tube P1, the neighbour grid's resident alone in S1;
    both received by the lab, S1 positive (a confirmed positive awaiting case handling)."""
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode="pooled_10",
        bindings=[Binding("P1", person_id=p.pk) for p in setup.ten[2:]], at=at(1),
    )  # fmt: skip
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode="single",
        bindings=[Binding("S1", person_id=setup.other_grid[0].pk)], at=at(2),
    )  # fmt: skip
    tube_receive(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, barcodes=["P1", "S1"], at=at(3))
    upload(setup.lab_user, setup.round, setup.lab, [("S1", "阳性", 30, 31, "2022-02-25 16:00")], at(9))
    return setup
