"""The audit log in the Django admin: read-only, for system administrators."""

from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "event_type", "object_type", "object_id", "object_repr"]
    list_filter = ["event_type"]
    search_fields = ["actor_name", "object_type", "object_id", "object_repr"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
