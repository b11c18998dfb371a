"""The ledger of subsidies and relief (seed 003): each disbursement — who received it, what kind, the
amount or the value of the goods (exact decimals), the date, who approved it — against the district's
budget for the year, which no disbursement may exceed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.core.scoping import ScopedQuerySet
from fangkong.geo.models import cached_fk

from .choices import ReliefKind


class ReliefBudget(TimeStampedModel):
    district = models.ForeignKey("geo.District", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("预算（元）"), max_digits=14, decimal_places=2)
    spent = models.DecimalField(_("已支出（元）"), max_digits=14, decimal_places=2, default=0)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id"}

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="livelihood_budget_unique"),
            models.CheckConstraint(condition=Q(spent__lte=models.F("amount")) & Q(spent__gte=0), name="livelihood_budget_not_exceeded"),
        ]
        verbose_name = _("救助预算")

    def __str__(self) -> str:
        return f"{self.district_id} {self.year}"


class Disbursement(TimeStampedModel):
    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+")
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    grid = cached_fk("geo.Grid", _("网格"))
    kind = models.CharField(_("类型"), max_length=20, choices=ReliefKind.choices)
    amount = models.DecimalField(_("金额或物资价值（元）"), max_digits=12, decimal_places=2)
    goods = models.CharField(_("物资"), max_length=200, blank=True)
    paid_on = models.DateField(_("发放日期"))
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approver_name = models.CharField(_("审批人"), max_length=150)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id", "street": "street_id", "community": "community_id", "grid": "grid_id"}

    class Meta:
        ordering = ["-paid_on", "-id"]
        indexes = [models.Index(fields=["district", "kind"], name="livelihood_disbursement_kind")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="livelihood_disbursement_positive")]
        verbose_name = _("救助发放")

    def __str__(self) -> str:
        return f"发放 #{self.pk}"
