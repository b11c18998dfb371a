"""The public list, feed and search are kept in the cache under the latest area transition: an
approval shows the area at once, a lifting removes it at once (from the list, the feed, a search and
the notice), though every one of them was read and cached just before. The feed answers a
revalidation with 304; the list is paginated."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.zoning import public
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.services import area_approve, area_lift, area_propose, area_reject

from .conftest import day

SEARCH = {"q": "迎宾小区 3号楼"}


def proposed(users, block, places=None):
    return area_propose(
        actor=users["district"],
        name="迎宾小区3号楼",
        area_class=AreaClass.SEALED,
        places=places or [("building", block.tree.building.pk)],
        reason="同楼确诊",
    )


def shown(client: Client) -> dict[str, bool]:
    feed = json.loads(client.get(reverse("zoning:public_feed")).content)
    searched = json.loads(client.get(reverse("zoning:public_feed"), SEARCH).content)
    return {
        "list": "3号楼" in client.get(reverse("zoning:public_list")).content.decode(),
        "search": "data-public-list" in client.get(reverse("zoning:public_list"), SEARCH).content.decode(),
        "notice": "3号楼" in client.get(reverse("zoning:public_notice")).content.decode(),
        "feed": feed["count"] == 1,
        "feed search": searched["count"] == 1,
    }


def test_approval_shows_and_lifting_removes_the_area_at_once_though_cached(twenty, users, block, lab, at):
    at(day(0))
    area = proposed(users, block)
    anonymous = Client()
    assert not any(shown(anonymous).values())  # cached: nothing in force
    area = area_approve(actor=users["command"], area=area)
    assert all(shown(anonymous).values())  # the approval's transition is a new version
    assert all(shown(anonymous).values())  # now from the cache
    for p in block.residents:
        lab.result(p, day(5, 7), "negative")
    at(day(5, 12))
    assert all(shown(anonymous).values())
    area_lift(actor=users["command"], area=area)
    assert not any(shown(anonymous).values())


def test_a_rejection_changes_the_version_and_nothing_public(twenty, users, block, at):
    at(day(0))
    area = proposed(users, block)
    before = public.public_version()
    area_reject(actor=users["command"], area=area, reason="证据不足")
    assert public.public_version() != before
    assert not any(shown(Client()).values())


def test_an_approval_effective_later_appears_when_it_takes_effect(twenty, users, block, at):
    at(day(0))
    area = area_propose(
        actor=users["district"],
        name="迎宾小区3号楼",
        area_class=AreaClass.SEALED,
        places=[("building", block.tree.building.pk)],
        reason="同楼确诊",
        effective_at=day(1),
    )
    area_approve(actor=users["command"], area=area)
    anonymous = Client()
    assert not shown(anonymous)["list"]  # not yet in force, and cached so
    at(day(1, 12))
    assert all(shown(anonymous).values())  # no transition at that time: the entry ends at the effective time


def test_feed_revalidates_with_its_etag(twenty, users, block, at):
    at(day(0))
    anonymous = Client()
    first = anonymous.get(reverse("zoning:public_feed"))
    assert first.status_code == 200 and first["ETag"] and "max-age=" in first["Cache-Control"]
    again = anonymous.get(reverse("zoning:public_feed"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and not again.content
    area_approve(actor=users["command"], area=proposed(users, block))
    changed = anonymous.get(reverse("zoning:public_feed"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_the_list_is_paginated(twenty, users, block, at, monkeypatch):
    monkeypatch.setattr(public, "PER_PAGE", 1)
    at(day(0))
    area_approve(actor=users["command"], area=proposed(users, block, [("building", block.tree.building.pk), ("unit", block.tree.unit.pk)]))
    anonymous = Client()
    first = anonymous.get(reverse("zoning:public_list")).content.decode()
    second = anonymous.get(reverse("zoning:public_list"), {"page": 2}).content.decode()
    assert "data-public-pages" in first and "1 / 2" in first and "2 / 2" in second
    assert ("1单元" in first) != ("1单元" in second)
    assert anonymous.get(reverse("zoning:public_list"), {"page": "x"}).status_code == 200


@pytest.mark.parametrize("q", ["<script>alert(1)</script>", "％ _ '"])
def test_search_words_are_data(twenty, users, block, at, q):
    at(day(0))
    area_approve(actor=users["command"], area=proposed(users, block))
    page = Client().get(reverse("zoning:public_list"), {"q": q}).content.decode()
    assert "data-not-found" in page and "<script>alert(1)</script>" not in page


def test_a_search_filters_the_whole_list_in_memory_every_word_any_case():
    import datetime as dt

    from fangkong.zoning.public import PublicRow, matching

    since = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    a = PublicRow(
        "building",
        "sealed",
        since,
        "新城区",
        "中山东路街道",
        "迎宾南路社区",
        "迎宾小区",
        "3号楼",
        search_text="新城区 中山东路街道 迎宾南路社区 迎宾小区 3号楼",
    )
    b = PublicRow(
        "grid",
        "sealed",
        since,
        "新城区",
        "中山东路街道",
        "迎宾南路社区",
        search_text="新城区 中山东路街道 迎宾南路社区 block a grid".casefold(),
    )
    rows = [a, b]
    assert matching(rows, ["迎宾小区", "3号楼"]) == [a]
    assert matching(rows, ["BLOCK", "Grid"]) == [b]  # a grid's own name, not shown as a column, is searched
    assert matching(rows, ["迎宾南路社区"]) == rows and matching(rows, []) == rows
    assert matching(rows, ["3号楼", "5单元"]) == []
