"""Reads behind the home page. Later issues add visits, declarations, hazards, disputes, events."""

from accounts.models import GRID_ROLES, Role, User
from accounts.permissions import ADDRESS_EDITOR_ROLES
from disputes import selectors as dispute_selectors
from disputes.models import OPEN_STATES
from events import selectors as event_selectors
from grid import selectors as grid_selectors
from grid.models import Building, CommunityGrid, PoliceGrid
from inspections.loop import ledger_counts
from lib import paging
from noise import selectors as noise_selectors
from rentals.models import DeclarationStatus, RentalDeclaration
from residents.models import House, Person


def home_figures(user) -> dict:
    """The figures a user's home page shows, all computed through ``visible_to``."""
    figures = {"role": user.role}
    # A property contact of a noise sensor (any role) finds its open alerts on the home page.
    figures["noise_alerts"] = noise_selectors.open_alerts_for_contact(user)
    if user.role == Role.LANDLORD:
        mine = RentalDeclaration.objects.of_landlord(user)
        figures["declarations"] = mine.count()
        figures["returned"] = mine.filter(status=DeclarationStatus.RETURNED).count()
        return figures
    if user.role == Role.MEDIATOR:
        mine = dispute_selectors.disputes_for_user(user)
        figures["my_disputes"] = list(mine.select_related("building").order_by("-received_at")[:10])
        figures["my_open_disputes"] = mine.filter(state__in=OPEN_STATES).count()
        return figures
    if not (user.is_superuser or user.role in GRID_ROLES):
        return figures
    figures.update(grid_selectors.scope_counts(user))
    event_counts = event_selectors.counts(user)
    figures["event_tasks"], figures["events_overdue"] = event_counts["tasks"], event_counts["overdue"]
    figures["events_to_rate"] = event_counts["to_rate"]
    if user.is_superuser or user.role in ADDRESS_EDITOR_ROLES:
        figures["persons"] = paging.count(Person.objects.visible_to(user))
        figures["houses"] = paging.count(House.objects.visible_to(user))
        figures["pending_declarations"] = (
            RentalDeclaration.objects.visible_to(user).filter(status=DeclarationStatus.SUBMITTED).count()
        )
    if user.is_superuser or user.role in (Role.OFFICER, Role.AUXILIARY, Role.CHIEF, Role.ADMIN):
        counts = ledger_counts(user)
        figures["hazards_due"], figures["hazards_overdue"] = counts["due"], counts["overdue"]
        figures["disputes_open"] = dispute_selectors.disputes_for_user(user).filter(state__in=OPEN_STATES).count()
        figures["followups_due"] = dispute_selectors.followups_due(user).count()
    if user.is_superuser or user.role in (Role.CHIEF, Role.ADMIN):
        figures["police_grid_rows"] = list(
            grid_selectors.police_grids_for_user(user).annotate(
                building_count=paging.count_of(Building, "grid__police_grid")
            )[:50]
        )
        police = PoliceGrid.objects.visible_to(user)
        figures["officers"] = police.exclude(officer=None).values("officer").distinct().count()
        figures["grids_without_worker"] = CommunityGrid.objects.visible_to(user).filter(grid_worker=None).count()
        figures["users"] = (
            User.objects.filter(is_active=True).count() if user.is_superuser or user.role == Role.ADMIN else None
        )
    figures["my_police_grids"] = list(PoliceGrid.objects.visible_to(user).filter(officer=user).values("id", "name"))
    # For the roles that work grids their scope is their own grids; a chief's or admin's is not.
    own = user.role in (Role.OFFICER, Role.AUXILIARY, Role.GRID_WORKER, Role.VOLUNTEER) and not user.is_superuser
    figures["my_community_grids"] = (
        list(grid_selectors.community_grids_for_user(user).values("id", "name", "police_grid__name")) if own else []
    )
    return figures
