"""The demo's 民生保障 data: generated once, all of it consistent (the stock ledger sums, a voucher
per eligible person, the relief within budget)."""

from __future__ import annotations

import pytest

from fangkong.core.errors import DomainError
from fangkong.livelihood.models import LedgerEntry, ReliefBudget, SupportRequest, Voucher, Warehouse
from fangkong.livelihood.stock import ledger_mismatches, warehouse_balances
from fangkong.livelihood.synthetic import livelihood_generate

from ..factories import make_person

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
