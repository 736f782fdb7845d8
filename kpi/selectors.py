"""Reads behind the home page. Later issues add visits, declarations, hazards, disputes, events."""

from django.db.models import Count

from accounts.models import GRID_ROLES, Role, User
from accounts.permissions import ADDRESS_EDITOR_ROLES
from grid import selectors as grid_selectors
from grid.models import CommunityGrid, PoliceGrid
from inspections.loop import ledger_counts
from rentals.models import DeclarationStatus, RentalDeclaration
from residents.models import House, Person


def home_figures(user) -> dict:
    """The figures a user's home page shows, all computed through ``visible_to``."""
    figures = {"role": user.role}
    if user.role == Role.LANDLORD:
        mine = RentalDeclaration.objects.of_landlord(user)
        figures["declarations"] = mine.count()
        figures["returned"] = mine.filter(status=DeclarationStatus.RETURNED).count()
        return figures
    if not (user.is_superuser or user.role in GRID_ROLES):
        return figures
    figures.update(grid_selectors.scope_counts(user))
    if user.is_superuser or user.role in ADDRESS_EDITOR_ROLES:
        figures["persons"] = Person.objects.visible_to(user).count()
        figures["houses"] = House.objects.visible_to(user).count()
        figures["pending_declarations"] = (
            RentalDeclaration.objects.visible_to(user).filter(status=DeclarationStatus.SUBMITTED).count()
        )
    if user.is_superuser or user.role in (Role.OFFICER, Role.AUXILIARY, Role.CHIEF, Role.ADMIN):
        counts = ledger_counts(user)
        figures["hazards_due"], figures["hazards_overdue"] = counts["due"], counts["overdue"]
    if user.is_superuser or user.role in (Role.CHIEF, Role.ADMIN):
        figures["police_grid_rows"] = list(
            grid_selectors.police_grids_for_user(user).annotate(
                building_count=Count("community_grids__buildings", distinct=True)
            )[:50]
        )
        police = PoliceGrid.objects.visible_to(user)
        figures["officers"] = police.exclude(officer=None).values("officer").distinct().count()
        figures["grids_without_worker"] = CommunityGrid.objects.visible_to(user).filter(grid_worker=None).count()
        figures["users"] = (
            User.objects.filter(is_active=True).count() if user.is_superuser or user.role == Role.ADMIN else None
        )
    figures["my_police_grids"] = list(PoliceGrid.objects.visible_to(user).filter(officer=user).values("id", "name"))
    figures["my_community_grids"] = list(
        grid_selectors.community_grids_for_user(user)
        .filter(id__in=_own_grid_ids(user))
        .values("id", "name", "police_grid__name")
    )
    return figures


def _own_grid_ids(user):
    """Community grids the user is personally assigned to (not merely allowed to see)."""
    qs = CommunityGrid.objects.all()
    if user.role == Role.OFFICER:
        return qs.filter(police_grid__officer=user).values("id")
    if user.role == Role.AUXILIARY:
        return qs.filter(auxiliary=user).values("id")
    if user.role == Role.GRID_WORKER:
        return qs.filter(grid_worker=user).values("id")
    if user.role == Role.VOLUNTEER:
        return qs.filter(volunteers=user).values("id")
    return qs.none().values("id")
