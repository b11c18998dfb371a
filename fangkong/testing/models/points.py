"""Sampling points (采样点)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel

from ..querysets import SamplingPointQuerySet


class SamplingPoint(TimeStampedModel):
    """采样点: belongs to a community, with opening hours and staff."""

    district = models.ForeignKey("geo.District", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("geo.Street", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("geo.Community", on_delete=models.PROTECT, related_name="sampling_points")
    grid = models.ForeignKey("geo.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=100, blank=True)
    staff_names = models.CharField(_("采样人员"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = SamplingPointQuerySet.as_manager()
    scope_paths = {"district": "district_id", "street": "street_id", "community": "community_id"}

    class Meta:
        ordering = ["community_id", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="testing_point_unique_name")]
        verbose_name = _("采样点")

    def __str__(self) -> str:
        return self.name
