"""Reads of the subsidies and relief ledger: totals in the seed's forms — "为 X 名困难老年人发放……
价值 Y 万元" and "摸排 X 人次，救助 Y 人次，发放救助资金、物资 Z 万元" — within the user's grants,
and the budgets of the user's districts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from .choices import ELDERLY_KINDS, ReliefKind
from .models import Disbursement, ReliefBudget, SurveyVisit
from .vouchers import TEN_THOUSAND


def _wan(amount: Decimal | None) -> Decimal:
    return ((amount or Decimal("0")) / TEN_THOUSAND).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class ReliefTotals:
    elderly_people: int  # distinct elderly given a living subsidy or a pack
    elderly_wan: Decimal
    surveys: int  # 摸排人次
    relief_cases: int  # 救助人次 (因疫遇困)
    relief_wan: Decimal


def relief_totals(*, user: Any) -> ReliefTotals:
    rows = Disbursement.objects.covered_by(user)
    elderly = rows.filter(kind__in=ELDERLY_KINDS).aggregate(p=Count("person_id", distinct=True), s=Sum("amount"))
    relief = rows.filter(kind=ReliefKind.EPIDEMIC_RELIEF).aggregate(n=Count("id"), s=Sum("amount"))
    from .models import LedgerEntry

    surveys = SurveyVisit.objects.filter(entry__in=LedgerEntry.objects.covered_by(user)).count()
    return ReliefTotals(elderly["p"] or 0, _wan(elderly["s"]), surveys, relief["n"] or 0, _wan(relief["s"]))


def budgets(*, user: Any) -> list[ReliefBudget]:
    return list(ReliefBudget.objects.visible_to(user).select_related("district").order_by("-year", "district__code"))


def disbursement_list(*, user: Any):
    return Disbursement.objects.visible_to(user).select_related("person").order_by("-paid_on", "-id")
