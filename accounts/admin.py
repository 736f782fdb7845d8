from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "station", "is_active", "last_login"]
    list_filter = ["role", "station", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "phone", "police_number"]
    list_select_related = ["station"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Role and station"), {"fields": ("role", "full_name", "phone", "police_number", "station")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("Role and station"), {"fields": ("role", "full_name", "phone", "station")}),
    )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail can be searched, never edited or deleted."""

    list_display = ["at", "username", "action", "object_type", "object_repr", "reason", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "object_repr", "object_id", "reason"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
