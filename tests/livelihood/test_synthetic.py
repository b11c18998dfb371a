"""The demo's 民生保障 data: generated once, all of it consistent (the stock ledger sums, a voucher
per eligible person, the relief within budget), and showing the states of scopes and deployments: a
programme scoped to the district, an isolation site's supply request, the people deployed to a
group's compound in its work group; and what the issue's "done" asks the demo to show, at any hour
of the day (run under faketime too): unpaired ledger residents listed, requests open and overdue, and
low stock that raises the supplies alert."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.core.clock import now
from fangkong.core.errors import DomainError
from fangkong.geo.models import PersonWelfare
from fangkong.isolation.models import IsolationSite
from fangkong.livelihood.alerts import STOCK_SHORT
from fangkong.livelihood.choices import RequestStatus
from fangkong.livelihood.models import (
    GroupMember,
    LedgerEntry,
    ReliefBudget,
    SupplyRequest,
    SupportRequest,
    Voucher,
    VoucherProgramme,
    Warehouse,
)
from fangkong.livelihood.selectors import ledger_list, overdue_requests
from fangkong.livelihood.stock import ledger_mismatches, warehouse_balances
from fangkong.livelihood.synthetic import livelihood_generate
from fangkong.notifications.models import Notification
from fangkong.notifications.synthetic import notifications_backfill
from fangkong.policy.regimen import local_date
from fangkong.volunteers.services import deployment_add

from ..factories import make_person, next_id_number

pytestmark = pytest.mark.django_db


def test_generated_once_and_consistent(city):
    for i in range(8):
        make_person(city.home.household, f"老人{i}", tags=["elderly_alone", "dibao"])
    stats = livelihood_generate(seed=1, communities=2)
    assert stats.ledger == LedgerEntry.objects.count() >= 9
    assert stats.requests == SupportRequest.objects.count() > 0
    assert stats.groups >= 1 and stats.pairs >= 1 and stats.relief > 0
    assert ledger_mismatches() == []
    district = Warehouse.objects.get(name__startswith="新城区")
    assert any(r.short for r in warehouse_balances(district))  # a low-stock item to show
    budget = ReliefBudget.objects.get()
    assert 0 < budget.spent <= budget.amount
    assert Voucher.objects.count() == stats.vouchers
    with pytest.raises(DomainError):
        livelihood_generate(seed=1)


def test_the_demo_shows_unpaired_residents_open_and_overdue_requests_and_low_stock_alerted(city, users):
    for i in range(8):
        make_person(city.home.household, f"老人{i}", tags=["elderly_alone", "dibao"])
    stats = livelihood_generate(seed=1, communities=2)
    worker = users["community"]
    home = city.home.community.pk

    unpaired = list(ledger_list(user=worker, community_id=home, unpaired=True))
    assert unpaired and len(unpaired) == stats.unpaired  # the community's page lists them
    at = now()
    overdue = list(overdue_requests(worker, at=at))
    assert overdue and all(r.due_at < at for r in overdue)
    waiting = SupportRequest.objects.filter(community_id=home, status=RequestStatus.OPEN, due_at__gte=at)
    assert waiting.exists()  # open and still within its deadline

    district = Warehouse.objects.get(name__startswith="新城区")
    short = {r.item.name for r in warehouse_balances(district) if r.short}
    assert short
    notifications_backfill()  # as the demo does after generating
    sent = Notification.objects.filter(rule=STOCK_SHORT)
    assert {n.params["item"] for n in sent.filter(recipient=users["district"])} == short
    assert sent.filter(recipient=users["command"]).count() >= len(short)
    assert not sent.filter(recipient__in=[users["street"], users["community"]]).exists()


def test_scoped_programme_site_request_and_deployed_members(city, users):
    """With the volunteers' deployments and an isolation site in the district (as in the demo): the
    deployed cadre joins the compound's group and is paired; the one sent elsewhere or gone does not."""
    for i in range(8):
        make_person(city.home.household, f"老人{i}", tags=["elderly_alone", "dibao"])
    lonely = make_person(city.home.household, "刘桂兰", id_number=next_id_number(birth=dt.date(1948, 3, 2)), tags=["elderly_alone"])
    PersonWelfare.objects.create(person=lonely, hukou_code="150102")  # 70+ living alone, Hohhot 户籍
    today = local_date(now())
    common = {"actor": users["district"], "work_unit": "市住建局", "community": city.home.community, "starts_on": today}
    sent = deployment_add(kind="cadre", name="包联干部甲", phone="13900000011", compound=city.home.compound, **common)
    deployment_add(kind="party_member", name="党员乙", phone="13900000012", **common)  # the community, no compound
    deployment_add(
        kind="police",
        name="干警丙",
        phone="13900000013",
        compound=city.home.compound,
        **{**common, "starts_on": today - dt.timedelta(days=9)},
        ends_on=today - dt.timedelta(days=1),
    )
    site = IsolationSite.objects.create(
        name="新城区集中隔离点", district=city.home.district, street=city.home.street, community=city.home.community
    )
    stats = livelihood_generate(seed=1, communities=2)

    member = GroupMember.objects.get(deployment_id__isnull=False)
    assert (member.deployment_id, member.name, member.kind, stats.deployed_members) == (sent.pk, "包联干部甲", "assigned_cadre", 1)
    scoped = VoucherProgramme.objects.get(district_id=city.home.district.pk)
    assert scoped.name.startswith(city.home.district.name) and scoped.vouchers.exists()
    assert set(scoped.vouchers.values_list("community_id", flat=True)) == {city.home.community.pk}
    assert scoped.vouchers.filter(person=lonely, form="goods").exists()
    asked = SupplyRequest.objects.get(isolation_site=site)
    assert asked.unit_kind == "isolation_site" and asked.status == "pending" and asked.lines.count() == 3
    assert stats.supply_requests == SupplyRequest.objects.count() == 3
    assert ledger_mismatches() == []
