"""Admin: facilities and beds are editable by administrators (audited). Cases, transfers, tests,
discharges and monitoring are read-only here: their writes go through the services, which check
the state machine, the policy and the beds."""

from django.contrib import admin

from fangkong.audit.admin_mixins import AuditedAdminMixin

from .models import Case, CaseTest, Discharge, FacilityBeds, HealthMonitoring, Transfer, TreatmentFacility


class FacilityBedsInline(admin.TabularInline):
    model = FacilityBeds
    extra = 0
    fields = ["bed_type", "capacity", "occupied"]
    readonly_fields = ["occupied"]  # counted by admissions and discharges


@admin.register(TreatmentFacility)
class TreatmentFacilityAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "district", "is_active", "contact"]
    list_filter = ["kind", "is_active", "district"]
    search_fields = ["name", "address"]
    inlines = [FacilityBedsInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    list_display = ["id", "person", "classification", "status", "found_in", "source", "confirmed_at", "facility"]
    list_filter = ["status", "classification", "found_in", "source"]
    raw_id_fields = ["person", "origin_positive", "opened_by"]


@admin.register(Transfer)
class TransferAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    list_display = ["id", "case", "status", "triage_kind", "assigned_facility", "deadline_at", "admitted_at"]
    list_filter = ["status", "triage_kind", "reason"]


@admin.register(CaseTest)
class CaseTestAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    list_display = ["id", "case", "phase", "result", "ct_orf1ab", "ct_n", "sampled_at"]
    list_filter = ["phase", "result"]


@admin.register(Discharge)
class DischargeAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    list_display = ["id", "case", "facility", "discharged_at"]


@admin.register(HealthMonitoring)
class HealthMonitoringAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    list_display = ["id", "case", "status", "starts_at", "ends_at", "community"]
    list_filter = ["status"]
