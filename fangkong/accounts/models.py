"""Users, their role, and their grants to places or facilities."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import Role
from fangkong.core.scoping import Jurisdiction

from .choices import GrantLevel


class User(AbstractUser):
    """A person who works on the platform. `role` says what they may do; grants say where."""

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, blank=True)
    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    must_change_password = models.BooleanField(
        _("须修改密码"), default=False, help_text=_("管理员重置或新建账号后，用户首次登录须先修改临时密码")
    )

    def __str__(self) -> str:
        return self.full_name or self.username

    @cached_property
    def jurisdiction(self) -> Jurisdiction:
        from .jurisdiction import build_jurisdiction

        return build_jurisdiction(self)


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


class LoginThrottle(models.Model):
    """Failed sign-in attempts counted against one key: an account (attempts from browsers it has
    not signed in on before), a client address, or one browser the account signed in on before.
    See fangkong.accounts.throttle for the rules; rows are written under a row lock."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    blocked_until = models.DateTimeField(null=True, blank=True)
    # The wait (its blocked_until) in which a refused attempt was last recorded: attempts under an
    # unknown user name are audited once per bucket and wait, not once per request.
    refusal_recorded_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("登录限速")
        verbose_name_plural = _("登录限速")

    def __str__(self) -> str:
        return f"{self.key} ×{self.failures}"


class ApiTokenKind(models.TextChoices):
    SIGN_IN = "sign_in", _("API 登录令牌")
    PERSONAL = "personal", _("个人令牌")


class ApiToken(models.Model):
    """An API token. Only a SHA-256 hash of the key is stored; the key itself is shown once.

    Sign-in tokens come from POST /api/token/ (hours; ended by signing out); personal tokens are
    created on 我的账号 for scripts (days, at most FANGKONG_API_TOKEN_MAX_DAYS)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    kind = models.CharField(_("类型"), max_length=16, choices=ApiTokenKind.choices)
    name = models.CharField(_("名称"), max_length=64, blank=True)
    prefix = models.CharField(_("开头"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    second_factor = models.BooleanField(_("经动态口令验证"), default=False)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"), db_index=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_revoked")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def state(self) -> str:
        """ "revoked", "expired" or "live"."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "live"
