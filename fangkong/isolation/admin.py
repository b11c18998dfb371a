"""Admin: sites, rooms and staff are editable by administrators (audited); the episode and its
records are read-only here — every change to them goes through the audited services."""

from django.contrib import admin

from fangkong.audit.admin_mixins import AuditedAdminMixin

from .models import (
    Contact,
    ContactLink,
    Handover,
    HomeCheck,
    InboundArrival,
    IsolationEpisode,
    IsolationSite,
    ReleaseOrder,
    Room,
    RoomStay,
    ScheduledTest,
    SiteDailyChecklist,
    SiteIncident,
    SiteStaff,
)


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0
    fields = ["number", "floor", "room_type", "capacity", "is_active", "note"]
    show_change_link = True


@admin.register(IsolationSite)
class IsolationSiteAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "district", "community", "capacity", "receives_inbound", "is_active"]
    list_filter = ["kind", "district", "receives_inbound", "is_active"]
    search_fields = ["name", "address"]
    raw_id_fields = ["district", "street", "community"]
    inlines = [RoomInline]


@admin.register(Room)
class RoomAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["number", "site", "floor", "room_type", "capacity", "is_active"]
    list_filter = ["site", "room_type", "is_active"]
    search_fields = ["number"]


@admin.register(SiteStaff)
class SiteStaffAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "site", "duty", "phone", "is_active"]
    list_filter = ["site", "duty", "is_active"]
    raw_id_fields = ["user"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of the loop: shown, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IsolationEpisode)
class IsolationEpisodeAdmin(ReadOnlyAdmin):
    list_display = ["pk", "person", "kind", "status", "site", "identified_at", "isolate_by", "checked_in_at", "central_until", "home_until"]
    list_filter = ["status", "kind", "site"]
    raw_id_fields = ["person", "site", "district", "street", "community", "grid", "household", "opened_by"]
    show_full_result_count = False


@admin.register(RoomStay, ScheduledTest, ReleaseOrder, Handover, HomeCheck, SiteDailyChecklist, SiteIncident, InboundArrival)
class IsolationRecordAdmin(ReadOnlyAdmin):
    list_display = ["__str__"]
    show_full_result_count = False


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    """流调 contacts: recorded through tracing.services.contact_add only (audited, with their isolation)."""

    list_display = ["pk", "person", "kind", "identified_at", "episode", "case", "community"]
    list_filter = ["kind"]
    raw_id_fields = ["person", "episode", "case", "district", "street", "community", "grid", "household", "identified_by"]
    show_full_result_count = False


@admin.register(ContactLink)
class ContactLinkAdmin(ReadOnlyAdmin):
    list_display = ["pk", "contact", "case", "via", "exposure", "place", "last_exposure_at"]
    list_filter = ["exposure"]
    raw_id_fields = ["contact", "case", "via", "created_by"]
    show_full_result_count = False
