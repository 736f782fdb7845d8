"""Admin for grid events: the events, their timelines and points are read-only (every change goes
through ``events.dispatch``, which keeps the clock, the timeline and 采办分离); time limits are
edited here or on the limits page; Open311 clients are created with ``manage.py open311_client
create`` (the key is shown once) and deactivated here."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events.clients import open311_client_deactivate
from events.models import Event, EventLog, EventPhoto, Open311Client, PointAward, Supporter, TierLimit


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LogInline(ReadOnly, admin.TabularInline):
    model = EventLog
    fields = ["at", "action", "tier", "user", "note"]
    readonly_fields = fields
    extra = 0


class SupporterInline(ReadOnly, admin.TabularInline):
    model = Supporter
    fields = ["user", "note", "at"]
    readonly_fields = fields
    extra = 0


class PhotoInline(ReadOnly, admin.TabularInline):
    # The files are served only through the scoped ``events:photo`` page, never a media link.
    model = EventPhoto
    fields = ["kind", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Event)
class EventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "reported_at", "category", "state", "tier", "grid", "reporter", "handler", "escalations"]
    list_filter = ["state", "category", "tier", "source", "grid__police_grid__station"]
    list_select_related = ["grid", "reporter", "handler"]
    search_fields = ["description", "building__address", "department"]
    date_hierarchy = "reported_at"
    show_full_result_count = False
    exclude = ["token"]
    inlines = [PhotoInline, SupporterInline, LogInline]


@admin.register(TierLimit)
class TierLimitAdmin(admin.ModelAdmin):
    list_display = ["category", "tier", "accept_minutes", "handle_minutes"]
    list_filter = ["category", "tier"]
    ordering = ["category", "tier"]


@admin.register(PointAward)
class PointAwardAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["user", "grid", "event", "points", "reason", "at"]
    list_filter = ["reason", "grid"]
    list_select_related = ["user", "grid", "event"]
    show_full_result_count = False


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "station", "user", "active", "created_at"]
    list_filter = ["active", "station"]
    list_select_related = ["station", "user"]
    fields = ["name", "station", "user", "active", "created_at"]
    readonly_fields = ["station", "user", "active", "created_at"]
    actions = ["deactivate"]

    def has_add_permission(self, request):
        # A key exists in clear only once, printed by ``manage.py open311_client create``.
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # its events keep pointing at its account; deactivate instead

    @admin.action(description=_("Deactivate the selected clients (revoke their keys)"))
    def deactivate(self, request, queryset):
        clients = list(queryset.filter(active=True))
        for client in clients:
            open311_client_deactivate(client=client)
        n = len(clients)
        self.message_user(
            request,
            ngettext("%(n)d client deactivated.", "%(n)d clients deactivated.", n) % {"n": n},
            messages.SUCCESS,
        )
