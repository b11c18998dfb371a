"""Reads of the vouchers: a programme's totals in the seed's form ("已发放 X 人，合计 Y 万元") within
the user's grants, per community, and a voucher by its code."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from fangkong.core.scoping import jurisdiction_of
from fangkong.geo.models import Community, District, Street

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
    """A programme names nobody (its rules, amount and scope): a user sees those of the whole city and
    those whose scope meets their grants — inside them (a district office sees its communities'), or
    holding them (a community worker sees their street's and district's); a user without a grant
    sees nothing."""
    j = jurisdiction_of(user)
    if j.is_empty:
        return VoucherProgramme.objects.none()
    if j.city:
        return VoucherProgramme.objects.all()
    q = Q(district__isnull=True)
    for level in ("district", "street", "community"):
        q |= Q(**{f"{level}_id__in": sorted(j.covered.get(level, ()))})
    q |= Q(street__isnull=True, district_id__in=sorted(j.reach.get("district", ())))
    q |= Q(community__isnull=True, street_id__in=sorted(j.reach.get("street", ())))
    q |= Q(community_id__in=sorted(j.reach.get("community", ())))
    return VoucherProgramme.objects.filter(q)


def programme_list(*, user: Any) -> list[VoucherProgramme]:
    return list(_programmes(user).select_related("district", "street", "community").order_by("-created_at", "-id"))


def programme_get(pk: int, *, user: Any) -> VoucherProgramme:
    return get_object_or_404(_programmes(user).select_related("district", "street", "community"), pk=pk)


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


# ---- a programme's scope on the form ----

CITY_SCOPE = "city"
_SCOPE_MODELS = {"district": District, "street": Street, "community": Community}
SCOPE_OPTION_LIMIT = 500


def scope_options(*, user: Any) -> list[tuple[str, str]]:
    """The scopes the user may set a programme up over (services.vouchers.programme_add accepts
    these): the whole city with a city-wide grant, then the districts, streets and communities they
    cover — "district:12", "street:34", "community:56"."""
    j = jurisdiction_of(user)
    options: list[tuple[str, str]] = [(CITY_SCOPE, str(_("全市")))] if j.city else []
    if j.is_empty:
        return options
    for level, model in _SCOPE_MODELS.items():
        rows = model.objects.covered_by(user).order_by("name", "id")[:SCOPE_OPTION_LIMIT]
        options += [(f"{level}:{p.pk}", f"{model._meta.verbose_name}：{p.name}") for p in rows]
    return options


def scope_from_value(value: str) -> tuple[bool, District | Street | Community | None]:
    """(found, place) for a scope value of the form ("city" → the whole city, None); the service
    decides whether the user may set a programme up over it."""
    value = (value or "").strip()
    if value == CITY_SCOPE:
        return True, None
    level, _sep, raw = value.partition(":")
    model = _SCOPE_MODELS.get(level)
    if model is None or not raw.isdigit():
        return False, None
    place = model.objects.filter(pk=int(raw)).first()
    return place is not None, place
