"""A building's status at a time (found-in at confirmation time): the narrow look-up of one
person's places (an index look-up, bench/zoning.py) answers as the index of every place in force —
the stricter of overlapping areas, nothing before an area is in force or after it is lifted."""

from __future__ import annotations

from fangkong.geo.selectors import people_places
from fangkong.zoning.choices import AreaClass, AreaStatus, FoundIn
from fangkong.zoning.found_in import found_in_for
from fangkong.zoning.models import RiskArea
from fangkong.zoning.selectors import ZoneIndex, area_at
from fangkong.zoning.services import area_approve, area_propose

from ..factories import make_person, make_tree
from .conftest import day


def declare(users, places, name, area_class):
    area = area_propose(
        actor=users["district"], name=name, area_class=area_class, places=places, reason="阳性", justification="多栋楼出现阳性"
    )
    return area_approve(actor=users["command"], area=area)


def test_narrow_look_up_answers_as_the_full_index(twenty, users, block, at):
    at(day(0))
    outside = make_person(make_tree(community="海东路社区", compound="新华小区", building="1号楼", household="101").household, "路人甲")
    low = declare(users, [("compound", block.tree.compound.pk)], "迎宾小区", AreaClass.PRECAUTION)
    high = declare(users, [("building", block.tree.building.pk)], "3号楼", AreaClass.SEALED)
    places = people_places([p.pk for p in [*block.residents, outside]])
    for moment in (day(0, 9), day(1), day(2)):
        full = ZoneIndex(moment)
        for held in places.values():
            assert area_at(held, moment) == full.match(held)
    resident = places[block.residents[0].pk]
    assert area_at(resident, day(1)).area_id == high.pk  # the stricter wins
    assert area_at(resident, day(0, 9)) is None  # not yet in force
    assert area_at(places[outside.pk], day(1)) is None
    assert found_in_for(block.residents[0], day(1)).value == FoundIn.CONTROLLED
    RiskArea.objects.filter(pk=high.pk).update(status=AreaStatus.LIFTED, lifted_at=day(2))  # lifted (the rule is tested elsewhere)
    assert area_at(resident, day(3)).area_id == low.pk  # lifted: the wider, lower area remains
    assert area_at(resident, day(1)).area_id == high.pk  # still in force at that past time
