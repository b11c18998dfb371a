"""Notifications (the in-platform centre), the rules' watermarks, users' mutes, and the units'
outgoing webhooks with their deliveries and attempts."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import EncryptedTextField

from .addresses import host_refusal
from .choices import DeliveryStatus, UnitLevel
from .rules import rules


class Notification(models.Model):
    """One event of one rule for one recipient. The words are not stored: `message` names them and
    `params` fills them, so each reader sees them in their own language. Unique per (recipient, rule,
    event): the same event is never notified twice."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(_("规则"), max_length=64)
    event_key = models.CharField(max_length=96)
    message = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("发生时间"))
    created_at = models.DateTimeField(_("通知时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # (rule, event) first: the same index answers "who was already told of these events".
        constraints = [models.UniqueConstraint(fields=["rule", "event_key", "recipient"], name="notification_once")]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list"),
            # The bell: one indexed count of a user's unread rows.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.event_key} → {self.recipient_id}"


class Watermark(models.Model):
    """How far each rule has been evaluated: the next run looks at (until − overlap, now]."""

    rule = models.CharField(max_length=64, primary_key=True)
    until = models.DateTimeField()
    events = models.PositiveBigIntegerField(default=0)  # found over all runs
    notified = models.PositiveBigIntegerField(default=0)  # notifications created over all runs

    def __str__(self) -> str:
        return f"{self.rule} @ {self.until:%Y-%m-%d %H:%M}"


class Mute(models.Model):
    """A user who does not want a rule their role receives by default."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "rule"], name="notification_mute_once")]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.rule}"


class Webhook(models.Model):
    """An outgoing webhook of one unit (a place — the city, a district, street or community — or a
    facility), configured by a system administrator: every event of the chosen rules inside the unit
    is POSTed as JSON without personal data, signed with HMAC-SHA256 (docs/operator-guide.md §10).
    Nothing is sent unless one is configured and active."""

    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("单位层级"), max_length=16, choices=UnitLevel.choices)
    place_id = models.BigIntegerField(_("区域或机构编号"), null=True, blank=True)
    facility_kind = models.CharField(_("机构类型"), max_length=32, blank=True, help_text=_("层级为机构时填写，如 laboratory"))
    url = models.URLField(_("接收地址"), max_length=500)
    # Encrypted at rest (core.models.EncryptedTextField): the column holds only the ciphertext.
    secret = EncryptedTextField(_("签名密钥"), max_length=128, help_text=_("接收方用它验证签名；至少 32 个字符"))
    rules = models.JSONField(_("规则"), default=list, blank=True, help_text=_("规则键的列表；留空为全部规则"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("外发通知（Webhook）")
        verbose_name_plural = _("外发通知（Webhook）")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if len(self.secret or "") < 32:
            errors["secret"] = _("签名密钥至少 32 个字符")
        if self.level != UnitLevel.CITY and self.place_id is None:
            errors["place_id"] = _("请填写区域或机构编号")
        if self.level == UnitLevel.FACILITY and not self.facility_kind:
            errors["facility_kind"] = _("层级为机构时请填写机构类型")
        if not (self.url or "").lower().startswith(("https://", "http://")):
            errors["url"] = _("接收地址须以 https:// 或 http:// 开头")
        elif refusal := self._url_refusal():
            errors["url"] = refusal
        unknown = [k for k in self.rules or [] if rules.get(k) is None]
        if unknown:
            errors["rules"] = _("没有这些规则：%(keys)s") % {"keys": "、".join(unknown)}
        if errors:
            raise ValidationError(errors)

    def _url_refusal(self) -> str | None:
        """An internal receiver (addresses: loopback, private, link-local, metadata …) is refused
        here when written in the URL, and at every POST whatever its name resolves to."""
        try:
            host = urlsplit(self.url).hostname
        except ValueError:
            host = None
        if not host:
            return gettext("接收地址缺少主机名")
        return host_refusal(host)

    @property
    def grant_key(self) -> str:
        return f"facility:{self.facility_kind}" if self.level == UnitLevel.FACILITY else self.level


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one webhook: unique per (webhook, rule, event)."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    rule = models.CharField(max_length=64)
    event_key = models.CharField(max_length=96)
    payload = models.JSONField()
    # A bearer link's path (Rule.bearer_links: a receiving unit's one-time handover link), sealed
    # (core.crypto) while the delivery may still be sent and emptied once it is delivered or failed;
    # `payload` keeps the path with its token redacted. A database reader (a backup) never holds a
    # link it could use.
    path_cipher = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "event_key", "webhook"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["status", "created_at"], name="webhook_delivery_status")]

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.rule} {self.event_key}"


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, the answer's status code (or the error), how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"
