"""The residents the database keeps for every area in force (zoning.AreaResident, decision 0011):
the lifting review reads them instead of deriving them from the registry, so they must always be the
live ones — after results, new residents, residents moving (their household, their own places, their
household re-addressed), a new area, an area re-levelled, lifted, rejected, its places changed. Each
step compares the stored pairs with the registry's, and the review's statuses (stored residents)
with the live evaluation the area page and the lifting service use."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from fangkong.geo.models import Household, Person
from fangkong.geo.services import person_create
from fangkong.zoning import lifting
from fangkong.zoning.choices import AreaClass, AreaStatus
from fangkong.zoning.lifting import lifting_statuses, residents_of, stored_residents_differ
from fangkong.zoning.models import AreaResident, RiskArea, RiskAreaPlace
from fangkong.zoning.services import area_approve, area_lift, area_propose, area_reject, lifting_review

from ..factories import make_person, make_tree, next_id_number
from ..isolation.factories import use_profile
from .conftest import day
from .test_lifting import NEG, POS, declare, screen

FIELDS = ("residents", "last_positive_at", "clock_start", "day", "lift_on", "awaited_count", "unsampled_count", "due", "due_on", "overdue")


def stored_pairs() -> set[tuple[int, int]]:
    return set(AreaResident.objects.values_list("area_id", "person_id"))


def live_pairs() -> set[tuple[int, int]]:
    ids = list(RiskArea.objects.filter(status=AreaStatus.IN_FORCE).values_list("pk", flat=True))
    return {(a, p) for a, people in residents_of(ids).items() for p in people}


@pytest.fixture(autouse=True, params=["whole", "areas"])
def review_pass(request, monkeypatch):
    """Both ways the review counts: one pass over every stored resident (review_sql, from
    REVIEW_WHOLE_FROM areas) and the per-area statement over the stored residents."""
    monkeypatch.setattr(lifting, "REVIEW_WHOLE_FROM", 0 if request.param == "whole" else 10**9)
    return request.param


def same_as_live(at: dt.datetime) -> dict:
    """The stored pairs are the registry's; the review's statuses (stored residents) are the live ones."""
    assert stored_pairs() == live_pairs()
    areas = list(RiskArea.objects.filter(status=AreaStatus.IN_FORCE))
    reviewed = lifting_statuses(areas, at=at, keep=True)
    live = lifting_statuses(areas, at=at)
    view = {pk: {f: getattr(s, f) for f in FIELDS} for pk, s in reviewed.items()}
    assert view == {pk: {f: getattr(s, f) for f in FIELDS} for pk, s in live.items()}
    return view


def test_results_new_and_moved_residents_new_areas(twenty, users, block, lab, at):
    at(day(0))
    building = declare(users, [("building", block.tree.building.pk)])
    assert stored_pairs() == {(building.pk, p.pk) for p in block.residents}
    screen(lab, block.residents, day(5, 7))
    at(day(5, 12))
    assert same_as_live(day(5, 12))[building.pk]["due"]
    # A result: a positive restarts the clock in both.
    lab.result(block.residents[1], day(5, 8), POS)
    assert same_as_live(day(5, 12))[building.pk]["last_positive_at"] == day(5, 8)
    # A new resident (the registry's service): counted, and unsampled.
    newcomer = person_create(
        actor=users["command"], household=block.tree.household, name="新住户", id_type="resident_id", id_number=next_id_number()
    )
    got = same_as_live(day(5, 12))[building.pk]
    assert got["residents"] == 4
    # Moved out (household changed, saved) and into the building (a household of another building).
    elsewhere = make_tree(building="8号楼", household="801")
    newcomer.household = elsewhere.household
    newcomer.save()
    outsider = make_person(elsewhere.household, "外来人员")
    assert same_as_live(day(5, 12))[building.pk]["residents"] == 3
    Person.objects.filter(pk=outsider.pk).update(household=block.tree.household)  # a bulk write, no save()
    assert same_as_live(day(5, 12))[building.pk]["residents"] == 4
    # A new area over the other building; the person's own grid (a wider area) and a re-addressed household.
    other = declare(users, [("building", elsewhere.building.pk)])
    assert (other.pk, newcomer.pk) in stored_pairs()
    grid_area = area_propose(
        actor=users["district"],
        name="第二网格",
        area_class=AreaClass.SEALED,
        places=[("grid", elsewhere.grid.pk)],
        reason="扩散",
        justification="多处阳性",
    )
    assert not any(a == grid_area.pk for a, _ in stored_pairs())  # proposed: nobody under control yet
    area_approve(actor=users["command"], area=grid_area)
    everyone = Person.objects.filter(grid=elsewhere.grid).count()
    assert same_as_live(day(5, 12))[grid_area.pk]["residents"] == everyone
    Person.objects.filter(pk=newcomer.pk).update(grid=None)  # the person's own place changed (a bulk write)
    assert same_as_live(day(5, 12))[grid_area.pk]["residents"] == everyone - 1
    Household.objects.filter(pk=elsewhere.household.pk).update(building=block.tree.building, unit=block.tree.unit)
    got = same_as_live(day(5, 12))
    assert got[building.pk]["residents"] == 5 and got[other.pk]["residents"] == 0
    # A person deleted leaves no pair behind.
    Person.objects.filter(pk=outsider.pk).delete()
    same_as_live(day(5, 12))


def test_places_changed_relevelled_lifted_and_rejected(twenty, users, block, lab, at):
    at(day(0))
    area = declare(users, [("unit", block.tree.unit.pk)])
    assert {p for _, p in stored_pairs()} == {p.pk for p in block.residents[:2]}
    # A place added, then removed: the area's pairs follow.
    place = RiskAreaPlace.objects.create(area=area, level="building", place_id=block.tree.building.pk, name="3号楼")
    assert same_as_live(day(1))[area.pk]["residents"] == 3
    place.delete()
    assert same_as_live(day(1))[area.pk]["residents"] == 2
    # Re-levelled (a change of level restarts the clock, the residents stay).
    RiskArea.objects.filter(pk=area.pk).update(area_class=AreaClass.CONTROLLED, level_since=day(2))
    assert same_as_live(day(3))[area.pk]["residents"] == 2
    # Lifted: no pairs left; the review agrees with the live reading on every step.
    RiskArea.objects.filter(pk=area.pk).update(area_class=AreaClass.SEALED, level_since=day(0))
    screen(lab, block.residents, day(5, 7))
    at(day(5, 12))
    assert lifting_review() == [area.pk]
    area_lift(actor=users["command"], area=area)
    assert stored_pairs() == set()
    rejected = area_propose(
        actor=users["district"], name="3号楼", area_class=AreaClass.SEALED, places=[("building", block.tree.building.pk)], reason="阳性"
    )
    area_reject(actor=users["command"], area=rejected, reason="不需要")
    assert stored_pairs() == set()


def test_a_ninth_edition_downgrade_keeps_the_residents(db, users, block, lab, at):
    use_profile("ninth-edition")
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    screen(lab, block.residents, day(7, 7))
    at(day(7, 12))
    area_lift(actor=users["command"], area=area)  # high → medium: still in force, a new clock
    area.refresh_from_db()
    assert area.status == AreaStatus.IN_FORCE and area.area_class == AreaClass.CONTROLLED
    assert same_as_live(day(8, 12))[area.pk]["residents"] == 3
    lab.result(block.residents[0], day(8, 9), NEG)
    same_as_live(day(8, 12))


def test_the_check_and_the_rebuild_command(twenty, users, block, at):
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    call_command("zoning_residents", stdout=io.StringIO())  # as kept: no difference
    AreaResident.objects.filter(person_id=block.residents[0].pk).delete()  # as after a load without triggers
    AreaResident.objects.create(area=area, person_id=10**9)
    assert stored_residents_differ() == (1, 1)
    with pytest.raises(CommandError):
        call_command("zoning_residents", stdout=io.StringIO())
    out = io.StringIO()
    call_command("zoning_residents", "--rebuild", stdout=out)
    assert "missing: 0, extra: 0" in out.getvalue() and stored_pairs() == live_pairs()


def test_clearing_the_registry_leaves_no_pair_behind(twenty, users, block, at):
    """geo's registry_clear TRUNCATEs people on PostgreSQL, which fires no row trigger: a TRUNCATE
    trigger (zoning 0007) empties the pairs, or the review would count people who no longer exist."""
    from django.db import connection

    from fangkong.geo.synthetic.city import _registry_delete

    at(day(0))
    declare(users, [("building", block.tree.building.pk)])
    assert AreaResident.objects.exists()
    if connection.vendor == "postgresql":  # the TRUNCATE registry_clear issues when nothing refers to people
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own writes leave deferred checks pending
            cur.execute("TRUNCATE geo_person CASCADE")
    else:
        _registry_delete()  # SQLite: DELETE, the row triggers
    assert not Person.objects.exists()
    assert not AreaResident.objects.exists()
