from django.db import models

from accounts.models import STAFF_ROLES, Role
from grid.scope import scope_for


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to a community grid, police grid or station.

    Subclasses (or models via ``as_manager``) name the lookup that reaches the row's grid:
    ``scope_level`` is one of ``community``, ``police`` or ``station`` and ``scope_lookup`` the
    field path to that level's id (``grid_id`` for most records).
    """

    scope_level = "community"
    scope_lookup = "grid_id"

    def visible_to(self, user):
        """Only the rows ``user`` may see. The only way views, API, exports and reports read."""
        q = self.scope_q(user)
        return self.all() if q is None else self.filter(q)

    def scope_q(self, user) -> models.Q | None:
        """The condition of :meth:`visible_to` (None: everything), for combining with an OR in one
        WHERE clause — a ``pk__in`` subquery instead would make PostgreSQL scan the whole table."""
        scope = scope_for(user)
        if scope.everything:
            return None
        ids = {
            "community": scope.community_grid_ids,
            "police": scope.police_grid_ids,
            "station": scope.station_ids,
        }[self.scope_level]
        if not ids:
            return models.Q(pk__in=[])
        return models.Q(**{f"{self.scope_lookup}__in": sorted(ids)})


class StationQuerySet(ScopedQuerySet):
    scope_level = "station"
    scope_lookup = "id"


class PoliceGridQuerySet(ScopedQuerySet):
    scope_level = "police"
    scope_lookup = "id"


class CommunityGridQuerySet(ScopedQuerySet):
    scope_level = "community"
    scope_lookup = "id"


class BuildingQuerySet(ScopedQuerySet):
    scope_level = "community"
    scope_lookup = "grid_id"

    def search(self, q: str):
        q = (q or "").strip()
        if not q:
            return self
        return self.filter(models.Q(address__icontains=q) | models.Q(compound__icontains=q))


class GridMemberQuerySet(ScopedQuerySet):
    """The roster: police staff and grid workers see their grids' members; volunteers (whose
    scope is their grid too) see none, because the roster holds their neighbours' phones."""

    def visible_to(self, user):
        if not user.is_authenticated or not (user.is_superuser or user.role in STAFF_ROLES | {Role.GRID_WORKER}):
            return self.none()
        return super().visible_to(user)
