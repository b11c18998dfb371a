"""Choices of the accounts app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class GrantLevel(models.TextChoices):
    CITY = "city", _("全市")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道（乡镇）")
    COMMUNITY = "community", _("社区（村）")
    GRID = "grid", _("网格")
    FACILITY = "facility", _("机构")
