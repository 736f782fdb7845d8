from django.contrib import admin

from grid.models import Building, CommunityGrid, GridMember, PoliceGrid, Station


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "district", "phone"]
    search_fields = ["code", "name"]


@admin.register(PoliceGrid)
class PoliceGridAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "station", "officer"]
    list_filter = ["station"]
    list_select_related = ["station", "officer"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["officer"]


@admin.register(CommunityGrid)
class CommunityGridAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "police_grid", "grid_worker", "auxiliary"]
    list_filter = ["police_grid__station"]
    list_select_related = ["police_grid", "grid_worker", "auxiliary"]
    search_fields = ["code", "name", "community"]
    autocomplete_fields = ["grid_worker", "auxiliary"]

    def save_model(self, request, obj, form, change):
        # A moved boundary re-places buildings in the background, as the service does.
        from grid.services import community_grid_set_boundary

        if change and "boundary" in form.changed_data:
            boundary = obj.boundary
            super().save_model(request, obj, form, change)
            community_grid_set_boundary(grid=obj, boundary=boundary)
        else:
            super().save_model(request, obj, form, change)


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["address", "compound", "grid", "lat", "lng"]
    list_select_related = ["grid"]
    search_fields = ["address", "compound"]
    readonly_fields = ["grid", "qr_token"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        from grid.services import building_create, building_update

        data = {f: getattr(obj, f) for f in ("address", "compound", "floors", "lat", "lng")}
        if change:
            building_update(building=Building.objects.get(pk=obj.pk), **data)
        else:
            obj.pk = building_create(**data).pk


@admin.register(GridMember)
class GridMemberAdmin(admin.ModelAdmin):
    """Read-only here: approval, suspension and leaving go through the roster pages (``grid.members``)."""

    list_display = ["name", "phone_masked", "member_type", "grid", "status", "created_at"]
    list_filter = ["status", "member_type", "grid__police_grid__station"]
    list_select_related = ["grid"]
    search_fields = ["name", "grid__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
