"""Users, their role, and their grants to places or facilities."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import Role
from fangkong.core.scoping import Jurisdiction


class User(AbstractUser):
    """A person who works on the platform. `role` says what they may do; grants say where."""

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, blank=True)
    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)

    def __str__(self) -> str:
        return self.full_name or self.username

    @cached_property
    def jurisdiction(self) -> Jurisdiction:
        from .jurisdiction import build_jurisdiction

        return build_jurisdiction(self)


class GrantLevel(models.TextChoices):
    CITY = "city", _("全市")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道（乡镇）")
    COMMUNITY = "community", _("社区（村）")
    GRID = "grid", _("网格")
    FACILITY = "facility", _("机构")


class Grant(models.Model):
    """The user may see and act on everything inside one place (or one facility)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    level = models.CharField(_("层级"), max_length=16, choices=GrantLevel.choices)
    place_id = models.BigIntegerField(_("区域或机构编号"), null=True, blank=True)
    facility_kind = models.CharField(_("机构类型"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "level", "place_id", "facility_kind"], name="grant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.level}:{self.facility_kind or ''}{self.place_id or ''}"


class LoginAttempt(models.Model):
    """One login attempt, kept for lockout and for the audit trail."""

    username = models.CharField(max_length=150, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    succeeded = models.BooleanField()
    ip = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.username} {'ok' if self.succeeded else 'failed'} {self.at:%Y-%m-%d %H:%M}"
