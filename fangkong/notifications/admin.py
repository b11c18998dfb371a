"""Webhooks are configured by a system administrator (Django admin; audited, the secret never
recorded); deliveries and their attempts are shown read-only."""

import json

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.audit.admin_mixins import AuditedAdminMixin

from .models import Webhook, WebhookAttempt, WebhookDelivery
from .payload import shown_payload


@admin.register(Webhook)
class WebhookAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "level", "place_id", "facility_kind", "url", "is_active")
    list_filter = ("level", "is_active")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("at", "status_code", "error", "duration_ms")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("webhook", "rule", "event_key", "status", "attempts", "created_at", "delivered_at")
    list_filter = ("status", "rule")
    # The payload as stored may carry a bearer link (a receiving unit's one-time handover link):
    # shown redacted (payload.shown_payload), never the stored field itself.
    readonly_fields = ("webhook", "rule", "event_key", "payload_shown", "status", "attempts", "created_at", "delivered_at")
    exclude = ("payload",)
    inlines = [AttemptInline]

    @admin.display(description=_("内容"))
    def payload_shown(self, obj: WebhookDelivery) -> str:
        return json.dumps(shown_payload(obj.rule, obj.payload), ensure_ascii=False, indent=1)

    def has_add_permission(self, request) -> bool:
        return False
