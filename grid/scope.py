"""The one scope mechanism: which community grids a user may see.

Every scoped model carries a community-grid FK; ``ScopedQuerySet.visible_to(user)`` filters on
the ids computed here. The result is cached on the user object, which Django builds once per
request, so a page costs at most one scope query however many querysets it filters.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from accounts.models import Role

_CACHE_ATTR = "_fengqiao_scope"


@dataclass(frozen=True)
class Scope:
    """``everything`` for administrators; otherwise the visible ids at each level."""

    everything: bool = False
    community_grid_ids: frozenset[int] = frozenset()
    police_grid_ids: frozenset[int] = frozenset()
    station_ids: frozenset[int] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.community_grid_ids


EMPTY = Scope()


def _compute(user) -> Scope:
    from grid.models import CommunityGrid, MemberStatus

    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    if user.is_superuser or user.role == Role.ADMIN:
        return Scope(everything=True)
    grids = CommunityGrid.objects.all()
    if user.role == Role.CHIEF:
        if user.station_id is None:
            return EMPTY
        grids = grids.filter(police_grid__station_id=user.station_id)
    elif user.role == Role.OFFICER:
        grids = grids.filter(police_grid__officer=user)
    elif user.role == Role.AUXILIARY:
        grids = grids.filter(auxiliary=user)
    elif user.role == Role.GRID_WORKER:
        grids = grids.filter(grid_worker=user)
    elif user.role == Role.VOLUNTEER:
        grids = grids.filter(members__user=user, members__status=MemberStatus.ACTIVE)
    else:  # landlords and mediators see only their own records, never a grid
        return EMPTY
    rows = list(grids.values_list("id", "police_grid_id", "police_grid__station_id").distinct())
    return Scope(
        community_grid_ids=frozenset(r[0] for r in rows),
        police_grid_ids=frozenset(r[1] for r in rows),
        station_ids=frozenset(r[2] for r in rows),
    )


def scope_for(user) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    if user is None:
        return EMPTY
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = _compute(user)
        with contextlib.suppress(AttributeError):  # AnonymousUser takes attributes, but be safe
            setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_scope(user) -> None:
    """Drop the cached scope (after the user's grid assignments change in this request)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
