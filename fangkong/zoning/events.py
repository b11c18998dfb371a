"""Audit event types of zoning (registered with the platform from its registry)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ZoningEvent(models.TextChoices):
    AREA_DECLARED = "zoning.area_declared", _("划定风险区域")
    AREA_STATUS_CHANGED = "zoning.area_status_changed", _("风险区域状态变更")
