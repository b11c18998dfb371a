"""The audit log: who did what to which object, when, with the state before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import registry


class AuditEvent(models.Model):
    """One event. Bulk work writes one event per batch with its counts; never one per row."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    event_type = models.CharField(_("事件类型"), max_length=48, db_index=True)  # labels: each app's registered event types
    object_type = models.CharField(_("对象类型"), max_length=48, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    count = models.PositiveIntegerField(_("条数"), null=True, blank=True)
    reason = models.TextField(_("事由"), blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["actor", "-at"]), models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.event_type} {self.object_repr}"

    @property
    def event_label(self) -> str:
        """The event type in the user's words, from the app that registered it."""
        return registry.event_label(self.event_type)
