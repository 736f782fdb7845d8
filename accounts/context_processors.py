from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import GRID_ROLES, Role
from accounts.permissions import ADDRESS_EDITOR_ROLES


def navigation(request):
    """The menu for the user's role: (label, url name, icon). Pages check access themselves."""
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        items.append((_("Home"), reverse("home"), "house"))
        if user.is_superuser or user.role in GRID_ROLES:
            items.append((_("Map"), reverse("grid:map"), "map"))
            items.append((_("Addresses"), reverse("grid:building_list"), "buildings"))
            items.append((_("Community grids"), reverse("grid:communitygrid_list"), "grid-3x3"))
        if user.is_superuser or user.role in ADDRESS_EDITOR_ROLES:
            items.append((_("Persons"), reverse("residents:person_list"), "people"))
            items.append((_("Houses"), reverse("residents:house_list"), "house-door"))
            items.append((_("Venues"), reverse("residents:venue_list"), "shop"))
        if user.is_superuser or user.role in (Role.OFFICER, Role.AUXILIARY, Role.CHIEF, Role.ADMIN):
            items.append((_("Review declarations"), reverse("rentals:review"), "inbox"))
        if user.role == Role.LANDLORD:
            items.append((_("My declarations"), reverse("rentals:mine"), "card-list"))
            items.append((_("Declare tenants"), reverse("rentals:declare"), "person-plus"))
        if user.is_superuser or user.role in (Role.CHIEF, Role.ADMIN, Role.OFFICER):
            items.append((_("Police grids"), reverse("grid:policegrid_list"), "shield"))
        if user.is_superuser or user.role in (Role.CHIEF, Role.ADMIN):
            items.append((_("Stations"), reverse("grid:station_list"), "bank"))
        if user.is_staff:
            items.append((_("Admin"), reverse("admin:index"), "gear"))
    return {
        "nav_items": items,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "can_edit_addresses": bool(
            user and user.is_authenticated and (user.is_superuser or user.role in ADDRESS_EDITOR_ROLES)
        ),
    }
