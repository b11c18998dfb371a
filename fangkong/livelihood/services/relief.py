"""Writes of the subsidies and relief ledger: a district's budget for a year, and a disbursement —
to a registered person in the actor's grant, of a kind, an amount in yuan (whole cents, positive),
with goods named for a pack — charged to the district's budget with one conditional UPDATE
(spent + amount <= budget), so concurrent disbursements cannot overspend it; refused otherwise,
naming the field and what is left."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.texts import clean_text
from fangkong.geo.models import District, Person

from ..choices import ReliefKind
from ..events import LivelihoodEvent
from ..models import Disbursement, ReliefBudget
from ..permissions import LivelihoodCap
from .common import covered, covered_row, place_of
from .vouchers import money

OVER_BUDGET = "livelihood.budget_not_exceeded"


@transaction.atomic
def budget_set(*, actor: Any, district: District, year: int, amount: Any) -> ReliefBudget:
    require(actor, LivelihoodCap.RELIEF)
    covered(actor, field="district", what=district.name, district_id=district.pk)
    value = money(amount, field="amount")
    budget, _created = ReliefBudget.objects.select_for_update().get_or_create(district=district, year=year, defaults={"amount": value})
    if value < budget.spent:
        raise DomainError(_("预算不能少于已支出的 %(s)s 元") % {"s": budget.spent}, field="amount")
    budget.amount = value
    budget.save(update_fields=["amount", "updated_at"])
    audit_record(
        actor=actor, event_type=LivelihoodEvent.BUDGET_SET, obj=budget, after={"district": district.pk, "year": year, "amount": value}
    )
    return budget


@transaction.atomic
def relief_disburse(*, actor: Any, person: Person, kind: str, amount: Any, goods: str = "", paid_on: dt.date | None = None) -> Disbursement:
    require(actor, LivelihoodCap.RELIEF)
    covered_row(actor, person, field="person", what=_("该居民"))
    if kind not in ReliefKind.values:
        raise DomainError(_("请选择类型"), field="kind")
    value: Decimal = money(amount, field="amount")
    goods = clean_text(goods, field="goods", label=_("物资"), required=kind == ReliefKind.FOOD_PACK, max_length=200)
    day = paid_on or timezone.localdate()
    if day > timezone.localdate():
        raise DomainError(_("发放日期不能晚于今天"), field="paid_on")
    charged = ReliefBudget.objects.filter(district_id=person.district_id, year=day.year, spent__lte=F("amount") - value).update(
        spent=F("spent") + value
    )
    if not charged:
        budget = ReliefBudget.objects.filter(district_id=person.district_id, year=day.year).first()
        left = (budget.amount - budget.spent) if budget else Decimal("0.00")
        raise DomainError(
            _("超出本区 %(y)s 年救助预算：剩余 %(left)s 元") % {"y": day.year, "left": left}, field="amount", rule=OVER_BUDGET
        )
    is_user = getattr(actor, "is_authenticated", False)
    row = Disbursement.objects.create(
        person=person,
        **place_of(person),
        kind=kind,
        amount=value,
        goods=goods,
        paid_on=day,
        approver=actor if is_user else None,
        approver_name=(actor.get_username() if is_user else str(actor or "system"))[:150],
    )
    audit_record(actor=actor, event_type=LivelihoodEvent.RELIEF_DISBURSED, obj=row, after={"kind": kind, "amount": value, "paid_on": day})
    return row
