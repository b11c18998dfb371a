"""Laboratories (检测机构) and the grant that opens one to its staff."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel

from ..querysets import LaboratoryQuerySet

LAB_GRANT = "facility:laboratory"


class Laboratory(TimeStampedModel):
    """A testing laboratory (检测机构). Lab users hold a facility grant `facility:laboratory` to it."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    code = models.CharField(_("代码"), max_length=32, unique=True)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)

    objects = LaboratoryQuerySet.as_manager()
    scope_paths = {LAB_GRANT: "id"}

    class Meta:
        ordering = ["name"]
        verbose_name = _("检测机构")

    def __str__(self) -> str:
        return self.name
