"""Risk areas (风险区域): a set of registry places under one class from a time until it is lifted.

An area is declared (proposed by a district, approved by the command: the 严管 module) and is in
force from `in_force_at` until `lifted_at`. "Was this place under control at time T" is answered
from the areas in force at T (fangkong.zoning.selectors), for where a positive was found, for a
testing round's pooling, and for the public list.

Each place of an area carries its ancestors' ids, so a person's places match in memory and a
district's areas are one indexed filter.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.core.scoping import ScopedQuerySet
from fangkong.geo.models import cached_fk

from .choices import AreaClass, AreaStatus, PlaceLevel

PLACE_SCOPE = {"district": "district_id", "street": "street_id", "community": "community_id"}


class RiskArea(TimeStampedModel):
    name = models.CharField(_("名称"), max_length=200)
    area_class = models.CharField(_("区域类别"), max_length=16, choices=AreaClass.choices)
    status = models.CharField(_("状态"), max_length=16, choices=AreaStatus.choices, default=AreaStatus.PROPOSED)
    reason = models.TextField(_("划定理由"), blank=True)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    in_force_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lifted_reason = models.CharField(_("解除理由"), max_length=300, blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["-in_force_at", "-id"]
        indexes = [models.Index(fields=["status", "in_force_at"], name="zoning_area_status")]
        verbose_name = _("风险区域")

    def __str__(self) -> str:
        return self.name


class RiskAreaPlace(models.Model):
    """One registry place of an area (a unit, a building, a compound … or, justified, a community)."""

    area = models.ForeignKey(RiskArea, on_delete=models.CASCADE, related_name="places")
    level = models.CharField(_("层级"), max_length=16, choices=PlaceLevel.choices)
    place_id = models.BigIntegerField(_("区域编号"))
    name = models.CharField(_("名称"), max_length=200)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["area_id", "id"]
        constraints = [models.UniqueConstraint(fields=["area", "level", "place_id"], name="zoning_area_place_unique")]
        indexes = [models.Index(fields=["level", "place_id"], name="zoning_place_lookup")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.name}"
