"""民生保障 in a real browser (seed 003: "马李鑫说着来到了小区门口，与网格员对接后交接了物资"): a
community worker records a request for an elderly resident living alone whose building is sealed;
the pair's member sees it on the phone page and hands it over at the compound gate to the grid
worker; the grid worker confirms. Then the district sets up the voucher programme and runs it for
the community. With FANGKONG_SCREENSHOTS=1 the run saves the screenshots of
docs/user-guide/livelihood.md.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from fangkong.core.clock import now
from fangkong.core.roles import Role
from fangkong.geo.models import PersonWelfare
from fangkong.livelihood.choices import MemberKind, RequestStatus
from fangkong.livelihood.models import SupportRequest, Voucher
from fangkong.livelihood.services.groups import group_add, member_add, pair
from fangkong.livelihood.services.ledger import entries_from_registry
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.services import area_declare

from ..factories import make_person, make_tree, make_user, next_id_number
from .test_registry import PASSWORD, ensure_districts, log_in, shot

pytestmark = pytest.mark.e2e


def test_request_delivered_to_the_gate_and_confirmed_by_the_grid_worker(transactional_db, live_server, page):
    base = live_server.url
    ensure_districts()
    tree = make_tree()
    other = make_tree(building="2号楼", household="201")
    lonely = make_person(tree.household, "刘桂兰", id_number=next_id_number(birth=dt.date(1948, 3, 2)), tags=["elderly_alone"])
    PersonWelfare.objects.create(person=lonely, hukou_code="150102")
    make_person(other.household, "周大爷", tags=["empty_nest"])
    worker = make_user("yingbin", Role.COMMUNITY_WORKER, [("community", tree.community)], password=PASSWORD)
    make_user("malixin", Role.VOLUNTEER_COORDINATOR, [("community", tree.community)], password=PASSWORD)
    make_user("wangfang", Role.GRID_WORKER, [("grid", tree.grid)], password=PASSWORD)
    make_user("xinchengqu", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    command = make_user("zhihuibu", Role.COMMAND_CENTRE, [("city", None)], password=PASSWORD)
    area_declare(
        actor=command,
        name="迎宾小区1号楼",
        area_class=AreaClass.SEALED,
        places=[("building", tree.building.pk)],
        reason="同楼确诊",
        in_force_at=now() - dt.timedelta(hours=6),
    )
    entries_from_registry(actor=worker, community=tree.community)
    group = group_add(actor=worker, compound=tree.compound, name="迎宾小区上门服务组")
    member = member_add(actor=worker, group=group, kind=MemberKind.CADRE, name="马李鑫", phone="13800005555", username="malixin")
    member_add(actor=worker, group=group, kind=MemberKind.PARTY_MEMBER, name="党员孙", phone="13800006666")
    from fangkong.livelihood.models import LedgerEntry

    pair(actor=worker, member=member, entries=[LedgerEntry.objects.get(person=lonely)])

    # The community worker: the ledger (one paired, one not), then the request taken by phone.
    log_in(page, base, "yingbin")
    page.goto(f"{base}/livelihood/community/{tree.community.pk}/")
    expect(page.locator("[data-figures]")).to_contain_text("已建立帮扶对子 1 对，覆盖重点人员 1 人")
    expect(page.locator("[data-unpaired]")).to_contain_text("周大爷")
    shot(page, "livelihood-community.png")
    page.get_by_role("link", name="刘桂兰").first.click()
    expect(page.locator("[data-controlled]")).to_contain_text("迎宾小区1号楼")
    page.select_option("#id_kind", "goods")
    page.fill("#id_items", "米面油和蔬菜包")
    page.select_option("#id_channel", "phone")
    shot(page, "livelihood-entry.png")
    page.locator("[data-action=request]").click()
    expect(page.locator("[data-routed]")).to_contain_text("马李鑫")
    expect(page.locator("[data-status]")).to_have_text("待配送")

    # The pair's member on the phone page: the gate handover to the grid worker.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 420, "height": 860})
    log_in(page, base, "malixin")
    page.goto(f"{base}/livelihood/deliveries/")
    card = page.locator("[data-delivery]").first
    expect(card).to_contain_text("米面油和蔬菜包")
    expect(card).to_contain_text("小区门口交给网格员")
    card.locator("input[name=handed_to]").fill("网格员王芳")
    shot(page, "livelihood-deliveries.png")
    card.locator("[data-action=deliver]").click()
    expect(page.locator("[data-delivery]").first).to_contain_text("已送达待确认")

    # The grid worker confirms at the gate.
    page.context.clear_cookies()
    log_in(page, base, "wangfang")
    page.goto(f"{base}/livelihood/deliveries/")
    expect(page.locator("[data-gate]")).to_contain_text("网格员王芳")
    shot(page, "livelihood-gate.png")
    page.locator("[data-action=confirm-gate]").click()
    expect(page.locator("[data-status]")).to_have_text("已确认")
    req = SupportRequest.objects.get()
    assert req.status == RequestStatus.CONFIRMED and req.handover == "gate" and req.confirmed_by == "grid_worker"

    # The district: the voucher programme, run for the community (刘桂兰, 70+ living alone, Hohhot 户籍).
    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.clear_cookies()
    log_in(page, base, "xinchengqu")
    page.goto(f"{base}/livelihood/vouchers/")
    page.fill("#id_name", "一次性消费券")
    page.select_option("#id_scope", f"district:{tree.district.pk}")
    page.get_by_role("button", name="设立").click()
    page.select_option("#id_community", str(tree.community.pk))
    page.locator("[data-action=run]").click()
    expect(page.locator("[data-voucher-totals]")).to_contain_text("已发放 1 人，合计 0.02 万元")
    shot(page, "livelihood-vouchers.png")
    assert Voucher.objects.get().rule == "special_70"


def test_a_community_asks_for_supplies_and_the_district_approves_in_part(transactional_db, live_server, page):
    """A community worker asks the district's warehouse for vegetable packs and test kits; the
    district office grants the packs and half the kits with a reason; the stock is issued."""
    from fangkong.livelihood.choices import ReceiptSource, SupplyCategory, SupplyRequestStatus, WarehouseKind
    from fangkong.livelihood.models import StockBalance, SupplyItem, SupplyRequest, Warehouse
    from fangkong.livelihood.services.stock import stock_receive

    base = live_server.url
    ensure_districts()
    tree = make_tree()
    make_user("yingbin", Role.COMMUNITY_WORKER, [("community", tree.community)], password=PASSWORD)
    office = make_user("xinchengqu", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    store = Warehouse.objects.create(name="新城区防疫物资仓库", kind=WarehouseKind.DISTRICT, district=tree.district)
    veg = SupplyItem.objects.create(code="SCB", name="蔬菜包", category=SupplyCategory.NECESSITIES, unit="份")
    kits = SupplyItem.objects.create(code="KY", name="抗原检测试剂", category=SupplyCategory.TESTING, unit="人份")
    stock_receive(actor=office, warehouse=store, item=veg, quantity=100, source=ReceiptSource.DONATION)
    stock_receive(actor=office, warehouse=store, item=kits, quantity=100, source=ReceiptSource.ALLOCATION)

    log_in(page, base, "yingbin")
    page.goto(f"{base}/livelihood/supply-requests/")
    form = page.locator("[data-form=supply-request]")
    form.locator("#id_unit_kind").select_option("community")
    form.locator("#id_warehouse").select_option(str(store.pk))
    form.locator("#id_purpose").fill("封控楼栋居民生活保障")
    form.locator("#id_line_0").select_option(str(veg.pk))
    form.locator("#id_line_0_n").fill("40")
    form.locator("#id_line_1").select_option(str(kits.pk))
    form.locator("#id_line_1_n").fill("80")
    shot(page, "livelihood-supply-request.png")
    form.locator("button").click()
    expect(page.locator("[data-status]")).to_have_text("待审批")

    page.context.clear_cookies()
    log_in(page, base, "xinchengqu")
    page.goto(f"{base}/livelihood/supplies/")
    page.locator("[data-link=supply-requests]").click()
    page.get_by_role("link", name=f"#{SupplyRequest.objects.get().pk}").click()
    decide = page.locator("[data-form=decide]")
    decide.locator("#id_line_1").fill("40")
    decide.locator("[data-action=decide]").click()
    expect(page.locator("[data-field=reason], .invalid-feedback, .alert").first).to_be_visible()
    page.locator("[data-form=decide] #id_reason").fill("试剂优先保障方舱，先拨付一半")
    page.locator("[data-form=decide] [data-action=decide]").click()
    expect(page.locator("[data-status]")).to_have_text("部分批准")
    expect(page.locator("[data-issued]")).to_contain_text("抗原检测试剂 -40")
    shot(page, "livelihood-supply-decided.png")
    assert SupplyRequest.objects.get().status == SupplyRequestStatus.PARTLY_APPROVED
    assert StockBalance.objects.get(warehouse=store, item=kits).quantity == 60


def test_a_community_worker_adds_a_deployed_person_to_the_work_group(transactional_db, live_server, page):
    """The people sent down to the compound (包联干部, a party member reporting where they live) are
    offered on the group page; one sent to another compound is not. The worker adds the cadre, who
    shows as 包联干部 · 下沉, and pairs them with the resident left unpaired."""
    from fangkong.livelihood.models import GroupMember, LedgerEntry
    from fangkong.policy.regimen import local_date
    from fangkong.volunteers.services import deployment_add

    base = live_server.url
    ensure_districts()
    tree = make_tree()
    elsewhere = make_tree(compound="另一小区", building="9号楼", household="901")
    lonely = make_person(tree.household, "刘桂兰", tags=["elderly_alone"])
    make_person(tree.household, "周大爷", tags=["empty_nest"])
    worker = make_user("yingbin", Role.COMMUNITY_WORKER, [("community", tree.community)], password=PASSWORD)
    office = make_user("xinchengqu", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    entries_from_registry(actor=worker, community=tree.community)
    group = group_add(actor=worker, compound=tree.compound, name="迎宾小区上门服务组")
    cadre = member_add(actor=worker, group=group, kind=MemberKind.CADRE, name="马李鑫", phone="13800005555")
    pair(actor=worker, member=cadre, entries=[LedgerEntry.objects.get(person=lonely)])
    today = local_date(now())
    sent = {"actor": office, "community": tree.community, "starts_on": today - dt.timedelta(days=2)}
    deployment_add(kind="cadre", name="张建国", phone="13900001111", work_unit="市住建局", compound=tree.compound, rank="division", **sent)
    deployment_add(
        kind="party_member", name="李秀英", phone="13900002222", work_unit="市委组织部", compound=tree.compound, at_residence=True, **sent
    )
    deployment_add(kind="police", name="王海军", phone="13900003333", work_unit="新城区公安分局", compound=elsewhere.compound, **sent)

    log_in(page, base, "yingbin")
    page.goto(f"{base}/livelihood/group/{group.pk}/")
    form = page.locator("[data-form=member-deployed]")
    options = form.locator("#id_deployment option")
    expect(options).to_have_count(2)
    expect(form).not_to_contain_text("王海军")  # sent to another compound
    form.locator("#id_deployment").select_option(label="张建国（包联干部，市住建局）")
    form.locator("button").click()
    members = page.locator("[data-members]")
    expect(members).to_contain_text("张建国")
    expect(members.locator("tr", has_text="张建国")).to_contain_text("包联干部")
    expect(members.locator("tr", has_text="张建国").locator("[data-deployed]")).to_have_text("下沉")
    expect(page.locator("[data-form=member-deployed] #id_deployment option")).to_have_count(1)  # 李秀英 left

    pairing = page.locator("[data-form=pair]")
    pairing.locator("#id_member").select_option(label="张建国（包联干部）")
    pairing.get_by_label("周大爷").check()
    pairing.locator("button").click()
    expect(members.locator("tr", has_text="张建国")).to_contain_text("周大爷")
    expect(page.locator("body")).to_contain_text("台账人员均已结对")
    shot(page, "livelihood-group-deployed.png")
    member = GroupMember.objects.get(name="张建国")
    assert member.kind == MemberKind.ASSIGNED_CADRE and member.deployment_id is not None


def test_isolation_site_staff_ask_for_supplies_for_their_site(transactional_db, live_server, page):
    """The staff of an isolation site (a grant on the site alone, no community grant) ask the
    district's warehouse for protective gear; the request carries the site, awaiting the keeper."""
    from fangkong.accounts.models import Grant
    from fangkong.isolation.models import IsolationSite
    from fangkong.livelihood.choices import SupplyCategory, WarehouseKind
    from fangkong.livelihood.models import SupplyItem, SupplyRequest, Warehouse

    base = live_server.url
    ensure_districts()
    tree = make_tree()
    site = IsolationSite.objects.create(
        name="如家酒店（新华大街店）隔离点", district=tree.district, street=tree.street, community=tree.community
    )
    staff = make_user("gelidian", Role.ISOLATION_SITE_STAFF, [], password=PASSWORD)
    Grant.objects.create(user=staff, level="facility", facility_kind="isolation_site", place_id=site.pk)
    store = Warehouse.objects.create(name="新城区防疫物资仓库", kind=WarehouseKind.DISTRICT, district=tree.district)
    suits = SupplyItem.objects.create(code="FHF", name="医用防护服", category=SupplyCategory.PROTECTIVE, unit="套")
    masks = SupplyItem.objects.create(code="N95", name="N95 口罩", category=SupplyCategory.PROTECTIVE, unit="只")

    log_in(page, base, "gelidian")
    page.goto(f"{base}/livelihood/supply-requests/")
    form = page.locator("[data-form=supply-request]")
    form.locator("#id_unit_kind").select_option("isolation_site")
    form.locator("#id_site").select_option(str(site.pk))
    form.locator("#id_warehouse").select_option(str(store.pk))
    form.locator("#id_purpose").fill("隔离点工作人员防护")
    form.locator("#id_line_0").select_option(str(suits.pk))
    form.locator("#id_line_0_n").fill("120")
    form.locator("#id_line_1").select_option(str(masks.pk))
    form.locator("#id_line_1_n").fill("600")
    form.locator("button").click()
    expect(page.locator("[data-status]")).to_have_text("待审批")
    expect(page.locator("body")).to_contain_text("如家酒店（新华大街店）隔离点")
    shot(page, "livelihood-supply-site.png")
    req = SupplyRequest.objects.get()
    assert (req.unit_kind, req.isolation_site_id, req.community_id) == ("isolation_site", site.pk, tree.community.pk)


def test_a_keeper_sees_low_stock_its_alert_and_the_relief_page(transactional_db, live_server, page):
    """The district office's keeper: the warehouse page flags an item below its days of cover (the
    policy's 3 days) and one at its low-stock line; the alert raised once for each is in the bell's
    list; the relief page shows the budget, the payments and the totals in the seed's form."""
    from decimal import Decimal

    from fangkong.livelihood.alerts import STOCK_SHORT
    from fangkong.livelihood.choices import ReceiptSource, ReliefKind, SupplyCategory, WarehouseKind
    from fangkong.livelihood.models import SupplyItem, Warehouse
    from fangkong.livelihood.services.relief import budget_set, relief_disburse
    from fangkong.livelihood.services.stock import stock_issue, stock_receive
    from fangkong.notifications.models import Notification
    from fangkong.notifications.services import deliver

    base = live_server.url
    ensure_districts()
    tree = make_tree()
    office = make_user("xinchengqu", Role.DISTRICT_OFFICE, [("district", tree.district)], password=PASSWORD)
    store = Warehouse.objects.create(name="新城区防疫物资仓库", kind=WarehouseKind.DISTRICT, district=tree.district)
    catalogue = [
        # code, name, category, unit, low-stock line, received, issued over the week
        ("FHF", "医用防护服", SupplyCategory.PROTECTIVE, "套", 500, 6000, 5200),  # 800 left, 743 a day: 1.1 days
        ("N95", "N95 口罩", SupplyCategory.PROTECTIVE, "只", 2000, 30000, 12000),
        ("KY", "抗原检测试剂", SupplyCategory.TESTING, "人份", 1000, 1000, 200),  # 800 left: below its line
        ("DM", "大米（10kg）", SupplyCategory.NECESSITIES, "袋", 100, 800, 300),
        ("SCB", "蔬菜包", SupplyCategory.NECESSITIES, "份", 200, 3000, 1500),
    ]
    for code, name, category, unit, low, received, issued in catalogue:
        item = SupplyItem.objects.create(code=code, name=name, category=category, unit=unit, low_stock=low)
        source = ReceiptSource.PURCHASE_ABROAD if category == SupplyCategory.PROTECTIVE else ReceiptSource.ALLOCATION
        batch = "2022-境外-017" if source == ReceiptSource.PURCHASE_ABROAD else ""
        stock_receive(actor=office, warehouse=store, item=item, quantity=received, source=source, batch=batch)
        stock_issue(actor=office, warehouse=store, item=item, quantity=issued, to_unit="各社区、方舱医院")
    deliver(now=now())
    assert set(Notification.objects.filter(rule=STOCK_SHORT, recipient=office).values_list("params__item", flat=True)) == {
        "医用防护服",
        "抗原检测试剂",
    }

    log_in(page, base, "xinchengqu")
    page.goto(f"{base}/livelihood/supplies/{store.pk}/")
    expect(page.locator("tr.table-warning")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("不足 3 天")
    shot(page, "livelihood-stock.png")
    page.goto(f"{base}/notifications/")
    expect(page.locator("main")).to_contain_text("物资可用天数不足")
    expect(page.locator("main")).to_contain_text("物资低于库存提示线")
    shot(page, "livelihood-stock-alert.png")

    budget_set(actor=office, district=tree.district, year=now().year, amount="500000")
    people = [
        make_person(tree.household, name, id_number=next_id_number(birth=dt.date(1944 + i, 5, 1)), tags=["elderly_alone"])
        for i, name in enumerate(["刘桂兰", "张秀珍", "王德胜", "赵玉梅"])
    ]
    kinds = [ReliefKind.LIVING_SUBSIDY, ReliefKind.FOOD_PACK, ReliefKind.EPIDEMIC_RELIEF, ReliefKind.LIVING_SUBSIDY]
    for person, kind, amount in zip(people, kinds, ["300.00", "200.00", "500.00", "300.00"], strict=True):
        goods = "米面油、蔬菜包" if kind == ReliefKind.FOOD_PACK else ""
        relief_disburse(actor=office, person=person, kind=kind, amount=Decimal(amount), goods=goods)
    page.goto(f"{base}/livelihood/relief/")
    expect(page.locator("[data-disbursements] tbody tr")).to_have_count(4)
    expect(page.locator("[data-elderly-totals]")).to_contain_text("为 3 名困难老年人发放")
    shot(page, "livelihood-relief.png")
