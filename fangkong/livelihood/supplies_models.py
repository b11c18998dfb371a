"""The supplies stock ledger (seed 004: protective suits, masks and N95 bought abroad and distributed to
districts and hospitals; daily-necessity packs for deliveries): a catalogue, warehouses, and every
change of stock as a movement — receipts (with their source and, for procurement abroad, the batch),
issues to units, transfers, stock counts with their variance. The balance of an item in a warehouse
is kept beside the movements and is always their sum; a database constraint keeps it from going below
zero, and an issue takes stock with a conditional update, so concurrent issues cannot overdraw it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.core.scoping import ScopedQuerySet
from fangkong.geo.models import cached_fk

from .choices import MovementKind, ReceiptSource, SupplyCategory, WarehouseKind


class SupplyItem(TimeStampedModel):
    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    category = models.CharField(_("类别"), max_length=16, choices=SupplyCategory.choices)
    unit = models.CharField(_("单位"), max_length=8)
    low_stock = models.PositiveIntegerField(_("低库存提示线"), default=0)

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("物资品目")

    def __str__(self) -> str:
        return self.name


class Warehouse(TimeStampedModel):
    """A store of supplies: the city's, a district's, a hospital's or an isolation site's. A city
    warehouse (no district) is seen by city-wide users only."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=WarehouseKind.choices)
    district = cached_fk("geo.District", _("区县"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id"}

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("仓库")

    def __str__(self) -> str:
        return self.name


class StockBalance(models.Model):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="balances")
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("结存"), default=0)

    class Meta:
        ordering = ["warehouse_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "item"], name="livelihood_balance_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="livelihood_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id}/{self.item_id}: {self.quantity}"


class StockMovement(models.Model):
    """One change of stock: `quantity` signed (in positive, out negative)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements", db_index=False)
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=16, choices=MovementKind.choices)
    quantity = models.BigIntegerField(_("数量"))
    source = models.CharField(_("来源"), max_length=16, choices=ReceiptSource.choices, blank=True)
    batch = models.CharField(_("批次"), max_length=64, blank=True)
    counterparty = models.CharField(_("发往 / 来自"), max_length=100, blank=True)
    transfer_key = models.CharField(max_length=32, blank=True)  # both legs of a transfer share it
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What the movement served: a unit's approved request, or a doorstep delivery's packs (and their return).
    supply_request = models.ForeignKey(
        "livelihood.SupplyRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    delivery = models.ForeignKey("livelihood.SupportRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="packs")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["warehouse", "item", "at"], name="livelihood_movement_item"),
            # The balance page: recent movements (backward scan) and 7 days' use per item (index-only on PostgreSQL).
            models.Index(fields=["warehouse", "at", "id"], include=["item", "kind", "quantity"], name="livelihood_movement_recent"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="livelihood_movement_not_zero")]
        verbose_name = _("出入库记录")

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity}"


class StockShortage(models.Model):
    """One crossing of an item in a warehouse below its days of cover or its low-stock line: opened
    when the balance page's check first finds it short, ended when it is no longer short. The alert
    (fangkong.livelihood.alerts) is raised once per row, so an item that stays short is not notified
    again until it has recovered and crossed once more. Counts and names of goods only: no person."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="shortages")
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("开始"))
    ended_at = models.DateTimeField(_("恢复"), null=True, blank=True)
    quantity = models.BigIntegerField(_("结存"))
    days_of_cover = models.DecimalField(_("可用天数"), max_digits=9, decimal_places=1, null=True, blank=True)
    threshold_days = models.DecimalField(_("提示天数"), max_digits=6, decimal_places=1)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["started_at"], name="livelihood_shortage_started")]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "item"], condition=Q(ended_at__isnull=True), name="livelihood_shortage_one_open")
        ]
        verbose_name = _("库存不足记录")

    def __str__(self) -> str:
        return f"{self.warehouse_id}/{self.item_id} {self.started_at:%Y-%m-%d %H:%M}"
