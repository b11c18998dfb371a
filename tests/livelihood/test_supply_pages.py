"""The pages of units' supply requests, a delivery's packs, and cancelling and reassigning: a
community worker asks, the district office approves in part (issued from stock) on the request's
page; a refusal is shown on the field it names (422), nothing written; a delivery recorded with a
pack is cancelled on its page and the pack goes back; a request is reassigned and cancelled with
reasons; a role without the capability gets 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.livelihood.choices import ReceiptSource, RequestKind, RequestStatus, SupplyCategory, SupplyRequestStatus, WarehouseKind
from fangkong.livelihood.models import StockBalance, StockMovement, SupplyItem, SupplyRequest, Warehouse
from fangkong.livelihood.services.groups import member_add
from fangkong.livelihood.services.requests import request_add
from fangkong.livelihood.services.stock import stock_receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(users, city):
    return Warehouse.objects.create(name="新城区生活物资仓库", kind=WarehouseKind.DISTRICT, district=city.home.district)


@pytest.fixture
def pack(users, store):
    item = SupplyItem.objects.create(code="PACK", name="粮油蔬菜包", category=SupplyCategory.NECESSITIES, unit="份")
    stock_receive(actor=users["district"], warehouse=store, item=item, quantity=20, source=ReceiptSource.DONATION)
    return item


def balance(store, item) -> int:
    return StockBalance.objects.get(warehouse=store, item=item).quantity


def ask(client, users, city, store, pack, n="12"):
    client.force_login(users["community"])
    return client.post(
        reverse("livelihood:supply_request_create"),
        {
            "unit_kind": "community",
            "community": city.home.community.pk,
            "warehouse": store.pk,
            "purpose": "封控楼栋生活保障",
            "line_0": pack.pk,
            "line_0_n": n,
        },
    )


def test_a_community_asks_and_the_district_approves_in_part_on_the_page(client, users, city, store, pack):
    answer = ask(client, users, city, store, pack)
    req = SupplyRequest.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("livelihood:supply_request_detail", args=[req.pk])
    client.force_login(users["district"])
    page = client.get(reverse("livelihood:supply_request_detail", args=[req.pk]))
    assert page.status_code == 200 and 'data-form="decide"' in page.content.decode()
    url = reverse("livelihood:supply_request_decide", args=[req.pk])
    refused = client.post(url, {"line_0": "8"})  # less than asked, no reason
    assert refused.status_code == 422 and "请填写审批意见" in refused.content.decode()
    assert balance(store, pack) == 20
    done = client.post(url, {"line_0": "8", "reason": "库存紧张，先保障 8 份"})
    assert done.status_code == 302
    req.refresh_from_db()
    assert req.status == SupplyRequestStatus.PARTLY_APPROVED and balance(store, pack) == 12
    listing = client.get(reverse("livelihood:supply_requests") + "?status=partly")
    assert "部分批准" in listing.content.decode()


def test_approval_beyond_stock_is_shown_on_the_line_and_nothing_issued(client, users, city, store, pack):
    ask(client, users, city, store, pack, n="30")
    req = SupplyRequest.objects.get()
    client.force_login(users["district"])
    answer = client.post(reverse("livelihood:supply_request_decide", args=[req.pk]), {"line_0": "30"})
    assert answer.status_code == 422 and "库存不足" in answer.content.decode()
    assert balance(store, pack) == 20 and not StockMovement.objects.filter(supply_request=req).exists()


def test_attack_the_requester_approves_their_own_request_on_the_page(client, users, city, store, pack):
    ask(client, users, city, store, pack)
    req = SupplyRequest.objects.get()
    answer = client.post(reverse("livelihood:supply_request_decide", args=[req.pk]), {"line_0": "12"})
    assert answer.status_code == 403 and balance(store, pack) == 20


def test_a_delivery_with_a_pack_cancelled_on_its_page_returns_it(client, users, worker, entry, paired, deliverer, store, pack):
    req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="粮油蔬菜包")
    client.force_login(deliverer)
    page = client.get(reverse("livelihood:request_detail", args=[req.pk]))
    assert page.status_code == 403  # the deliverer holds no livelihood.details: the phone page is theirs
    client.force_login(worker)
    page = client.get(reverse("livelihood:request_detail", args=[req.pk]))
    assert "pack_0" in page.content.decode()
    answer = client.post(
        reverse("livelihood:request_deliver", args=[req.pk]),
        {"handover": "home_door", "warehouse": store.pk, "pack_0": pack.pk, "pack_0_n": "2"},
    )
    assert answer.status_code == 302 and balance(store, pack) == 18
    assert "粮油蔬菜包 2份" in client.get(reverse("livelihood:request_detail", args=[req.pk])).content.decode()
    url = reverse("livelihood:delivery_cancel", args=[req.pk])
    assert client.post(url, {"undeliver-reason": ""}).status_code == 422
    assert client.post(url, {"undeliver-reason": "居民不在家"}).status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN and balance(store, pack) == 20


def test_too_little_stock_on_the_delivery_page_names_the_pack(client, worker, entry, paired, store, pack):
    req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="粮油蔬菜包")
    client.force_login(worker)
    answer = client.post(
        reverse("livelihood:request_deliver", args=[req.pk]),
        {"handover": "home_door", "warehouse": store.pk, "pack_0": pack.pk, "pack_0_n": "21"},
    )
    assert answer.status_code == 422 and "库存不足" in answer.content.decode()
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN and balance(store, pack) == 20


def test_reassign_and_cancel_on_the_request_page(client, worker, entry, paired, group, users):
    req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="蔬菜包")
    other = member_add(actor=worker, group=group, kind="cadre", name="王建军", phone="13800006666")
    client.force_login(worker)
    url = reverse("livelihood:request_reassign", args=[req.pk])
    assert client.post(url, {"member": other.pk, "reason": ""}).status_code == 422
    assert client.post(url, {"member": other.pk, "reason": "原帮扶人隔离"}).status_code == 302
    req.refresh_from_db()
    assert req.member == other
    assert client.post(reverse("livelihood:request_cancel", args=[req.pk]), {"cancel-reason": "家属已代购"}).status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.CANCELLED
    assert "家属已代购" in client.get(reverse("livelihood:request_detail", args=[req.pk])).content.decode()


def test_attack_a_grid_worker_cancels_or_reassigns_a_request(client, users, worker, entry, paired):
    req = request_add(actor=worker, entry=entry, kind=RequestKind.GOODS, items="蔬菜包")
    client.force_login(users["grid"])  # sees the ledger (livelihood.details), does not keep it
    assert client.post(reverse("livelihood:request_cancel", args=[req.pk]), {"cancel-reason": "x"}).status_code == 403
    assert client.post(reverse("livelihood:request_reassign", args=[req.pk]), {"member": "1", "reason": "x"}).status_code == 403
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN


def test_isolation_site_staff_ask_on_the_page_with_their_facility_grant(client, users, city, store, pack):
    """Isolation-site staff hold a grant on their site only (no community): the form offers their
    site and the warehouses of its district; the request is theirs to see and to withdraw; another
    site (not offered) is refused on the site field."""
    from fangkong.accounts.models import Grant
    from fangkong.core.roles import Role
    from fangkong.isolation.models import IsolationSite

    from ..factories import make_user

    site = IsolationSite.objects.create(
        name="新城区集中隔离点", district=city.home.district, street=city.home.street, community=city.home.community
    )
    other = IsolationSite.objects.create(
        name="回民区集中隔离点", district=city.elsewhere.district, street=city.elsewhere.street, community=city.elsewhere.community
    )
    staff = make_user("site-staff", Role.ISOLATION_SITE_STAFF)
    Grant.objects.create(user=staff, level="facility", facility_kind="isolation_site", place_id=site.pk)
    client.force_login(staff)
    form = client.get(reverse("livelihood:supply_requests")).content.decode()
    assert f'value="{site.pk}"' in form and "回民区集中隔离点" not in form and store.name in form
    post = {"unit_kind": "isolation_site", "warehouse": store.pk, "purpose": "隔离人员生活物资", "line_0": pack.pk, "line_0_n": "5"}
    refused = client.post(reverse("livelihood:supply_request_create"), {**post, "site": other.pk})
    assert refused.status_code == 422 and refused.context["form"].errors.get("site")
    answer = client.post(reverse("livelihood:supply_request_create"), {**post, "site": site.pk})
    req = SupplyRequest.objects.get()
    assert answer.status_code == 302 and req.isolation_site_id == site.pk and req.unit_name == site.name
    assert site.name in client.get(reverse("livelihood:supply_requests")).content.decode()
    assert client.get(reverse("livelihood:supply_request_detail", args=[req.pk])).status_code == 200
    cancelled = client.post(reverse("livelihood:supply_request_cancel", args=[req.pk]), {"cancel-reason": "社区已送达"})
    assert cancelled.status_code == 302
    req.refresh_from_db()
    assert req.status == SupplyRequestStatus.CANCELLED
