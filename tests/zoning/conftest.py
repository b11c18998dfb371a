"""Risk-area fixtures: a results source the test writes to (registered with the person test history
like the domain apps' own), a clock moved to fixed Beijing times, and a building with residents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fangkong.results.history import TestEntry, sources

from ..factories import make_person, make_tree
from ..isolation.factories import use_profile

BEIJING = ZoneInfo("Asia/Shanghai")
DAY0 = dt.datetime(2022, 11, 10, 10, 0, tzinfo=BEIJING)  # the area is approved on day 0 at 10:00


def day(n: int, hour: int = 10) -> dt.datetime:
    return DAY0.replace(hour=hour) + dt.timedelta(days=n)


@dataclass
class Lab:
    """Results of the area's residents, as the history would return them from any source."""

    entries: list[TestEntry] = field(default_factory=list)

    def result(self, person, sampled_at: dt.datetime, result: str, *, resulted_at: dt.datetime | None = None, pooled: bool = False) -> None:
        self.entries.append(
            TestEntry(
                person.pk,
                sampled_at,
                resulted_at or (sampled_at + dt.timedelta(minutes=30) if result else None),
                result,
                "test",
                "测试",
                pooled=pooled,
            )
        )

    def fetch(self, person_ids, before):
        ids = set(person_ids)
        return [e for e in self.entries if e.person_id in ids and (before is None or e.sampled_at <= before)]


@pytest.fixture
def lab(monkeypatch):
    found = Lab()
    monkeypatch.setitem(sources.fetchers, "test", found.fetch)
    return found


@pytest.fixture
def at():
    """at(moment): move the clock there (stays until the next call or the test's end)."""
    holder: list = []

    def move(moment: dt.datetime) -> dt.datetime:
        if holder:
            holder.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        holder.append(traveller)
        return moment

    yield move
    if holder:
        holder.pop().stop()


@pytest.fixture
def twenty(db):
    return use_profile("twenty-measures")


@dataclass
class Block:
    """A building of three residents in the home district (迎宾小区 3号楼) and its compound."""

    tree: object
    residents: list


@pytest.fixture
def block(city):
    tree = make_tree(building="3号楼", household="301")
    other = make_tree(building="3号楼", unit="2单元", household="302")
    residents = [make_person(tree.household, "钱多多"), make_person(tree.household, "孙悟空"), make_person(other.household, "周芷若")]
    return Block(tree, residents)
