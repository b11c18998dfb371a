"""Units' requests for supplies (申领): a community, a street or an isolation site asks a warehouse of
the level above (its district's, or the city's) for quantities of items; the keeper of that
warehouse approves, partly approves or refuses with a reason. What is approved is issued from the
stock ledger in the same transaction (each issue a movement pointing back at the request)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.core.scoping import ScopedQuerySet
from fangkong.geo.models import cached_fk

from .choices import SupplyRequestStatus, SupplyUnitKind


class SupplyRequest(TimeStampedModel):
    """The requesting unit is placed (district, street, community ids: community empty for a
    street), so its own staff and the level above see it by their grants; an isolation site's
    request names the site as well, so its staff see it by their facility grant."""

    unit_kind = models.CharField(_("申领单位类型"), max_length=16, choices=SupplyUnitKind.choices)
    unit_name = models.CharField(_("申领单位"), max_length=100)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    isolation_site = cached_fk("isolation.IsolationSite", _("隔离点"))
    warehouse = models.ForeignKey("livelihood.Warehouse", on_delete=models.PROTECT, related_name="supply_requests")
    purpose = models.CharField(_("用途"), max_length=200)
    status = models.CharField(_("状态"), max_length=12, choices=SupplyRequestStatus.choices, default=SupplyRequestStatus.PENDING)
    requested_at = models.DateTimeField(_("申领时间"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("审批意见 / 撤回原因"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {
        "district": "district_id",
        "street": "street_id",
        "community": "community_id",
        "facility:isolation_site": "isolation_site_id",
    }

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["warehouse", "status"], name="livelihood_supplyreq_queue")]
        verbose_name = _("物资申领")

    def __str__(self) -> str:
        return f"申领 #{self.pk}"


class SupplyRequestLine(models.Model):
    request = models.ForeignKey(SupplyRequest, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("livelihood.SupplyItem", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("申领数量"), validators=[MinValueValidator(1)])
    approved = models.PositiveIntegerField(_("批准数量"), null=True, blank=True)

    class Meta:
        ordering = ["request_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "item"], name="livelihood_supplyline_one_per_item"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="livelihood_supplyline_positive"),
            models.CheckConstraint(
                condition=Q(approved__isnull=True) | Q(approved__lte=models.F("quantity")), name="livelihood_supplyline_approved_le"
            ),
        ]
        verbose_name = _("申领明细")

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"
