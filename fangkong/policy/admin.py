"""Policy profiles in the Django admin: read-only. Changes go through the policy pages, which use
fangkong.policy.services (audited, shipped profiles protected)."""

from django.contrib import admin

from .models import PolicyParameter, PolicyProfile


class PolicyParameterInline(admin.TabularInline):
    model = PolicyParameter
    extra = 0
    fields = ["key", "value", "unit", "description", "source"]
    readonly_fields = fields
    can_delete = False


@admin.register(PolicyProfile)
class PolicyProfileAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "version", "effective_from", "is_builtin", "is_active"]
    inlines = [PolicyParameterInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
