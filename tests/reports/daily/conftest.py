"""A street with two communities (the home community and 新华社区), their workers, the street office,
the district office and the command; and a fixed Beijing day (2026-03-02, 15:00 — before the
communities' 16:00 deadline) that tests move on from."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fangkong.core.roles import Role

from ...factories import make_tree, make_user

BEIJING = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 3, 2)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BEIJING)


@pytest.fixture
def clock():
    with time_machine.travel(at(15), tick=False) as traveller:
        yield traveller


@pytest.fixture
def second(city):
    return make_tree(community="新华社区", grid="第一网格", compound="新华小区")


@pytest.fixture
def people(city, users, second):
    return {
        **users,
        "community2": make_user("community2", Role.COMMUNITY_WORKER, [("community", second.community)]),
        "other": make_user("other-community", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)]),
    }
