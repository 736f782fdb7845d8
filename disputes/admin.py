"""Read-only admin for the mediation ledger: every change goes through ``disputes.services`` (the
pages), which keep the timeline, the agreement numbering and the follow-up schedule in step.
Parties show masked identifiers only."""

from django.contrib import admin

from disputes.models import Agreement, Dispute, DisputeEvent, FollowUp, MediationSession, Mediator, Party


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PartyInline(ReadOnly, admin.TabularInline):
    model = Party
    fields = ["order", "role", "name", "id_type", "id_number_masked", "phone_masked", "person"]
    readonly_fields = fields
    extra = 0


class EventInline(ReadOnly, admin.TabularInline):
    model = DisputeEvent
    fields = ["at", "action", "user", "note"]
    readonly_fields = fields
    extra = 0


@admin.register(Mediator)
class MediatorAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "type", "organisation", "station", "user", "active"]
    list_filter = ["station", "type", "active"]
    list_select_related = ["station", "user"]
    search_fields = ["name", "organisation"]


@admin.register(Dispute)
class DisputeAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "received_at", "category", "state", "risk", "grid", "officer", "reopen_count"]
    list_filter = ["state", "category", "risk", "source", "grid__police_grid__station"]
    list_select_related = ["grid", "officer"]
    search_fields = ["description", "building__address", "parties__name"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    inlines = [PartyInline, EventInline]


@admin.register(MediationSession)
class SessionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["dispute", "held_at", "place", "outcome", "recorded_by"]
    list_filter = ["outcome"]
    list_select_related = ["dispute", "recorded_by"]
    show_full_result_count = False


@admin.register(Agreement)
class AgreementAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["number", "dispute", "status", "signed_at", "station"]
    list_filter = ["status", "station", "year"]
    list_select_related = ["dispute", "station"]
    search_fields = ["number"]
    show_full_result_count = False


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["dispute", "day", "due_on", "status", "method", "kept", "done_at"]
    list_filter = ["status", "day", "method"]
    list_select_related = ["dispute"]
    date_hierarchy = "due_on"
    show_full_result_count = False
