"""Reads of the vouchers: a programme's totals in the seed's form ("已发放 X 人，合计 Y 万元") within
the user's grants, per community, and a voucher by its code."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404

from fangkong.core.scoping import jurisdiction_of

from .choices import VoucherStatus
from .models import Voucher, VoucherProgramme

TEN_THOUSAND = Decimal("10000")


@dataclass(frozen=True)
class VoucherTotals:
    people: int
    amount: Decimal  # yuan
    redeemed: int

    @property
    def wan(self) -> Decimal:
        """The amount in 万元, to the hundredth of a 万 as the seed writes it (320.07 万元)."""
        return (self.amount / TEN_THOUSAND).quantize(Decimal("0.01"))


def _programmes(user: Any):
    """A programme is the city's (its rules and amount, not personal data): anyone with a grant sees
    it, a user without one nothing (as a testing round or a facility)."""
    return VoucherProgramme.objects.none() if jurisdiction_of(user).is_empty else VoucherProgramme.objects.all()


def programme_list(*, user: Any) -> list[VoucherProgramme]:
    return list(_programmes(user).order_by("-created_at", "-id"))


def programme_get(pk: int, *, user: Any) -> VoucherProgramme:
    return get_object_or_404(_programmes(user), pk=pk)


def voucher_totals(*, user: Any, programme: VoucherProgramme, community_id: int | None = None) -> VoucherTotals:
    qs = Voucher.objects.covered_by(user).filter(programme=programme)
    if community_id:
        qs = qs.filter(community_id=community_id)
    agg = qs.aggregate(n=Count("id"), total=Sum("amount"))
    return VoucherTotals(agg["n"] or 0, agg["total"] or Decimal("0.00"), qs.filter(status=VoucherStatus.REDEEMED).count())


def community_totals(*, user: Any, programme: VoucherProgramme) -> list[tuple[int, int, Decimal]]:
    rows = (
        Voucher.objects.covered_by(user)
        .filter(programme=programme)
        .values_list("community_id")
        .annotate(n=Count("id"), total=Sum("amount"))
        .values_list("community_id", "n", "total")
    )
    return list(rows)


def voucher_list(*, user: Any, programme: VoucherProgramme, community_id: int | None = None):
    qs = Voucher.objects.visible_to(user).filter(programme=programme).select_related("person")
    if community_id:
        qs = qs.filter(community_id=community_id)
    return qs.order_by("-issued_at", "-id")


def voucher_get(*, user: Any, pk: int) -> Voucher:
    return get_object_or_404(Voucher.objects.visible_to(user).select_related("person", "programme"), pk=pk)
