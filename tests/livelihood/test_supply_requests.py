"""Units' requests for supplies: a community asks its district's warehouse; the district office
approves (issued from the ledger, each movement linked), partly approves or refuses with a reason;
an approval beyond the balance is refused naming the line and issues nothing; the requester cannot
decide, a keeper of another district cannot, and a pending request can be withdrawn."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.livelihood.choices import ReceiptSource, SupplyCategory, SupplyRequestStatus, SupplyUnitKind, WarehouseKind
from fangkong.livelihood.models import StockBalance, StockMovement, SupplyItem, SupplyRequest, Warehouse
from fangkong.livelihood.services.stock import stock_receive
from fangkong.livelihood.services.supply_requests import supply_request_add, supply_request_cancel, supply_request_decide
from fangkong.livelihood.stock import ledger_mismatches

from ..factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(city):
    return Warehouse.objects.create(name="新城区防疫物资仓库", kind=WarehouseKind.DISTRICT, district=city.home.district)


@pytest.fixture
def items():
    return {
        "pack": SupplyItem.objects.create(code="VEG", name="蔬菜包", category=SupplyCategory.NECESSITIES, unit="份"),
        "mask": SupplyItem.objects.create(code="MASK", name="医用口罩", category=SupplyCategory.PROTECTIVE, unit="只"),
    }


@pytest.fixture
def stocked(users, store, items):
    stock_receive(actor=users["district"], warehouse=store, item=items["pack"], quantity=100, source=ReceiptSource.DONATION)
    stock_receive(actor=users["district"], warehouse=store, item=items["mask"], quantity=50, source=ReceiptSource.PURCHASE)
    return store


def ask(users, city, store, items, pack=40, mask=20):
    return supply_request_add(
        actor=users["community"],
        unit_kind=SupplyUnitKind.COMMUNITY,
        place=city.home.community,
        warehouse=store,
        purpose="封控楼栋居民生活保障",
        lines=[(items["pack"], pack), (items["mask"], mask)],
    )


def balance(store, item) -> int:
    return StockBalance.objects.get(warehouse=store, item=item).quantity


def test_full_approval_issues_every_line_from_the_ledger(users, city, stocked, items):
    req = ask(users, city, stocked, items)
    supply_request_decide(actor=users["district"], request=req, approved={line.pk: line.quantity for line in req.lines.all()})
    req.refresh_from_db()
    assert req.status == SupplyRequestStatus.APPROVED and req.decided_by == users["district"]
    assert (balance(stocked, items["pack"]), balance(stocked, items["mask"])) == (60, 30)
    assert StockMovement.objects.filter(supply_request=req).aggregate(n=Sum("quantity"))["n"] == -60
    assert ledger_mismatches() == []
    assert AuditEvent.objects.filter(event_type="livelihood.supply_decided", object_id=str(req.pk)).exists()


def test_part_approval_needs_a_reason_and_issues_what_was_granted(users, city, stocked, items):
    req = ask(users, city, stocked, items)
    pack, mask = req.lines.order_by("id")
    with pytest.raises(DomainError) as exc:
        supply_request_decide(actor=users["district"], request=req, approved={pack.pk: 40, mask.pk: 5})
    assert exc.value.field == "reason"
    supply_request_decide(actor=users["district"], request=req, approved={pack.pk: 40, mask.pk: 5}, reason="口罩优先保障医院")
    req.refresh_from_db()
    assert req.status == SupplyRequestStatus.PARTLY_APPROVED and req.reason == "口罩优先保障医院"
    assert balance(stocked, items["mask"]) == 45
    mask.refresh_from_db()
    assert mask.approved == 5


def test_refusal_needs_a_reason_and_issues_nothing(users, city, stocked, items):
    req = ask(users, city, stocked, items)
    supply_request_decide(actor=users["district"], request=req, approved={}, reason="已由街道统一配发")
    req.refresh_from_db()
    assert req.status == SupplyRequestStatus.REFUSED
    assert not StockMovement.objects.filter(supply_request=req).exists()
    with pytest.raises(DomainError):  # decided once
        supply_request_decide(actor=users["district"], request=req, approved={}, reason="再次")


def test_approval_beyond_the_balance_names_the_line_and_nothing_is_half_applied(users, city, stocked, items):
    req = ask(users, city, stocked, items, pack=40, mask=60)  # 50 masks in stock
    lines = {line.pk: line.quantity for line in req.lines.all()}
    before = StockMovement.objects.count()
    with pytest.raises(DomainError) as exc:
        supply_request_decide(actor=users["district"], request=req, approved=lines)
    assert exc.value.field == "line_1" and exc.value.rule == "livelihood.stock_not_negative" and "现有 50只" in exc.value.message
    req.refresh_from_db()
    assert req.status == SupplyRequestStatus.PENDING
    assert StockMovement.objects.count() == before and balance(stocked, items["pack"]) == 100
    assert not req.lines.filter(approved__isnull=False).exists()


def test_more_than_asked_or_a_fraction_is_refused_naming_the_line(users, city, stocked, items):
    req = ask(users, city, stocked, items)
    pack, mask = req.lines.order_by("id")
    for bad in (41, "1.5", -1):
        with pytest.raises(DomainError) as exc:
            supply_request_decide(actor=users["district"], request=req, approved={pack.pk: bad, mask.pk: 20}, reason="x")
        assert exc.value.field == "line_0"


def test_bad_requests_are_refused_naming_the_field(users, city, stocked, items):
    with pytest.raises(DomainError) as exc:
        ask(users, city, stocked, items, pack=0)
    assert exc.value.field == "line_0"
    with pytest.raises(DomainError) as exc:
        supply_request_add(
            actor=users["community"],
            unit_kind=SupplyUnitKind.COMMUNITY,
            place=city.home.community,
            warehouse=stocked,
            purpose="x",
            lines=[],
        )
    assert exc.value.field == "line_0"
    other = Warehouse.objects.create(name="回民区仓库", kind=WarehouseKind.DISTRICT, district=city.elsewhere.district)
    with pytest.raises(DomainError) as exc:
        ask(users, city, other, items)
    assert exc.value.field == "warehouse"
    assert SupplyRequest.objects.count() == 0


def test_attack_a_community_asks_in_the_name_of_a_community_outside_its_grant(users, city, stocked, items):
    with pytest.raises(PermissionRefused):
        supply_request_add(
            actor=users["community"],
            unit_kind=SupplyUnitKind.COMMUNITY,
            place=city.elsewhere.community,
            warehouse=stocked,
            purpose="x",
            lines=[(items["pack"], 1)],
        )


def test_attack_the_requester_or_another_districts_keeper_approves(users, city, stocked, items):
    req = ask(users, city, stocked, items)
    approve_all = {line.pk: line.quantity for line in req.lines.all()}
    with pytest.raises(PermissionRefused):  # a community worker holds no livelihood.supplies
        supply_request_decide(actor=users["community"], request=req, approved=approve_all)
    far = make_user("far-office", "district_office", [("district", city.elsewhere.district)])
    with pytest.raises(PermissionRefused):
        supply_request_decide(actor=far, request=req, approved=approve_all)
    req.requested_by = users["district"]  # a keeper who asked for themself
    req.save()
    with pytest.raises(PermissionRefused):
        supply_request_decide(actor=users["district"], request=req, approved=approve_all)
    assert balance(stocked, items["pack"]) == 100


def test_a_pending_request_is_withdrawn_with_a_reason(users, city, stocked, items):
    req = ask(users, city, stocked, items)
    with pytest.raises(DomainError) as exc:
        supply_request_cancel(actor=users["community"], request=req, reason=" ")
    assert exc.value.field == "reason"
    supply_request_cancel(actor=users["community"], request=req, reason="已由志愿者捐赠")
    req.refresh_from_db()
    assert req.status == SupplyRequestStatus.CANCELLED
    with pytest.raises(DomainError):
        supply_request_decide(actor=users["district"], request=req, approved={}, reason="x")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_concurrent_approvals_never_overdraw_nor_half_apply(city, items):
    """Ten keepers' approvals at once, each of two lines, on 50 packs (7 asked each): seven are
    issued whole, three are refused whole (no line issued, still pending), and the ledger holds."""
    import threading

    from django.db import connection

    from ..factories import ensure_reference_data

    ensure_reference_data()
    store = Warehouse.objects.create(name="市级生活物资仓库", kind=WarehouseKind.CITY)
    keeper = make_user("approver", "command_centre", [("city", None)])
    worker = make_user("asker", "community_worker", [("community", city.home.community)])
    stock_receive(actor=keeper, warehouse=store, item=items["pack"], quantity=50, source=ReceiptSource.DONATION)
    stock_receive(actor=keeper, warehouse=store, item=items["mask"], quantity=100, source=ReceiptSource.DONATION)
    requests = [
        supply_request_add(
            actor=worker,
            unit_kind=SupplyUnitKind.COMMUNITY,
            place=city.home.community,
            warehouse=store,
            purpose=f"第{i}批",
            lines=[(items["pack"], 7), (items["mask"], 3)],
        )
        for i in range(10)
    ]
    start = threading.Barrier(10)
    outcomes: list[object] = [None] * 10

    def work(i: int) -> None:
        try:
            start.wait()
            req = requests[i]
            outcomes[i] = supply_request_decide(actor=keeper, request=req, approved={ln.pk: ln.quantity for ln in req.lines.all()})
        except Exception as exc:  # noqa: BLE001 — recorded and asserted on
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    approved = [o for o in outcomes if isinstance(o, SupplyRequest)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(approved) == 7 and len(refused) == 3, outcomes
    assert all(e.rule == "livelihood.stock_not_negative" for e in refused)
    for req in requests:
        req.refresh_from_db()
        issued = StockMovement.objects.filter(supply_request=req).count()
        assert (req.status, issued) in ((SupplyRequestStatus.APPROVED, 2), (SupplyRequestStatus.PENDING, 0))
    assert (balance(store, items["pack"]), balance(store, items["mask"])) == (1, 79)
    assert ledger_mismatches() == []


# ---- an isolation site asks: its staff act for it by their facility grant, no community grant ----


@pytest.fixture
def sites(city):
    from fangkong.isolation.models import IsolationSite

    return {
        "home": IsolationSite.objects.create(
            name="新城区集中隔离点", district=city.home.district, street=city.home.street, community=city.home.community
        ),
        "far": IsolationSite.objects.create(
            name="回民区集中隔离点", district=city.elsewhere.district, street=city.elsewhere.street, community=city.elsewhere.community
        ),
    }


def site_staff(name, site):
    from fangkong.accounts.models import Grant
    from fangkong.core.roles import Role

    user = make_user(name, Role.ISOLATION_SITE_STAFF)
    Grant.objects.create(user=user, level="facility", facility_kind="isolation_site", place_id=site.pk)
    return user


def test_isolation_site_staff_ask_for_their_site_with_the_facility_grant_alone(users, sites, stocked, items):
    staff = site_staff("site-home", sites["home"])
    req = supply_request_add(
        actor=staff,
        unit_kind=SupplyUnitKind.ISOLATION_SITE,
        site=sites["home"],
        warehouse=stocked,
        purpose="隔离人员生活物资",
        lines=[(items["pack"], 10)],
    )
    assert (req.unit_name, req.isolation_site_id, req.community_id) == ("新城区集中隔离点", sites["home"].pk, sites["home"].community_id)
    assert list(SupplyRequest.objects.visible_to(staff)) == [req]
    assert list(SupplyRequest.objects.visible_to(site_staff("site-far", sites["far"]))) == []
    assert req in SupplyRequest.objects.visible_to(users["district"])  # the keeper above sees it by place
    supply_request_decide(actor=users["district"], request=req, approved={req.lines.get().pk: 10})
    assert balance(stocked, items["pack"]) == 90


def test_isolation_site_staff_cannot_ask_for_another_site_or_withdraw_its_request(users, city, sites, stocked, items):
    staff = site_staff("site-far", sites["far"])
    with pytest.raises(PermissionRefused) as exc:
        supply_request_add(
            actor=staff,
            unit_kind=SupplyUnitKind.ISOLATION_SITE,
            site=sites["home"],
            warehouse=stocked,
            purpose="越权申领",
            lines=[(items["pack"], 1)],
        )
    assert exc.value.field == "site"
    with pytest.raises(DomainError) as exc:  # a site's request names the site
        supply_request_add(actor=staff, unit_kind=SupplyUnitKind.ISOLATION_SITE, warehouse=stocked, purpose="x", lines=[(items["pack"], 1)])
    assert exc.value.field == "site"
    with pytest.raises(PermissionRefused):  # no community grant: a community's request is not theirs
        supply_request_add(
            actor=staff,
            unit_kind=SupplyUnitKind.COMMUNITY,
            place=city.home.community,
            warehouse=stocked,
            purpose="x",
            lines=[(items["pack"], 1)],
        )
    home_staff = site_staff("site-home", sites["home"])
    req = supply_request_add(
        actor=home_staff,
        unit_kind=SupplyUnitKind.ISOLATION_SITE,
        site=sites["home"],
        warehouse=stocked,
        purpose="y",
        lines=[(items["pack"], 1)],
    )
    with pytest.raises(PermissionRefused):
        supply_request_cancel(actor=staff, request=req, reason="不是我的")
    assert supply_request_cancel(actor=home_staff, request=req, reason="已由社区送达").status == SupplyRequestStatus.CANCELLED
    assert SupplyRequest.objects.count() == 1
