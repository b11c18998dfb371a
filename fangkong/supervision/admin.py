"""Admin: the checklists and the rounds a day are data an administrator edits (audited); teams,
inspections and rectifications change only through the audited services and pages."""

from django.contrib import admin

from fangkong.audit.admin_mixins import AuditedAdminMixin

from .models import ChecklistItem, RoundRule


@admin.register(ChecklistItem)
class ChecklistItemAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["place_kind", "order", "code", "text", "active"]
    list_filter = ["place_kind", "active"]


@admin.register(RoundRule)
class RoundRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["place_kind", "rounds_per_day", "citation"]
