"""严管 figures on a small world: areas in force by level and district, the day's moves, residents
under control, due and overdue, the median duration of lifted areas; scoped; exported."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.audit.models import AuditEvent
from fangkong.core.roles import Role
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.figures import zoning_figures
from fangkong.zoning.services import area_approve, area_lift, area_propose, area_reject

from ..factories import make_person, make_tree, make_user
from .conftest import day

NEG = "negative"


def propose(users, place, name, **kw):
    kw.setdefault("reason", "楼内出现阳性")
    return area_propose(actor=users["district"], name=name, area_class=AreaClass.SEALED, places=[place], **kw)


@pytest.fixture
def world(twenty, users, block, lab, at):
    """Day 0: three buildings in force (block's 3号楼, 5号楼, 7号楼), one of 7号楼's residents not screened;
    day 5 evening: 3号楼 lifted by rule; day 7: a proposal and a rejection; 5号楼 overdue since day 5."""
    five = make_tree(building="5号楼", household="501")
    seven = make_tree(building="7号楼", household="701")
    five_people = [make_person(five.household, "赵敏")]
    seven_people = [make_person(seven.household, "张无忌"), make_person(seven.household, "殷素素")]
    at(day(0))
    a3 = area_approve(actor=users["command"], area=propose(users, ("building", block.tree.building.pk), "3号楼"))
    a5 = area_approve(actor=users["command"], area=propose(users, ("building", five.building.pk), "5号楼"))
    area_approve(actor=users["command"], area=propose(users, ("building", seven.building.pk), "7号楼"))
    for p in [*block.residents, *five_people, seven_people[0]]:
        lab.result(p, day(5, 7), NEG)
    at(day(5, 20))
    area_lift(actor=users["command"], area=a3)
    at(day(7, 12))
    propose(users, ("building", make_tree(building="9号楼").building.pk), "9号楼")
    area_reject(
        actor=users["command"], area=propose(users, ("building", make_tree(building="11号楼").building.pk), "11号楼"), reason="无需划定"
    )
    return {"a3": a3, "a5": a5}


def test_figures_on_a_small_world(world, users):
    f = zoning_figures(user=users["command"])
    assert f.in_force == 2 and f.by_level == {"高风险区": 2}
    assert f.levels == ["高风险区"] and [(n, c, t) for n, c, t in f.by_district] == [("新城区", [2], 2)]
    assert (f.proposed_today, f.rejected_today, f.approved_today, f.lifted_today, f.pending) == (2, 1, 0, 0, 1)
    assert f.residents_under_control == 3  # 5号楼's one and 7号楼's two
    assert (f.due_today, f.overdue) == (0, 1)  # 5号楼 due since day 5; 7号楼 still missing one
    assert f.lifted_total == 1 and f.median_days == pytest.approx((day(5, 20) - day(0)).total_seconds() / 86400, abs=0.1)


def test_lifted_today_and_due_today(twenty, users, block, lab, at):
    at(day(0))
    area = area_approve(actor=users["command"], area=propose(users, ("building", block.tree.building.pk), "3号楼"))
    for p in block.residents:
        lab.result(p, day(5, 7), NEG)
    at(day(5, 12))
    f = zoning_figures(user=users["command"])
    assert (f.due_today, f.overdue) == (1, 0)
    area_lift(actor=users["command"], area=area)
    f = zoning_figures(user=users["command"])
    assert (f.lifted_today, f.in_force, f.residents_under_control) == (1, 0, 0)


def test_scoped_to_the_users_places(world, city):
    far = make_user("far", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    f = zoning_figures(user=far)
    assert (f.in_force, f.proposed_today, f.residents_under_control, f.lifted_total) == (0, 0, 0, 0)


def test_page_and_export(world, users, client):
    client.force_login(users["command"])
    response = client.get(reverse("zoning:figures"))
    assert response.status_code == 200 and "逾期未解除" in response.content.decode()
    response = client.get(reverse("zoning:figures") + "?format=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert AuditEvent.objects.filter(event_type="data.export").exists()
