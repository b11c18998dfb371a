"""Lifting by rule under each profile: the clean-day clock, its restart on a new positive among the
residents (by sampling time), the screening that must be complete, the due and overdue flags, and a
lifting refused before the rule allows it (naming the rule and what is missing)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError
from fangkong.geo.models import Person
from fangkong.zoning.choices import AreaClass, AreaStatus
from fangkong.zoning.events import ZoningEvent
from fangkong.zoning.lifting import lifting_status
from fangkong.zoning.pages import lifting_board
from fangkong.zoning.public import public_areas
from fangkong.zoning.services import area_approve, area_lift, area_propose, lifting_review

from ..isolation.factories import use_profile
from .conftest import day

NEG, POS = "negative", "positive"


def declare(users, places, area_class=AreaClass.SEALED, **kw):
    kw.setdefault("reason", "楼内出现阳性")
    area = area_propose(actor=users["district"], name="3号楼", area_class=area_class, places=places, **kw)
    return area_approve(actor=users["command"], area=area)


def screen(lab, residents, when, *, awaited=()):
    for p in residents:
        lab.result(p, when, "" if p in awaited else NEG)


def test_twenty_measures_five_clean_days_and_the_day_five_screening(twenty, users, block, lab, at):
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    at(day(3))
    s = lifting_status(area)
    assert (s.clean_days, s.lift_on, s.due) == (3, day(5).date(), False)
    with pytest.raises(DomainError) as refused:
        area_lift(actor=users["command"], area=area)
    assert "risk.high_lift_clean_days" in refused.value.message and refused.value.rule == "zoning.lift_rule"
    assert "二十条" in refused.value.source
    at(day(5, 8))
    screen(lab, block.residents, day(5, 7), awaited=block.residents[:1])
    s = lifting_status(area)
    assert s.clean_days == 5 and not s.due
    assert s.awaited == [block.residents[0].pk] and s.unsampled == []
    assert "第5天筛查：1 人未出结果" in s.summary
    with pytest.raises(DomainError, match="第5天筛查：1 人未出结果"):
        area_lift(actor=users["command"], area=area)
    lab.result(block.residents[0], day(5, 7), NEG)
    at(day(5, 18))
    assert lifting_status(area).due
    lifted = area_lift(actor=users["command"], area=area)
    assert lifted.status == AreaStatus.LIFTED and lifted.lifted_at == day(5, 18)
    assert AuditEvent.objects.filter(event_type=ZoningEvent.AREA_LIFTED, object_id=str(area.pk)).exists()
    assert public_areas() == []
    basis = lifted.transitions.get(to_status=AreaStatus.LIFTED).basis
    assert "risk.high_lift_clean_days = 5" in basis


def test_a_new_positive_among_residents_restarts_the_clock(twenty, users, block, lab, at):
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    lab.result(block.residents[2], day(2, 9), POS)
    at(day(5, 12))
    screen(lab, block.residents[:2], day(5, 7))
    s = lifting_status(area)
    assert s.last_positive_at == day(2, 9) and s.clean_days == 3 and s.lift_on == day(7).date() and not s.due
    lab.result(block.residents[1], day(4, 9), POS, pooled=True)  # a pooled tube's positive is not the person's
    assert lifting_status(area).last_positive_at == day(2, 9)


def test_a_resident_not_sampled_blocks_lifting(twenty, users, block, lab, at):
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    lab.result(block.residents[0], day(3), NEG)  # before the screening window: does not count
    at(day(6))
    screen(lab, block.residents[1:], day(5))
    s = lifting_status(area)
    assert s.unsampled == [block.residents[0].pk] and not s.due
    assert "1 人未采样" in s.summary


def test_due_is_proposed_once_and_overdue_the_next_day(twenty, users, block, lab, at):
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    screen(lab, block.residents, day(5, 7))
    at(day(5, 20))
    assert lifting_review() == [area.pk]
    assert lifting_review() == []  # once per clock
    area.refresh_from_db()
    assert area.lift_proposed_at == day(5, 20)
    s = lifting_status(area)
    assert s.due and not s.overdue and s.due_on == day(5).date()
    assert lifting_board(user=users["command"]) == ([area], [])
    at(day(6, 9))
    s = lifting_status(area)
    assert s.overdue and "risk.lift_overdue_days" in s.overdue_rule
    assert lifting_board(user=users["command"]) == ([area], [area])
    assert lifting_board(user=users["street"]) == ([area], [area])  # the street covers it
    call_command("zoning_review", stdout=io.StringIO())  # already proposed: nothing new


def test_ninth_edition_high_to_medium_after_seven_days_then_low_after_three(db, users, block, lab, at):
    use_profile("ninth-edition")
    at(day(0))
    area = declare(users, [("compound", block.tree.compound.pk)])
    assert not area.wider_than_policy  # the 9th edition draws high-risk areas by compound
    everyone = list(Person.objects.filter(household__compound=block.tree.compound))
    assert len(everyone) == 6 and lifting_status(area).residents == 6
    at(day(6))
    screen(lab, everyone, day(6))  # a day early: not the day-7 screening
    assert not lifting_status(area).due
    screen(lab, everyone, day(7, 8))
    at(day(7, 20))
    s = lifting_status(area)
    assert s.clean_days == 7 and s.due
    area = area_lift(actor=users["command"], area=area)
    assert (area.status, area.area_class) == (AreaStatus.IN_FORCE, AreaClass.CONTROLLED)
    s = lifting_status(area)
    assert s.rule.clean_days == 3 and s.rule.screening_days == 0 and s.lift_on == day(10).date()
    with pytest.raises(DomainError, match="risk.medium_lift_clean_days"):
        area_lift(actor=users["command"], area=area)
    at(day(10, 9))
    assert area_lift(actor=users["command"], area=area).status == AreaStatus.LIFTED


def test_early_profile_fourteen_days_and_everyone_negative_within_two(db, users, block, lab, at):
    use_profile("early-2020")
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    screen(lab, block.residents[:2], day(13))
    lab.result(block.residents[2], day(12), NEG)  # three days before the end: outside the two-day window
    at(day(14, 12))
    s = lifting_status(area)
    assert s.rule.clean_days == 14 and s.unsampled == [block.residents[2].pk]
    lab.result(block.residents[2], day(14, 8), NEG)
    assert lifting_status(area).due
    assert area_lift(actor=users["command"], area=area).status == AreaStatus.LIFTED


def test_a_level_without_a_rule_is_lifted_by_decision_with_a_reason(db, users, block, at):
    use_profile("early-2020")
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)], area_class=AreaClass.PRECAUTION)
    with pytest.raises(DomainError) as refused:
        area_lift(actor=users["command"], area=area)
    assert refused.value.field == "reason"
    assert area_lift(actor=users["command"], area=area, reason="周边封控区已解除").status == AreaStatus.LIFTED
