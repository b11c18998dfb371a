"""Audit event types of the system's flags (registered with the platform from its registry)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FlagsEvent(models.TextChoices):
    FLAGS_EVALUATED = "flags.evaluated", _("系统预警评估（发起、消除）")
