"""Users and their grants in the Django admin (system administrators). Grant changes are audited.
The admin's own login page is replaced (fangkong.accounts.admin_site)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from fangkong.audit.admin_mixins import AuditedAdminMixin
from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record

from .models import Grant, LoginAttempt, LoginThrottle, User


class GrantInline(admin.TabularInline):
    model = Grant
    extra = 0
    fields = ["level", "place_id", "facility_kind"]


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    list_display = ["username", "full_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_superuser"]
    search_fields = ["username", "full_name", "phone"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("防控平台"), {"fields": ("role", "full_name", "phone")}),
    )
    inlines = [GrantInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Grant:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for grant in formset.deleted_objects:
            audit_record(
                actor=request.user,
                event_type=EventType.GRANT_REMOVED,
                obj=grant.user,
                before={"level": grant.level, "place_id": grant.place_id, "facility_kind": grant.facility_kind},
            )
            grant.delete()
        for grant in instances:
            is_new = grant.pk is None
            before = None if is_new else dict(Grant.objects.filter(pk=grant.pk).values("level", "place_id", "facility_kind").first() or {})
            grant.save()
            audit_record(
                actor=request.user,
                event_type=EventType.GRANT_ADDED,
                obj=grant.user,
                before=before,
                after={"level": grant.level, "place_id": grant.place_id, "facility_kind": grant.facility_kind},
            )
        formset.save_m2m()


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "succeeded", "ip"]
    list_filter = ["succeeded"]
    search_fields = ["username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LoginThrottle)
class LoginThrottleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Sign-in counters. Deleting a row lets that account, address or browser try again at once."""

    list_display = ["key", "failures", "last_failure_at", "blocked_until"]
    search_fields = ["key"]
    ordering = ["-last_failure_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
