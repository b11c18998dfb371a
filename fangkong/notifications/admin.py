"""Webhooks are configured by a system administrator (Django admin; audited, the secret never
recorded); deliveries and their attempts are shown read-only."""

from django.contrib import admin
from django.db import models

from fangkong.audit.admin_mixins import AuditedAdminMixin

from .models import Webhook, WebhookAttempt, WebhookDelivery


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
    readonly_fields = ("webhook", "rule", "event_key", "payload", "status", "attempts", "created_at", "delivered_at")
    inlines = [AttemptInline]

    def has_add_permission(self, request) -> bool:
        return False
