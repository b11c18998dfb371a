"""Declaring a risk area: the profile's levels, its granularity (a wider area needs a justification
and is flagged for supervision), the declarer's jurisdiction, cases or a reason, the command's
decision — each refusal names its field and nothing is half-applied; each step audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.zoning.choices import AreaClass, AreaStatus
from fangkong.zoning.events import ZoningEvent
from fangkong.zoning.models import RiskArea, RiskAreaPlace
from fangkong.zoning.pages import area_cases, area_places, flagged_for_supervision
from fangkong.zoning.services import area_approve, area_propose, area_reject

from ..isolation.factories import use_profile
from .conftest import day


def propose(users, places, area_class=AreaClass.SEALED, who="district", **kw):
    kw.setdefault("reason", "楼内出现阳性")
    return area_propose(actor=users[who], name="测试区域", area_class=area_class, places=places, **kw)


def refused(exc_type, call) -> DomainError:
    before = (RiskArea.objects.count(), RiskAreaPlace.objects.count(), AuditEvent.objects.count())
    with pytest.raises(exc_type) as info:
        call()
    assert (RiskArea.objects.count(), RiskAreaPlace.objects.count(), AuditEvent.objects.count()) == before  # nothing half-applied
    return info.value


def test_a_building_is_proposed_then_approved_each_step_audited(twenty, users, block, at):
    at(day(0))
    area = propose(users, [("building", block.tree.building.pk), ("unit", block.tree.unit.pk)], effective_at=day(0, 12))
    assert area.status == AreaStatus.PROPOSED and not area.wider_than_policy and area.profile_code == "twenty-measures"
    assert area.district_id == block.tree.district.pk
    approved = area_approve(actor=users["command"], area=area, reason="同意")
    assert approved.status == AreaStatus.IN_FORCE and approved.in_force_at == day(0, 12)  # from the time asked
    events = list(AuditEvent.objects.filter(object_id=str(area.pk)).values_list("event_type", "actor_name"))
    assert (ZoningEvent.AREA_PROPOSED, "district") in events and (ZoningEvent.AREA_APPROVED, "command") in events
    assert [(t.from_status, t.to_status, t.actor_name) for t in area.transitions.all()] == [
        ("", "proposed", "district"),
        ("proposed", "in_force", "command"),
    ]


def test_the_levels_come_from_the_active_profile(twenty, users, block):
    e = refused(DomainError, lambda: propose(users, [("building", block.tree.building.pk)], area_class=AreaClass.CONTROLLED))
    assert e.field == "area_class" and "高风险区、低风险区" in e.message
    use_profile("ninth-edition")
    assert propose(users, [("building", block.tree.building.pk)], area_class=AreaClass.CONTROLLED).area_class == AreaClass.CONTROLLED


def test_wider_than_the_profiles_unit_needs_a_justification_and_is_flagged(twenty, users, block):
    e = refused(DomainError, lambda: propose(users, [("compound", block.tree.compound.pk)]))
    assert e.field == "justification" and e.rule == "zoning.granularity" and "楼栋" in e.message and "二十条" in e.source
    area = propose(users, [("compound", block.tree.compound.pk)], justification="小区内多栋楼出现阳性，且共用出入口")
    assert area.wider_than_policy and list(flagged_for_supervision(user=users["command"])) == [area]
    use_profile("ninth-edition")  # the 9th edition draws high-risk areas by compound
    assert not propose(users, [("compound", block.tree.compound.pk)]).wider_than_policy
    e = refused(DomainError, lambda: propose(users, [("community", block.tree.community.pk)]))
    assert e.field == "justification"


def test_a_place_outside_the_declarers_grants_is_refused_naming_the_field(twenty, users, city):
    e = refused(PermissionRefused, lambda: propose(users, [("building", city.elsewhere.building.pk)]))
    assert e.field == "places" and city.elsewhere.building.name in e.message and e.rule == "zoning.area_scope"
    e = refused(DomainError, lambda: propose(users, [("district", city.home.district.pk)]))
    assert e.field == "places"
    e = refused(DomainError, lambda: propose(users, []))
    assert e.field == "places"


def test_cases_or_a_reason(twenty, users, block):
    e = refused(DomainError, lambda: propose(users, [("building", block.tree.building.pk)], reason=" "))
    assert e.field == "reason"
    e = refused(DomainError, lambda: propose(users, [("building", block.tree.building.pk)], case_ids=[999999]))
    assert e.field == "cases"


def test_only_the_command_decides_and_a_rejection_needs_a_reason(twenty, users, block):
    area = propose(users, [("building", block.tree.building.pk)])
    refused(PermissionRefused, lambda: area_approve(actor=users["district"], area=area))
    e = refused(DomainError, lambda: area_reject(actor=users["command"], area=area, reason=""))
    assert e.field == "reason"
    assert area_reject(actor=users["command"], area=area, reason="以单元划定即可").status == AreaStatus.REJECTED
    e = refused(DomainError, lambda: area_approve(actor=users["command"], area=area))
    assert "未批准" in e.message


def test_overlapping_areas_the_stricter_level_wins(db, users, block, at):
    use_profile("ninth-edition")
    at(day(0))
    medium = area_approve(
        actor=users["command"], area=propose(users, [("compound", block.tree.compound.pk)], area_class=AreaClass.CONTROLLED)
    )
    high = area_approve(actor=users["command"], area=propose(users, [("building", block.tree.building.pk)]))
    at(day(0, 12))
    (row,) = area_places(high)
    assert row.effective_class == AreaClass.SEALED and [m.area_id for m in row.others] == [medium.pk]


def test_triggering_cases_are_linked_from_kuaizhuan_without_personal_data(twenty, users, block):
    from fangkong.cases.choices import Classification

    from ..cases.factories import open_case

    case = open_case(users["command"], block.residents[0], Classification.MILD)
    area = propose(users, [("unit", block.tree.unit.pk)], reason="", case_ids=[case.pk])
    (ref,) = area_cases(area, user=users["district"])
    assert ref.case_id == case.pk and f"#{case.pk}" in ref.label and "钱多多" not in ref.label
    assert ref.url == reverse("cases:case_detail", args=[case.pk])
    assert area.places.get().name == "迎宾小区3号楼1单元"
