from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy as pgettext

from accounts import otp
from accounts.models import GRID_ROLES, STAFF_ROLES, Role
from accounts.permissions import ADDRESS_EDITOR_ROLES, sees_attention

POLICE = {Role.OFFICER, Role.AUXILIARY, Role.CHIEF, Role.ADMIN}


def _menu(user) -> list[dict]:
    """The menu for the user's role: entries ``{label, icon, url}`` or groups with ``children``.

    Pages check access themselves; the menu only hides what a role cannot use.
    """
    if user is None or not user.is_authenticated:
        return []
    su = user.is_superuser
    role = user.role
    menu = [{"label": _("Home"), "url": reverse("home"), "icon": "house"}]
    if role == Role.LANDLORD:
        menu += [
            {"label": _("Declare tenants"), "url": reverse("rentals:declare"), "icon": "person-plus"},
            {"label": _("My declarations"), "url": reverse("rentals:mine"), "icon": "card-list"},
        ]
        return menu
    if role == Role.MEDIATOR and not su:  # an external mediator: the disputes assigned to them
        menu.append({"label": _("My disputes"), "url": reverse("disputes:ledger"), "icon": "chat-square-text"})
        return menu
    if su or role in (Role.CHIEF, Role.ADMIN, Role.OFFICER, Role.AUXILIARY):
        station_view = su or role in (Role.CHIEF, Role.ADMIN)
        reports = pgettext("documents", "Reports") if station_view else _("My performance lists")
        kpis = [
            {"label": _("KPIs"), "url": reverse("kpi:station" if station_view else "kpi:mine"), "icon": "speedometer2"},
            {"label": reports, "url": reverse("kpi:reports"), "icon": "file-earmark-bar-graph"},
        ]
        if station_view:
            kpis.append({"label": _("Audit trail"), "url": reverse("ops:audit"), "icon": "shield-check"})
        menu.append({"label": _("KPIs"), "icon": "speedometer2", "children": kpis})
    if su or role in GRID_ROLES:
        menu.append({"label": _("Map"), "url": reverse("grid:map"), "icon": "map"})
        events = [{"label": _("Report an event"), "url": reverse("events:report"), "icon": "megaphone"}]
        if su or role != Role.VOLUNTEER:  # volunteers report; they are never a tier that handles
            events.append({"label": _("My tasks"), "url": reverse("events:tasks"), "icon": "check2-square"})
        events += [
            {"label": _("My reports"), "url": reverse("events:mine"), "icon": "card-list"},
            {"label": _("All events"), "url": reverse("events:list"), "icon": "list-ul"},
            {"label": _("Leaderboard"), "url": reverse("events:leaderboard"), "icon": "trophy"},
        ]
        if su or role in (Role.CHIEF, Role.ADMIN):
            events.append({"label": _("Time limits"), "url": reverse("events:limits"), "icon": "hourglass-split"})
        menu.append({"label": _("Grid events"), "icon": "megaphone", "children": events})
    if su or role in POLICE:
        work = [
            {"label": _("Community time"), "url": reverse("field:home"), "icon": "geo-alt"},
            {"label": _("Work diary"), "url": reverse("field:diary"), "icon": "journal-text"},
            {"label": _("Patrol tracks"), "url": reverse("field:tracks"), "icon": "signpost-split"},
            {"label": _("Publicity"), "url": reverse("field:publicity"), "icon": "megaphone"},
        ]
        if su or role in (Role.CHIEF, Role.ADMIN):
            work += [
                {"label": _("Command room"), "url": reverse("field:command"), "icon": "broadcast"},
                {"label": _("Officers in the community"), "url": reverse("field:station"), "icon": "people"},
            ]
        work += [
            {"label": _("Incidents"), "url": reverse("incidents:list"), "icon": "list-ul"},
            {"label": _("Incident heat map"), "url": reverse("incidents:map"), "icon": "fire"},
            {"label": _("Hotspots and year-on-year"), "url": reverse("incidents:hotspots"), "icon": "bar-chart"},
            {"label": _("Import incidents"), "url": reverse("incidents:import"), "icon": "upload"},
            {"label": _("Noise sensors"), "url": reverse("noise:sensors"), "icon": "soundwave"},
            {"label": _("Noise alerts"), "url": reverse("noise:alerts"), "icon": "bell"},
        ]
        menu.append({"label": _("Community work"), "icon": "geo-alt", "children": work})
    if su or role in GRID_ROLES:
        topics = [
            {"label": _("Community meetings"), "url": reverse("topics:meetings"), "icon": "cup-hot"},
            {"label": _("Topics ledger"), "url": reverse("topics:ledger"), "icon": "list-check"},
        ]
        if su or role != Role.VOLUNTEER:
            topics.append({"label": _("Record a meeting"), "url": reverse("topics:meeting_create"), "icon": "plus-lg"})
        menu.append({"label": _("民生茶馆"), "icon": "cup-hot", "children": topics})
    if su or role in ADDRESS_EDITOR_ROLES:
        menu.append(
            {
                "label": _("Registries"),
                "icon": "people",
                "children": [
                    {"label": _("Standard addresses"), "url": reverse("grid:building_list"), "icon": "buildings"},
                    {"label": _("Persons"), "url": reverse("residents:person_list"), "icon": "people"},
                    {"label": _("Houses"), "url": reverse("residents:house_list"), "icon": "house-door"},
                    {"label": _("Venues"), "url": reverse("residents:venue_list"), "icon": "shop"},
                    {"label": _("Cross-matching"), "url": reverse("matching:index"), "icon": "box-seam"},
                    {
                        "label": _("Excel import and export"),
                        "url": reverse("ledgers:import"),
                        "icon": "file-earmark-spreadsheet",
                    },
                ],
            }
        )
    elif role in GRID_ROLES:
        menu.append({"label": _("Standard addresses"), "url": reverse("grid:building_list"), "icon": "buildings"})
    if su or role in POLICE:
        menu.append(
            {
                "label": _("Rentals"),
                "icon": "key",
                "children": [
                    {"label": _("Review declarations"), "url": reverse("rentals:review"), "icon": "inbox"},
                    {
                        "label": _("Rental declarations"),
                        "url": reverse("rentals:declaration_list"),
                        "icon": "card-list",
                    },
                    {"label": _("Residence permits"), "url": reverse("permits:list"), "icon": "person-vcard"},
                ],
            }
        )
    if su or role in POLICE:
        menu.append(
            {
                "label": _("Inspections"),
                "icon": "clipboard-check",
                "children": [
                    {"label": _("Re-inspections due"), "url": reverse("hazards:due"), "icon": "alarm"},
                    {"label": _("Hazard ledger"), "url": reverse("hazards:ledger"), "icon": "exclamation-triangle"},
                    {"label": _("My inspections"), "url": reverse("inspections:mine"), "icon": "clipboard-check"},
                    {"label": _("Checklists"), "url": reverse("inspections:checklists"), "icon": "list-check"},
                ],
            }
        )
    if su or role in POLICE:
        menu.append(
            {
                "label": _("Disputes"),
                "icon": "chat-square-text",
                "children": [
                    {"label": _("Dispute ledger"), "url": reverse("disputes:ledger"), "icon": "journal-text"},
                    {"label": _("Record a dispute"), "url": reverse("disputes:create"), "icon": "plus-lg"},
                    {"label": _("My follow-ups"), "url": reverse("disputes:followups"), "icon": "telephone"},
                    {"label": _("Mediators"), "url": reverse("disputes:mediators"), "icon": "people-fill"},
                ],
            }
        )
    grids = [{"label": _("Community grids"), "url": reverse("grid:communitygrid_list"), "icon": "grid-3x3"}]
    if su or role in STAFF_ROLES | {Role.GRID_WORKER}:
        grids.append({"label": _("Grid members"), "url": reverse("grid:member_list"), "icon": "people"})
    if su or role in (Role.CHIEF, Role.ADMIN, Role.OFFICER):
        grids.append({"label": _("Police grids"), "url": reverse("grid:policegrid_list"), "icon": "shield"})
    if su or role in (Role.CHIEF, Role.ADMIN):
        grids.append({"label": _("Stations"), "url": reverse("grid:station_list"), "icon": "bank"})
    if su or role in GRID_ROLES:
        menu.append({"label": _("Grids"), "icon": "grid-3x3", "children": grids})
    if user.is_staff:
        menu.append({"label": _("Admin"), "url": reverse("admin:index"), "icon": "gear"})
    return menu


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "nav_menu": _menu(user),
        "sees_attention": bool(user and sees_attention(user)),
        "nav_two_step": otp.needs_second_factor(user),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "can_edit_addresses": bool(
            user and user.is_authenticated and (user.is_superuser or user.role in ADDRESS_EDITOR_ROLES)
        ),
    }
