"""The overview kept in the shared cache per jurisdiction (fangkong.reports.selectors.overview): read
once, then from the cache — and every write to the registry's tables (the services, the ORM, the
importer's COPY, the demo city, the registry's clearing) shows on the very next overview.

Each test warms the cache with the overview, writes through one path, and compares the next
overview with one read from the database. Without the generation bump of that path (the models
watched by `watch_registry`, the services' bump after bulk_create) the cached, stale figures would be
answered."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.core import generations
from fangkong.geo import services as geo_services
from fangkong.geo.models import Community, Compound, Household, Person
from fangkong.geo.synthetic import city_generate
from fangkong.geo.synthetic.city import registry_clear
from fangkong.reports import selectors
from fangkong.reports.selectors import _overview_read, overview

from ..factories import make_person, make_tree, next_id_number
from ..imports.conftest import row, write_csv
from ..imports.helpers import run_import

pytestmark = pytest.mark.django_db


def fresh(user) -> selectors.Overview:
    """The overview read from the database now, labelled as `overview` labels it."""
    data = _overview_read(user)
    return replace(data, by_tag=selectors._labelled([(t, n) for t, _label, n in data.by_tag]))


def warmed(user) -> selectors.Overview:
    """The user's overview, now cached (the second read makes no query of the registry)."""
    user.jurisdiction  # noqa: B018 - built once per request, not part of the overview
    first = overview(user=user)
    with CaptureQueriesContext(connection) as second:
        assert overview(user=user) == first
    assert second.captured_queries == []
    return first


def test_the_cached_overview_is_the_one_read_from_the_database(city, users):
    for name in ("command", "district", "street", "community", "grid", "nogrant"):
        user = users[name]
        assert warmed(user) == fresh(user), name
    assert [c.place.name for c in overview(user=users["community"]).children] == ["迎宾小区"]


def test_each_jurisdiction_has_its_own_entry(city, users):
    warmed(users["command"])
    assert overview(user=users["community"]) == fresh(users["community"])
    assert overview(user=users["grid"]).totals["residents"] == 2
    assert overview(user=users["command"]).totals["residents"] == 4


def test_a_person_registered_by_the_service_is_counted(city, users):
    user = users["community"]
    before = warmed(user)
    geo_services.person_create(
        actor=users["admin"], household=city.home.household, name="新人", id_type="resident_id", id_number=next_id_number()
    )
    after = overview(user=user)
    assert after.totals["residents"] == before.totals["residents"] + 1
    assert after == fresh(user)


def test_tags_set_by_the_service_are_counted(city, users):
    """person_set_tags writes the tags with bulk_create (no post_save): the service bumps itself."""
    user = users["community"]
    person = Person.objects.get(name="李建国")
    before = warmed(user)
    geo_services.person_set_tags(actor=users["admin"], person=person, tags=("dibao",))
    after = overview(user=user)
    assert after.totals["vulnerable"] == before.totals["vulnerable"] + 1
    assert ("dibao", "低保", 1) in after.by_tag
    assert after == fresh(user)


def test_a_person_moved_or_deleted_through_the_orm(city, users):
    user = users["community"]
    warmed(user)
    moved = Person.objects.get(name="王秀英")
    other = city.elsewhere.household
    for field in ("household", "district", "street", "community", "grid"):
        setattr(moved, f"{field}_id", getattr(other, f"{field}_id") if field != "household" else other.pk)
    moved.save()
    assert overview(user=user) == fresh(user)
    assert overview(user=user).totals["residents"] == 2
    Person.objects.filter(name="李建国").delete()
    assert overview(user=user).totals["residents"] == 1 == fresh(user).totals["residents"]


def test_households_and_places_added_or_renamed(city, users):
    user = users["community"]
    warmed(user)
    tree = make_tree(compound="新建小区", household="909")  # a new compound in the same community
    assert tree.community == city.home.community
    assert "新建小区" in [c.place.name for c in overview(user=user).children]
    Compound.objects.filter(pk=tree.compound.pk).first().save()  # unchanged: still equal
    compound = Compound.objects.get(pk=tree.compound.pk)
    compound.name = "改名小区"
    compound.save()
    assert "改名小区" in [c.place.name for c in overview(user=user).children]
    community = Community.objects.get(pk=city.home.community.pk)
    community.name = "改名社区"
    community.save()
    data = overview(user=users["street"])
    assert data == fresh(users["street"]) and "改名社区" in [c.place.name for c in data.children]
    Household.objects.create(
        district=tree.household.district,
        street=tree.household.street,
        community=tree.household.community,
        compound=tree.household.compound,
        building=tree.household.building,
        unit=tree.household.unit,
        grid=tree.household.grid,
        number="910",
    )
    assert overview(user=user) == fresh(user)


def test_people_imported_are_counted(city, users, tmp_path):
    """The importer's path: core.bulk's BulkWriter (COPY on PostgreSQL), places and people."""
    user = users["community"]
    before = warmed(user)
    path = write_csv(tmp_path / "people.csv", [row("刘桂兰", tags="独居老人"), row("刘强", compound="新建小区", household="101")])
    job = run_import(path, user=user)
    assert job.status == "succeeded", job.message
    after = overview(user=user)
    assert after.totals["residents"] == before.totals["residents"] + 2
    assert "新建小区" in [c.place.name for c in after.children]
    assert after == fresh(user)


def test_the_demo_city_replacing_the_registry_and_the_clearing(city, users):
    user = users["command"]
    before = warmed(user)
    city_generate(actor=None, people=300, seed=7, replace=True)
    after = overview(user=user)
    assert after != before and after == fresh(user)
    registry_clear()
    cleared = overview(user=user)
    assert cleared.totals["residents"] == 0 and cleared == fresh(user)


def test_without_the_cache_the_overview_is_read_from_the_database(city, users, monkeypatch):
    monkeypatch.setattr(generations, "tokens", lambda *a, **k: None)  # the cache unreachable
    user = users["community"]
    assert overview(user=user) == fresh(user)
    make_person(city.home.household, "又一人")
    assert overview(user=user).totals["residents"] == 4


def test_a_person_is_registered_while_the_cache_cannot_be_reached(city, users, monkeypatch, caplog):
    """People, households and tags are watched leniently: a registration (a contact of a case) goes on
    while Redis is down, the failed bump logged; places stay strict (the signed-in cache's rule)."""

    def down(*_args, **_kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(generations, "_replace", down)
    person = geo_services.person_create(
        actor=users["admin"], household=city.home.household, name="断网登记", id_type="resident_id", id_number=next_id_number()
    )
    assert Person.objects.filter(pk=person.pk).exists()
    assert "not bumped" in caplog.text
    with pytest.raises(ConnectionError):
        make_tree(community="断网新社区")
