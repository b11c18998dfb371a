"""Policy profiles: the rules a regulation sets, as versioned data with their sources.

A profile is a named, versioned set of parameters. Shipped profiles are read-only; an
administrator makes a local profile by copying one and changing values. Exactly one profile is
active; code reads rules only through fangkong.policy.rules.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyProfile(models.Model):
    code = models.SlugField(_("代码"), max_length=48, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    version = models.CharField(_("版本"), max_length=32)
    effective_from = models.DateField(_("施行日期"), null=True, blank=True)
    source = models.TextField(_("依据"), blank=True)
    is_builtin = models.BooleanField(_("内置"), default=False)
    is_active = models.BooleanField(_("当前启用"), default=False)
    based_on = models.ForeignKey("self", verbose_name=_("复制自"), null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_from", "code"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=models.Q(is_active=True), name="one_active_policy_profile"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"


class PolicyParameter(models.Model):
    """One rule's value, with its unit and the document it comes from."""

    profile = models.ForeignKey(PolicyProfile, on_delete=models.CASCADE, related_name="parameters")
    key = models.CharField(_("参数"), max_length=64)
    value = models.JSONField(_("取值"))
    unit = models.CharField(_("单位"), max_length=32, blank=True)
    source = models.TextField(_("依据"), blank=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["profile", "key"], name="policy_parameter_unique")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}{self.unit}"

    @property
    def is_local_default(self) -> bool:
        """Set by the city where the source documents are silent: for its policy editors to confirm."""
        from .profiles import LOCAL

        return LOCAL in self.source
