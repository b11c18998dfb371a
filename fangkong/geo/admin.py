"""Admin: places are editable by administrators (audited); people are read-only here (writes go through
audited services and imports), and never show the encrypted or hashed columns."""

from django.contrib import admin

from fangkong.audit.admin_mixins import AuditedAdminMixin

from .models import Building, Community, Compound, District, Grid, GridWorker, Household, Person, Street, Unit


@admin.register(District)
class DistrictAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind"]


@admin.register(Street, Community, Grid, Compound)
class PlaceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "district"]
    search_fields = ["name"]
    list_filter = ["district"]
    show_full_result_count = False


@admin.register(Building, Unit, Household)
class DwellingAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "district", "community"]
    raw_id_fields = ["district", "street", "community", "compound", "grid"]
    show_full_result_count = False


@admin.register(GridWorker)
class GridWorkerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "grid", "phone", "user"]
    raw_id_fields = ["grid", "user"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "id_masked", "sex", "birth_year", "community"]
    fields = ["name", "id_type", "id_masked", "sex", "birth_year", "birth_year_to", "phone_masked", "household", "community", "grid"]
    readonly_fields = fields
    search_fields = ["name"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
