"""Requests and doorstep deliveries: routed to the pair, due by the policy's hours for their kind,
overdue listed, handed over at the gate where the compound is under control and confirmed by the
grid worker there; bad order of times refused naming the field; nothing half-applied."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.core.clock import now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.livelihood.choices import ConfirmedBy, Handover, RequestKind, RequestStatus
from fangkong.livelihood.models import SupportRequest
from fangkong.livelihood.selectors import deliverer_requests, overdue_requests
from fangkong.livelihood.services.requests import request_add, request_confirm, request_deliver
from fangkong.policy.rules import rule
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.services import area_declare

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed(users, city):
    return area_declare(
        actor=users["command"],
        name="迎宾小区1号楼",
        area_class=AreaClass.SEALED,
        places=[("building", city.home.building.pk)],
        reason="同楼确诊",
        in_force_at=now() - dt.timedelta(days=1),
    )


@pytest.mark.parametrize("kind", RequestKind.values)
def test_deadline_per_kind_is_the_policy_value(worker, entry, kind):
    hours = rule("livelihood.request_deadline_hours").value[kind]
    at = now() - dt.timedelta(minutes=5)
    req = request_add(actor=worker, entry=entry, kind=kind, items="米面油", requested_at=at)
    assert req.due_at == at + dt.timedelta(hours=hours)
    assert "livelihood.request_deadline_hours" in req.deadline_basis


def test_medicine_is_due_sooner_than_goods(worker, entry):
    goods = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="蔬菜包")
    medicine = request_add(actor=worker, entry=entry, kind=RequestKind.MEDICINE, items="降压药")
    assert medicine.due_at < goods.due_at


def test_routed_to_the_pair_else_the_group(worker, entry, group, member, paired, city):
    req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="米面油")
    assert (req.member, req.group) == (member, group)
    from fangkong.livelihood.services.ledger import entry_add

    from ..factories import make_person

    lone = entry_add(
        actor=worker, person=make_person(city.home.household, "未结对老人", tags=["empty_nest"]), categories=["empty_nest"], needs=[]
    )
    req2 = request_add(actor=worker, entry=lone, kind=RequestKind.GOODS, items="米")
    assert (req2.member, req2.group) == (None, group)


def test_overdue_listed_by_place(worker, users, entry):
    old = request_add(actor=worker, entry=entry, kind=RequestKind.MEDICINE, items="胰岛素", requested_at=now() - dt.timedelta(hours=5))
    fresh = request_add(actor=worker, entry=entry, kind=RequestKind.MEDICINE, items="胰岛素")
    assert list(overdue_requests(users["district"])) == [old]
    assert fresh not in overdue_requests(users["command"])
    assert list(overdue_requests(users["nogrant"])) == []
    from django.db.models import Q

    assert list(overdue_requests(Q(community_id=entry.community_id))) == [old]


def test_gate_handover_where_the_compound_is_sealed(worker, users, deliverer, entry, paired, sealed):
    req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="米面油和蔬菜包")
    assert req in deliverer_requests(deliverer)
    with pytest.raises(DomainError) as exc:
        request_deliver(actor=deliverer, request=req, handover=Handover.HOME_DOOR)
    assert exc.value.field == "handover" and exc.value.rule == "livelihood.gate_handover"
    with pytest.raises(DomainError) as exc:
        request_deliver(actor=deliverer, request=req, handover=Handover.GATE, handed_to="")
    assert exc.value.field == "handed_to"
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN and req.delivered_at is None  # nothing half-applied
    request_deliver(actor=deliverer, request=req, handover=Handover.GATE, handed_to="网格员王芳")
    # The deliverer may not confirm for the grid worker; the recipient may not confirm a gate handover.
    with pytest.raises(PermissionRefused):
        request_confirm(actor=deliverer, request=req, by=ConfirmedBy.GRID_WORKER)
    with pytest.raises(DomainError) as exc:
        request_confirm(actor=deliverer, request=req, by=ConfirmedBy.RECIPIENT)
    assert exc.value.field == "by"
    request_confirm(actor=users["grid"], request=req, by=ConfirmedBy.GRID_WORKER)
    req.refresh_from_db()
    assert (req.status, req.confirmed_by, req.handed_to) == (RequestStatus.CONFIRMED, ConfirmedBy.GRID_WORKER, "网格员王芳")


def test_door_delivery_outside_control_and_recipient_confirms(worker, deliverer, entry, paired):
    req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="米")
    request_deliver(actor=deliverer, request=req, handover=Handover.HOME_DOOR)
    request_confirm(actor=deliverer, request=req, by=ConfirmedBy.RECIPIENT)
    with pytest.raises(DomainError):  # confirmed twice: the transition table refuses
        request_confirm(actor=deliverer, request=req, by=ConfirmedBy.RECIPIENT)


def test_delivery_before_the_request_is_refused(worker, deliverer, entry, paired):
    at = now() - dt.timedelta(hours=1)
    req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="米", requested_at=at)
    with pytest.raises(DomainError) as exc:
        request_deliver(actor=deliverer, request=req, handover=Handover.HOME_DOOR, delivered_at=at - dt.timedelta(minutes=30))
    assert exc.value.field == "delivered_at"
    with pytest.raises(DomainError) as exc:
        request_deliver(actor=deliverer, request=req, handover="roof")
    assert exc.value.field == "handover"


def test_request_bad_input_named(worker, entry):
    with pytest.raises(DomainError) as exc:
        request_add(actor=worker, entry=entry, kind="pizza", items="x")
    assert exc.value.field == "kind"
    with pytest.raises(DomainError) as exc:
        request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="  ")
    assert exc.value.field == "items"
    assert not SupportRequest.objects.exists()


def test_grid_worker_outside_the_grid_cannot_deliver(city, worker, entry):
    from fangkong.core.roles import Role

    from ..factories import make_user

    stranger = make_user("grid2", Role.GRID_WORKER, [("grid", city.elsewhere.grid)])
    req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="米")
    with pytest.raises(PermissionRefused):
        request_deliver(actor=stranger, request=req, handover=Handover.HOME_DOOR)


def test_overdue_panel_on_the_home_page_only_while_something_is_overdue(client, users, worker, entry):
    from django.urls import reverse

    client.force_login(users["street"])
    keys = {p.key for p in client.get(reverse("reports:home")).context["panels"]}
    assert "livelihood-overdue" not in keys
    request_add(actor=worker, entry=entry, kind=RequestKind.MEDICAL_VISIT, items="透析", requested_at=now() - dt.timedelta(hours=3))
    panels = {p.key: p for p in client.get(reverse("reports:home")).context["panels"]}
    panel = panels["livelihood-overdue"]
    assert panel.count == 1 and "刘桂兰" not in panel.rows[0].text and "迎宾南路社区" in panel.rows[0].text
