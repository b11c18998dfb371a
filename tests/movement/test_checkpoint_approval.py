"""Checkpoint approval (设卡报批): a checkpoint is proposed by the traffic group and approved (or not)
by another of its staff — never its proposer (four eyes) — before shifts are put on it or vehicles
logged and passes scanned there; one closing a highway or a trunk road is approved only by the
city's command (报批), the district's refusal naming the field. Every decision is audited; the
checkpoints set up before the approval step are migrated as approved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.roles import Role
from fangkong.movement.choices import CheckpointRole, CheckpointStatus
from fangkong.movement.events import MovementEvent
from fangkong.movement.models import CheckpointLog, CheckpointShift, PassScan
from fangkong.movement.services.checkpoints import checkpoint_approve, checkpoint_create, checkpoint_log, checkpoint_reject
from fangkong.movement.services.scans import pass_scan
from fangkong.movement.services.shifts import shifts_add

from ..factories import make_user

pytestmark = pytest.mark.django_db


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def propose(actor, district, *, trunk=False, name="南出口卡口"):
    return checkpoint_create(
        actor=actor,
        district=district,
        name=name,
        road="G6 京藏高速" if trunk else "S104",
        closes_trunk_road=trunk,
        approval_reference="呼交发〔2022〕12号" if trunk else "",
    )


def test_a_proposed_checkpoint_is_approved_by_another_and_audited(city, traffic):
    cp = propose(traffic["requester"], city.home.district)
    assert cp.status == CheckpointStatus.PROPOSED
    with pytest.raises(DomainError) as own:
        checkpoint_approve(actor=traffic["requester"], checkpoint=cp)
    assert own.value.rule == "movement.four_eyes"
    page = client(traffic["requester"]).post(reverse("movement:checkpoint_decide", args=[cp.pk]), {"decision": "approve"})
    assert page.status_code == 422 and "另一名工作人员" in page.content.decode()
    cp = checkpoint_approve(actor=traffic["approver"], checkpoint=cp, reason="同意")
    assert cp.status == CheckpointStatus.APPROVED and cp.decided_by == traffic["approver"] and cp.decided_at is not None
    event = AuditEvent.objects.get(event_type=MovementEvent.CHECKPOINT_APPROVED)
    assert event.actor_id == traffic["approver"].pk and event.after["status"] == CheckpointStatus.APPROVED
    with pytest.raises(DomainError) as again:
        checkpoint_reject(actor=traffic["approver"], checkpoint=cp, reason="x")
    assert again.value.rule == "movement.checkpoint_status"


def test_a_role_without_the_capability_cannot_approve(city, traffic, users):
    cp = propose(traffic["requester"], city.home.district)
    with pytest.raises(PermissionRefused):
        checkpoint_approve(actor=users["community"], checkpoint=cp)
    assert client(users["community"]).post(reverse("movement:checkpoint_decide", args=[cp.pk]), {"decision": "approve"}).status_code == 403
    cp.refresh_from_db()
    assert cp.status == CheckpointStatus.PROPOSED


def test_another_districts_office_cannot_approve(city, traffic):
    cp = propose(traffic["requester"], city.home.district)
    outsider = make_user("far-traffic", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    with pytest.raises(DomainError) as refused:
        checkpoint_approve(actor=outsider, checkpoint=cp)
    assert refused.value.field == "checkpoint"
    assert client(outsider).post(reverse("movement:checkpoint_decide", args=[cp.pk]), {"decision": "approve"}).status_code == 404
    cp.refresh_from_db()
    assert cp.status == CheckpointStatus.PROPOSED and not AuditEvent.objects.filter(event_type=MovementEvent.CHECKPOINT_APPROVED).exists()


def test_a_trunk_road_closure_needs_the_commands_approval(city, traffic, users):
    cp = propose(traffic["requester"], city.home.district, trunk=True)
    with pytest.raises(DomainError) as district:
        checkpoint_approve(actor=traffic["approver"], checkpoint=cp)
    assert district.value.field == "closes_trunk_road" and district.value.rule == "movement.trunk_road_closure_needs_approval"
    assert district.value.source  # the seed's citation
    office = client(traffic["approver"])
    assert "data-decide" not in office.get(reverse("movement:checkpoint_detail", args=[cp.pk])).content.decode()  # not offered
    page = office.post(reverse("movement:checkpoint_decide", args=[cp.pk]), {"decision": "approve"})
    assert page.status_code == 422 and "市指挥部" in page.content.decode()
    assert "data-decide" in client(users["command"]).get(reverse("movement:checkpoint_detail", args=[cp.pk])).content.decode()
    cp.refresh_from_db()
    assert cp.status == CheckpointStatus.PROPOSED
    with pytest.raises(DomainError) as no_detour:  # the traffic police announce the detour (seed 004)
        checkpoint_approve(actor=users["command"], checkpoint=cp, reason="同意临时封闭")
    assert no_detour.value.field == "detour_notice"
    cp.refresh_from_db()
    assert cp.status == CheckpointStatus.PROPOSED
    cp = checkpoint_approve(actor=users["command"], checkpoint=cp, reason="同意临时封闭", detour_notice="经 G6 金桥互通绕行")
    assert cp.status == CheckpointStatus.APPROVED and cp.decided_by == users["command"] and cp.detour_notice == "经 G6 金桥互通绕行"


def test_rejection_needs_a_reason_and_is_final(city, traffic):
    cp = propose(traffic["requester"], city.home.district)
    with pytest.raises(DomainError) as empty:
        checkpoint_reject(actor=traffic["approver"], checkpoint=cp, reason=" ")
    assert empty.value.field == "reason"
    cp = checkpoint_reject(actor=traffic["approver"], checkpoint=cp, reason="与既有卡口重复")
    assert cp.status == CheckpointStatus.REJECTED
    assert AuditEvent.objects.get(event_type=MovementEvent.CHECKPOINT_REJECTED).reason == "与既有卡口重复"
    with pytest.raises(DomainError):
        checkpoint_approve(actor=traffic["approver"], checkpoint=cp)


def test_no_shift_log_or_scan_before_approval(city, traffic, users, approved_pass):
    from fangkong.movement import codes

    cp = propose(traffic["requester"], city.home.district)
    start = timezone.now() + dt.timedelta(hours=1)
    with pytest.raises(DomainError) as shift:
        shifts_add(
            actor=traffic["approver"],
            checkpoint=cp,
            role=CheckpointRole.POLICE,
            name="警员甲",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=8),
        )
    assert shift.value.field == "checkpoint" and shift.value.rule == "movement.checkpoint_approved"
    with pytest.raises(DomainError) as log:
        checkpoint_log(actor=users["district"], checkpoint=cp, plate="蒙A12345", people=2)
    assert log.value.field == "checkpoint"
    body = {"checkpoint": cp.pk, "token": codes.pass_token(approved_pass), "client_ref": "r-proposed"}
    answer = client(users["district"]).post(reverse("movement:scan"), body, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["field"] == "checkpoint"
    with pytest.raises(DomainError):
        pass_scan(actor=users["district"], checkpoint=cp, token=body["token"], client_ref="r2")
    assert not CheckpointShift.objects.exists() and not CheckpointLog.objects.exists() and not PassScan.objects.exists()
    assert cp.name not in client(users["district"]).get(reverse("movement:check")).content.decode()
    checkpoint_approve(actor=traffic["approver"], checkpoint=cp)
    cp.refresh_from_db()
    checkpoint_log(actor=users["district"], checkpoint=cp, plate="蒙A12345", people=2)
    assert cp.name in client(users["district"]).get(reverse("movement:check")).content.decode()


def test_the_page_offers_the_decision_to_another_not_the_proposer(city, traffic):
    cp = propose(traffic["requester"], city.home.district)
    url = reverse("movement:checkpoint_detail", args=[cp.pk])
    assert "data-decide" not in client(traffic["requester"]).get(url).content.decode()
    page = client(traffic["approver"]).get(url).content.decode()
    assert "data-decide" in page and 'data-checkpoint-status="proposed"' in page
    done = client(traffic["approver"]).post(reverse("movement:checkpoint_decide", args=[cp.pk]), {"decision": "approve", "reason": ""})
    assert done.status_code == 302
    cp.refresh_from_db()
    assert cp.status == CheckpointStatus.APPROVED


def test_a_district_cannot_reject_a_trunk_road_closure_either(city, traffic, users):
    """Attack: the district's approver, refused the approval of a closure, posts the rejection
    instead — deciding a closure either way is the command's (报批程序)."""
    cp = propose(traffic["requester"], city.home.district, trunk=True)
    page = client(traffic["approver"]).post(reverse("movement:checkpoint_decide", args=[cp.pk]), {"decision": "reject", "reason": "不同意"})
    assert page.status_code == 422 and "市指挥部" in page.content.decode()
    cp.refresh_from_db()
    assert cp.status == CheckpointStatus.PROPOSED and cp.decided_by is None
    assert not AuditEvent.objects.filter(event_type=MovementEvent.CHECKPOINT_REJECTED).exists()
    with pytest.raises(DomainError) as refused:
        checkpoint_reject(actor=traffic["approver"], checkpoint=cp, reason="不同意")
    assert refused.value.field == "closes_trunk_road" and refused.value.rule == "movement.trunk_road_closure_needs_approval"
    assert refused.value.source
    cp = checkpoint_reject(actor=users["command"], checkpoint=cp, reason="不同意封闭，改设分流点")
    assert cp.status == CheckpointStatus.REJECTED and cp.decided_by == users["command"]
