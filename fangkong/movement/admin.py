"""Receiving units (接收单位) are configured by a system administrator, audited; a unit's webhook is a
notifications Webhook of level 机构, kind `movement_receiver`, number = the unit's id."""

from django.contrib import admin

from fangkong.audit.admin_mixins import AuditedAdminMixin

from .models import ReceivingUnit


@admin.register(ReceivingUnit)
class ReceivingUnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "name", "region", "district", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "region")
