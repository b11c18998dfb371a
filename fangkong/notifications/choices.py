"""Choices of the notifications app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitLevel(models.TextChoices):
    """The unit a webhook belongs to: a place at one level, or a facility (a grant's levels)."""

    CITY = "city", _("全市")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道（乡镇）")
    COMMUNITY = "community", _("社区（村）")
    FACILITY = "facility", _("机构")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")
