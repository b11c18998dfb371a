"""A doorstep delivery carries packs issued from stock: the delivery and its movements in one
transaction (too little stock refuses the delivery, nothing written); a cancelled delivery returns
its packs and the request is open again; cancelling twice never returns twice; a request is
reassigned within its community only, with a reason; every step audited."""

from __future__ import annotations

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.livelihood.choices import Handover, MovementKind, ReceiptSource, RequestKind, RequestStatus, SupplyCategory, WarehouseKind
from fangkong.livelihood.models import GroupMember, StockBalance, StockMovement, SupplyItem, Warehouse
from fangkong.livelihood.services.groups import group_add, member_add
from fangkong.livelihood.services.requests import (
    delivery_cancel,
    packs_out,
    request_add,
    request_cancel,
    request_confirm,
    request_deliver,
    request_reassign,
)
from fangkong.livelihood.services.stock import stock_receive
from fangkong.livelihood.stock import ledger_mismatches

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(users, city):
    w = Warehouse.objects.create(name="新城区生活物资仓库", kind=WarehouseKind.DISTRICT, district=city.home.district)
    return w


@pytest.fixture
def pack(users, store):
    item = SupplyItem.objects.create(code="PACK", name="粮油蔬菜包", category=SupplyCategory.NECESSITIES, unit="份")
    stock_receive(actor=users["district"], warehouse=store, item=item, quantity=3, source=ReceiptSource.DONATION)
    return item


@pytest.fixture
def req(worker, entry, paired):
    return request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="粮油蔬菜包一份")


def balance(store, item) -> int:
    return StockBalance.objects.get(warehouse=store, item=item).quantity


def test_the_delivery_and_its_packs_in_one_transaction(deliverer, req, store, pack):
    request_deliver(actor=deliverer, request=req, handover=Handover.HOME_DOOR, warehouse=store, packs=[(pack, 2)])
    req.refresh_from_db()
    assert req.status == RequestStatus.DELIVERED and balance(store, pack) == 1
    move = StockMovement.objects.get(delivery=req)
    assert (move.kind, move.quantity) == (MovementKind.ISSUE, -2)
    assert ledger_mismatches() == []


def test_too_little_stock_refuses_the_delivery_naming_the_pack(deliverer, req, store, pack):
    with pytest.raises(DomainError) as exc:
        request_deliver(actor=deliverer, request=req, handover=Handover.HOME_DOOR, warehouse=store, packs=[(pack, 4)])
    assert exc.value.field == "pack_0" and exc.value.rule == "livelihood.stock_not_negative"
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN and req.delivered_at is None
    assert balance(store, pack) == 3 and not StockMovement.objects.filter(delivery=req).exists()


def test_packs_only_from_the_residents_district(deliverer, req, city, users, pack):
    far = Warehouse.objects.create(name="回民区仓库", kind=WarehouseKind.DISTRICT, district=city.elsewhere.district)
    with pytest.raises(DomainError) as exc:
        request_deliver(actor=deliverer, request=req, handover=Handover.HOME_DOOR, warehouse=far, packs=[(pack, 1)])
    assert exc.value.field == "warehouse"
    with pytest.raises(DomainError) as exc:
        request_deliver(actor=deliverer, request=req, handover=Handover.HOME_DOOR, warehouse=None, packs=[(pack, 1)])
    assert exc.value.field == "warehouse"
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN


def test_a_cancelled_delivery_returns_its_packs_once(deliverer, worker, req, store, pack):
    request_deliver(actor=deliverer, request=req, handover=Handover.HOME_DOOR, warehouse=store, packs=[(pack, 2)])
    with pytest.raises(DomainError) as exc:
        delivery_cancel(actor=worker, request=req, reason="")
    assert exc.value.field == "reason" and balance(store, pack) == 1
    delivery_cancel(actor=worker, request=req, reason="居民不在家，物资带回")
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN and req.delivered_at is None and req.handover == ""
    assert balance(store, pack) == 3 and packs_out(req) == []
    assert AuditEvent.objects.get(event_type="livelihood.delivery_cancelled", object_id=str(req.pk)).reason == "居民不在家，物资带回"
    with pytest.raises(DomainError):  # open again: nothing to cancel
        delivery_cancel(actor=worker, request=req, reason="再次撤销")
    # delivered again and cancelled again: returns only the second issue
    request_deliver(actor=deliverer, request=req, handover=Handover.HOME_DOOR, warehouse=store, packs=[(pack, 1)])
    delivery_cancel(actor=worker, request=req, reason="送错地址")
    assert balance(store, pack) == 3 and ledger_mismatches() == []


def test_a_confirmed_delivery_cannot_be_cancelled(deliverer, users, req, store, pack):
    request_deliver(actor=deliverer, request=req, handover=Handover.HOME_DOOR, warehouse=store, packs=[(pack, 1)])
    request_confirm(actor=deliverer, request=req, by="recipient")
    with pytest.raises(DomainError):
        delivery_cancel(actor=deliverer, request=req, reason="x")
    assert balance(store, pack) == 2


def test_attack_a_role_without_delivery_or_outside_the_grant_cancels_a_delivery(deliverer, users, req, store, pack, city):
    from ..factories import make_user

    request_deliver(actor=deliverer, request=req, handover=Handover.HOME_DOOR, warehouse=store, packs=[(pack, 1)])
    with pytest.raises(PermissionRefused):  # the district office: no livelihood.deliver
        delivery_cancel(actor=users["district"], request=req, reason="x")
    far = make_user("far-grid", "grid_worker", [("grid", city.elsewhere.grid)])
    with pytest.raises(PermissionRefused):
        delivery_cancel(actor=far, request=req, reason="x")
    assert balance(store, pack) == 2


def test_reassign_within_the_community_with_a_reason(worker, req, group, city, member):
    other = member_add(actor=worker, group=group, kind="cadre", name="王建军", phone="13800006666")
    with pytest.raises(DomainError) as exc:
        request_reassign(actor=worker, request=req, member=other, reason="")
    assert exc.value.field == "reason"
    request_reassign(actor=worker, request=req, member=other, reason="原帮扶人隔离")
    req.refresh_from_db()
    assert req.member == other
    assert AuditEvent.objects.get(event_type="livelihood.request_reassigned", object_id=str(req.pk)).before["member"] == member.pk


def test_attack_reassign_to_a_member_of_another_community(worker, req, users, city):
    from ..factories import make_user

    far_worker = make_user("far-community", "community_worker", [("community", city.elsewhere.community)])
    far_group = group_add(actor=far_worker, compound=city.elsewhere.compound, name="外区工作组")
    stranger = GroupMember.objects.create(group=far_group, kind="volunteer", name="外区志愿者")
    with pytest.raises(DomainError) as exc:
        request_reassign(actor=worker, request=req, member=stranger, reason="x")
    assert exc.value.field == "member" and exc.value.rule == "livelihood.request_reassign"
    req.refresh_from_db()
    assert req.member != stranger


def test_cancel_an_open_request_keeps_its_reason(worker, req):
    request_cancel(actor=worker, request=req, reason="家属已代购")
    req.refresh_from_db()
    assert req.status == RequestStatus.CANCELLED and req.cancel_reason == "家属已代购"
    with pytest.raises(DomainError):
        request_reassign(actor=worker, request=req, member=req.member, reason="x")
