"""Subsidies and relief: exact decimals, the district's budget never exceeded, totals in the seed's
forms, bad input named by field, nothing half-applied."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.livelihood.choices import ReliefKind
from fangkong.livelihood.models import Disbursement, ReliefBudget
from fangkong.livelihood.relief import relief_totals
from fangkong.livelihood.services.ledger import visit_record
from fangkong.livelihood.services.relief import budget_set, relief_disburse

from ..factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def budget(users, city):
    return budget_set(actor=users["district"], district=city.home.district, year=timezone.localdate().year, amount="1000")


def test_disbursements_within_budget_and_totals(users, city, budget, entry, worker):
    office = users["district"]
    a = make_person(city.home.household, "老人甲")
    b = make_person(city.home.household, "老人乙")
    relief_disburse(actor=office, person=a, kind=ReliefKind.LIVING_SUBSIDY, amount="300.00")
    relief_disburse(actor=office, person=a, kind=ReliefKind.FOOD_PACK, amount="88.50", goods="米面油、蔬菜包")
    relief_disburse(actor=office, person=b, kind=ReliefKind.EPIDEMIC_RELIEF, amount="500")
    visit_record(actor=worker, entry=entry, visited_at=timezone.now() - dt.timedelta(hours=1), visitor_name="孙", findings="独居")
    t = relief_totals(user=users["command"])
    assert (t.elderly_people, t.elderly_wan, t.surveys, t.relief_cases, t.relief_wan) == (1, Decimal("0.04"), 1, 1, Decimal("0.05"))
    budget.refresh_from_db()
    assert budget.spent == Decimal("888.50")
    with pytest.raises(DomainError) as exc:
        relief_disburse(actor=office, person=b, kind=ReliefKind.EPIDEMIC_RELIEF, amount="111.51")
    assert exc.value.field == "amount" and exc.value.rule == "livelihood.budget_not_exceeded" and "111.50" in exc.value.message
    assert Disbursement.objects.count() == 3


def test_bad_input_named(users, city, budget):
    office, p = users["district"], make_person(city.home.household, "老人丙")
    for amount in ("-5", "0", "1.005", "x"):
        with pytest.raises(DomainError) as exc:
            relief_disburse(actor=office, person=p, kind=ReliefKind.LIVING_SUBSIDY, amount=amount)
        assert exc.value.field == "amount"
    with pytest.raises(DomainError) as exc:
        relief_disburse(actor=office, person=p, kind=ReliefKind.FOOD_PACK, amount="50")
    assert exc.value.field == "goods"
    with pytest.raises(DomainError) as exc:
        relief_disburse(actor=office, person=p, kind="cash", amount="50")
    assert exc.value.field == "kind"
    assert not Disbursement.objects.exists() and ReliefBudget.objects.get().spent == 0


def test_no_budget_no_disbursement_and_scope(users, city):
    p = make_person(city.home.household, "老人丁")
    with pytest.raises(DomainError) as exc:
        relief_disburse(actor=users["district"], person=p, kind=ReliefKind.LIVING_SUBSIDY, amount="10")
    assert exc.value.rule == "livelihood.budget_not_exceeded"
    far = make_person(city.elsewhere.household, "外区")
    with pytest.raises(PermissionRefused):
        relief_disburse(actor=users["district"], person=far, kind=ReliefKind.LIVING_SUBSIDY, amount="10")
    with pytest.raises(PermissionRefused):
        relief_disburse(actor=users["community"], person=p, kind=ReliefKind.LIVING_SUBSIDY, amount="10")


def test_page_names_need_the_capability(client, users, city, budget):
    p = make_person(city.home.household, "老人戊")
    relief_disburse(actor=users["district"], person=p, kind=ReliefKind.LIVING_SUBSIDY, amount="10")
    client.force_login(users["command"])  # figures, not names
    page = client.get(reverse("livelihood:relief")).content.decode()
    assert "为 1 名困难老年人" in page and "老人戊" not in page
    client.force_login(users["district"])
    assert "老人戊" in client.get(reverse("livelihood:relief")).content.decode()
