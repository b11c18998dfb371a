"""The demo's 民生保障 (fangkong.demo): in the demo community (迎宾南路社区) and a few others, the ledger
built from the registry's tags, a 上门服务 work group per compound with members, most residents
paired (一对一 and 一对多) and some left unpaired, requests open, overdue, delivered at the gate and
confirmed, and a city-wide voucher programme run over those communities; a second programme scoped
to the demo community's district, run for it; the people deployed to a group's compound through the
volunteers module (下沉, when the volunteers' demo ran first) joined to the group and paired; and an
isolation site's supply request beside the community's. All or nothing."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import GrantLevel
from fangkong.accounts.services.service_accounts import service_account
from fangkong.core.clock import now
from fangkong.core.errors import DomainError
from fangkong.core.roles import Role
from fangkong.geo.models import Community, Compound
from fangkong.policy.regimen import local_date

from .choices import ConfirmedBy, Handover, MemberKind, RequestKind, VoucherForm
from .models import LedgerEntry, Pairing, VoucherProgramme
from .services.groups import group_add, member_add, member_from_deployment, pair
from .services.ledger import entries_from_registry, visit_record
from .services.requests import request_add, request_confirm, request_deliver
from .services.vouchers import programme_add, voucher_run

DEMO_COMMUNITY = "迎宾南路社区"
PROGRAMME = "2022 年疫情期间一次性消费券（演示）"
DISTRICT_PROGRAMME = "困难群众生活物资券（演示）"
ITEMS = {
    RequestKind.GOODS: ["米面油和蔬菜包", "鸡蛋、牛奶", "蔬菜包", "面粉一袋、食用油一桶"],
    RequestKind.MEDICINE: ["降压药（硝苯地平）", "胰岛素", "速效救心丸", "布洛芬"],
    RequestKind.MEDICAL_VISIT: ["透析复诊", "产检", "化疗"],
}
SURNAMES = "王李张刘陈杨赵黄周吴"


CATALOGUE = [
    # code, name, category, unit, low-stock line, received, issued
    ("FHF", "医用防护服", "protective", "套", 500, 6000, 5700),
    ("KZ-WK", "医用外科口罩", "protective", "只", 5000, 200000, 120000),
    ("N95", "N95 口罩", "protective", "只", 2000, 30000, 29000),
    ("KY", "抗原检测试剂", "testing", "人份", 1000, 20000, 8000),
    ("CYG", "采样管", "testing", "支", 5000, 50000, 47000),
    ("DM", "大米（10kg）", "necessities", "袋", 100, 800, 300),
    ("MF", "面粉（10kg）", "necessities", "袋", 100, 600, 250),
    ("SYY", "食用油（5L）", "necessities", "桶", 100, 500, 450),
    ("SCB", "蔬菜包", "necessities", "份", 200, 3000, 2500),
]


def _supplies(actor: object, district_id: int | None) -> int:
    from .choices import ReceiptSource, WarehouseKind
    from .models import SupplyItem, Warehouse
    from .services.stock import stock_issue, stock_receive, stock_transfer

    city = Warehouse.objects.create(name="市级防疫物资储备库（演示）", kind=WarehouseKind.CITY)
    district = Warehouse.objects.create(name="新城区防疫物资仓库（演示）", kind=WarehouseKind.DISTRICT, district_id=district_id)
    Warehouse.objects.create(name="内蒙古自治区第四医院库房（演示）", kind=WarehouseKind.HOSPITAL, district_id=district_id)
    moves = 0
    for code, name, category, unit, low, received, issued in CATALOGUE:
        item = SupplyItem.objects.create(code=code, name=name, category=category, unit=unit, low_stock=low)
        abroad = category == "protective"
        source = ReceiptSource.PURCHASE_ABROAD if abroad else ReceiptSource.ALLOCATION
        stock_receive(actor=actor, warehouse=city, item=item, quantity=received, source=source, batch="2022-境外-017" if abroad else "")
        stock_transfer(actor=actor, source=city, target=district, item=item, quantity=received // 2)
        stock_issue(actor=actor, warehouse=district, item=item, quantity=min(issued, received // 2) - 1, to_unit="各社区、方舱医院")
        moves += 4
    return moves


def _supply_requests(keeper: object, worker: object, community: Community) -> int:
    """The demo community's requests for supplies: one partly approved (issued from the district's
    warehouse), one awaiting the keeper's decision."""
    from .choices import SupplyUnitKind
    from .models import SupplyItem, Warehouse
    from .services.supply_requests import supply_request_add, supply_request_decide

    store = Warehouse.objects.get(name="新城区防疫物资仓库（演示）")
    items = {i.code: i for i in SupplyItem.objects.filter(code__in=["SCB", "KY", "DM"])}
    decided = supply_request_add(
        actor=worker,
        unit_kind=SupplyUnitKind.COMMUNITY,
        place=community,
        warehouse=store,
        purpose="封控楼栋居民生活保障",
        lines=[(items["DM"], 60), (items["KY"], 2000)],
    )
    lines = list(decided.lines.order_by("id"))
    supply_request_decide(
        actor=keeper, request=decided, approved={lines[0].pk: 60, lines[1].pk: 1000}, reason="抗原试剂优先保障方舱，先拨付一半"
    )
    supply_request_add(
        actor=worker,
        unit_kind=SupplyUnitKind.COMMUNITY,
        place=community,
        warehouse=store,
        purpose="独居老人蔬菜包保障",
        lines=[(items["SCB"], 200)],
    )
    return 2 + _site_request(store, community.district_id)


def _site_request(store: object, district_id: int | None) -> int:
    """An isolation site of the district asks its warehouse for protective gear and test kits, by the
    site's staff (a facility grant on the site, no place grant): left awaiting the keeper."""
    from fangkong.isolation.models import IsolationSite
    from fangkong.isolation.querysets import SITE_GRANT

    from .choices import SupplyUnitKind
    from .models import SupplyItem
    from .services.supply_requests import supply_request_add

    site = IsolationSite.objects.filter(district_id=district_id).order_by("id").first()
    if site is None:  # no isolation demo (a small test city): nothing to ask for
        return 0
    staff = service_account(
        f"demo-livelihood-site-{site.pk}",
        Role.ISOLATION_SITE_STAFF,
        f"合成数据·{site.name}工作人员（演示）",
        level=GrantLevel.FACILITY,
        place_id=site.pk,
        kind=SITE_GRANT.removeprefix("facility:"),
        reason="演示数据：隔离点物资申领",
    )
    items = {i.code: i for i in SupplyItem.objects.filter(code__in=["FHF", "N95", "KY"])}
    supply_request_add(
        actor=staff,
        unit_kind=SupplyUnitKind.ISOLATION_SITE,
        site=site,
        warehouse=store,
        purpose="隔离点工作人员防护及隔离人员抗原自测",
        lines=[(items["FHF"], 120), (items["N95"], 600), (items["KY"], 300)],
    )
    return 1


def _deployed_members(worker: object, groups: dict[int, object], rng: random.Random) -> tuple[int, int]:
    """The people deployed to the community's compounds (volunteers' 下沉人员: a 包联干部, a party member
    reporting where they live) join the compound's work group by the roster's rule, and each takes
    on one of the residents left unpaired there. None when the volunteers' demo has not run."""
    from fangkong.volunteers.serving import deployments_available

    joined = paired = 0
    day = local_date(now())
    for compound_id, group in groups.items():
        for deployment in deployments_available(user=worker, compound_id=compound_id, day=day):
            member = member_from_deployment(actor=worker, group=group, deployment_id=deployment.pk)
            joined += 1
            paired_ids = Pairing.objects.filter(ended_at__isnull=True, entry__compound_id=compound_id).values("entry_id")
            spare = LedgerEntry.objects.filter(compound_id=compound_id).exclude(pk__in=paired_ids).order_by("id")[:1]
            if spare and rng.random() < 0.8:
                pair(actor=worker, member=member, entries=list(spare))
                paired += 1
    return joined, paired


def _relief(actor: object, community: Community, rng: random.Random) -> int:
    from decimal import Decimal

    from fangkong.geo.models import District, Person

    from .choices import ReliefKind
    from .services.relief import budget_set, relief_disburse

    day = timezone.localdate()
    budget_set(actor=actor, district=District.objects.get(pk=community.district_id), year=day.year, amount="500000")
    people = list(Person.objects.filter(community=community, tags__tag__in=["elderly_alone", "dibao", "tekun"]).distinct()[:40])
    for i, person in enumerate(people):
        kind = (ReliefKind.LIVING_SUBSIDY, ReliefKind.FOOD_PACK, ReliefKind.EPIDEMIC_RELIEF)[i % 3]
        amount = Decimal(rng.choice(["200.00", "300.00", "500.00", "88.50"]))
        goods = "米面油、蔬菜包" if kind == ReliefKind.FOOD_PACK else ""
        relief_disburse(actor=actor, person=person, kind=kind, amount=amount, goods=goods, paid_on=day - dt.timedelta(days=i % 5))
    return len(people)


@dataclass(frozen=True)
class LivelihoodStats:
    ledger: int
    groups: int
    pairs: int
    unpaired: int
    requests: int
    vouchers: int
    movements: int = 0
    relief: int = 0
    supply_requests: int = 0
    deployed_members: int = 0

    def __str__(self) -> str:
        return (
            f"台账 {self.ledger} 人，工作组 {self.groups} 个，帮扶对子 {self.pairs} 对，未结对 {self.unpaired} 人，"
            f"需求 {self.requests} 件，消费券 {self.vouchers} 张，出入库 {self.movements} 笔，救助发放 {self.relief} 笔，"
            f"物资申领 {self.supply_requests} 件，下沉人员入组 {self.deployed_members} 人"
        )


@dataclass
class _Tally:
    groups: int = 0
    pairs: int = 0
    requests: int = 0
    vouchers: int = 0
    deployed: int = 0


def livelihood_generate(*, seed: int = 2022, communities: int = 4) -> LivelihoodStats:
    rng = random.Random(seed)
    with transaction.atomic():
        if VoucherProgramme.objects.filter(name=PROGRAMME).exists():
            raise DomainError("演示民生保障数据已存在 / the demo livelihood data exist", rule="livelihood.synthetic")
        first = Community.objects.filter(name=DEMO_COMMUNITY).order_by("id").first()
        chosen = ([first] if first else []) + list(
            Community.objects.exclude(pk=getattr(first, "pk", None)).order_by("id")[: communities - 1]
        )
        if not chosen:
            raise DomainError("登记库中没有社区，请先运行 make_city / the registry is empty", rule="livelihood.synthetic")
        district = service_account(
            "demo-livelihood-city", Role.DISTRICT_OFFICE, "合成数据·民政局（演示）", level=GrantLevel.CITY, reason="演示数据：消费券发放"
        )
        tally = _Tally()
        now = timezone.now()
        programme = programme_add(actor=district, name=PROGRAMME, place=None)
        workers = {}
        for community in chosen:
            workers[community.pk] = _community_served(community, community == chosen[0], tally, rng, now)
            tally.vouchers += voucher_run(actor=district, programme=programme, community=community, form=VoucherForm.CODE)
        tally.vouchers += _district_programme(chosen[0])
        supplies_keeper = service_account(
            "demo-livelihood-supplies",
            Role.COMMAND_CENTRE,
            "合成数据·物资保障组（演示）",
            level=GrantLevel.CITY,
            reason="演示数据：物资库存",
        )
        movements = _supplies(supplies_keeper, chosen[0].district_id)
        supply_requests = _supply_requests(supplies_keeper, workers[chosen[0].pk], chosen[0])
        relief_count = _relief(district, chosen[0], rng)
        ledger = LedgerEntry.objects.count()
        covered = Pairing.objects.filter(ended_at__isnull=True).values("entry_id").distinct().count()
    t = tally
    return LivelihoodStats(
        ledger, t.groups, t.pairs, ledger - covered, t.requests, t.vouchers, movements, relief_count, supply_requests, t.deployed
    )


def _community_served(community: Community, first: bool, tally: _Tally, rng: random.Random, now: dt.datetime) -> object:
    """A community's ledger from the registry, a work group per compound with residents on it (paired,
    visited, with requests), and the people deployed there joining; the community worker returned."""
    worker = service_account(
        f"demo-livelihood-{community.pk}",
        Role.COMMUNITY_WORKER,
        f"合成数据·{community.name}社区工作者（演示）",
        level=GrantLevel.COMMUNITY,
        place_id=community.pk,
        reason="演示数据：特殊困难群体台账",
    )
    grid_worker = service_account(
        f"demo-livelihood-grid-{community.pk}",
        Role.GRID_WORKER,
        f"合成数据·{community.name}网格员（演示）",
        level=GrantLevel.COMMUNITY,
        place_id=community.pk,
        reason="演示数据：小区门口交接确认",
    )
    entries_from_registry(actor=worker, community=community)
    community_groups = {}
    for compound in Compound.objects.filter(community=community).order_by("id"):
        entries = list(LedgerEntry.objects.filter(compound=compound).order_by("id"))
        if entries:
            # The community's first compound always shows one request overdue and one open within it.
            shows_both = first and not community_groups
            community_groups[compound.pk] = _compound_served(worker, grid_worker, compound, entries, shows_both, tally, rng, now)
    joined, joined_pairs = _deployed_members(worker, community_groups, rng)
    tally.deployed += joined
    tally.pairs += joined_pairs
    return worker


def _compound_served(
    worker: object,
    grid_worker: object,
    compound: Compound,
    entries: list[LedgerEntry],
    shows_both: bool,
    tally: _Tally,
    rng: random.Random,
    now: dt.datetime,
) -> object:
    """The compound's work group of four, most residents paired with one of them, two visits, and four
    requests (some delivered at the gate and confirmed by the grid worker); the group returned."""
    group = group_add(actor=worker, compound=compound, name=f"{compound.name}上门服务组")
    tally.groups += 1
    members = [
        member_add(
            actor=worker,
            group=group,
            kind=kind,
            name=f"{rng.choice(SURNAMES)}{'志党干'[i % 3]}{i + 1}",
            phone=f"138{rng.randrange(10**8):08d}",
        )
        for i, kind in enumerate([MemberKind.CADRE, MemberKind.PARTY_MEMBER, MemberKind.VOLUNTEER, MemberKind.VOLUNTEER])
    ]
    cut = max(1, int(len(entries) * 0.85))  # about one in seven left unpaired
    paired, rest = entries[:cut], entries[cut:]
    for i, member in enumerate(members):
        mine = paired[i :: len(members)]
        if mine:
            pair(actor=worker, member=member, entries=mine)
            tally.pairs += 1
    for e in entries[:2]:
        visit_record(
            actor=worker,
            entry=e,
            visited_at=now - dt.timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 8)),
            visitor_name=members[0].name,
            findings="敲门询问：生活物资不足，子女不在身边",
            needs_found=["food"],
        )
    for i, e in enumerate(paired[:3] + rest[:1]):
        kind = rng.choice(list(ITEMS))
        hours_ago = rng.choice([0.5, 1, 3, 6, 30])
        # Whatever the seed: one overdue (30 h: past every kind's default deadline), one within it (half an hour).
        shown = shows_both and i < 2
        if shown:
            hours_ago = (30, 0.5)[i]
        req = request_add(actor=worker, entry=e, kind=kind, items=rng.choice(ITEMS[kind]), requested_at=now - dt.timedelta(hours=hours_ago))
        tally.requests += 1
        if not shown and hours_ago >= 6 and rng.random() < 0.5:
            request_deliver(actor=worker, request=req, handover=Handover.GATE, handed_to="网格员", delivered_at=now - dt.timedelta(hours=2))
            request_confirm(actor=grid_worker, request=req, by=ConfirmedBy.GRID_WORKER)
    return group


def _district_programme(community: Community) -> int:
    """A programme scoped to the community's district, set up by the district's office (within its
    grant) and run for the community, issued as goods of equal value."""
    from fangkong.geo.models import District

    district = District.objects.get(pk=community.district_id)
    office = service_account(
        f"demo-livelihood-district-{district.pk}",
        Role.DISTRICT_OFFICE,
        f"合成数据·{district.name}民政局（演示）",
        level=GrantLevel.DISTRICT,
        place_id=district.pk,
        reason="演示数据：区级消费券",
    )
    programme = programme_add(actor=office, name=f"{district.name}{DISTRICT_PROGRAMME}", place=district)
    return voucher_run(actor=office, programme=programme, community=community, form=VoucherForm.GOODS)
