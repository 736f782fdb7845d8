"""Reads for grid events: scoped lists, a handler's tasks, a reporter's events, the leaderboard."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role
from events.models import OPEN_STATES, Event, PointAward, State, Supporter, Tier
from grid.models import CommunityGrid


def events_for_user(user):
    return Event.objects.visible_to(user)


def get_event_for_user(user, pk) -> Event:
    qs = events_for_user(user).select_related(
        "grid__police_grid__station", "grid__grid_worker", "grid__auxiliary", "grid__police_grid__officer",
        "building", "reporter", "handler",
    )  # fmt: skip
    return get_object_or_404(qs, pk=pk)


def tasks_q(user) -> Q:
    """Events waiting for ``user``: to accept at a tier they handle, or accepted by them."""
    q = Q(state=State.ACCEPTED, handler=user)
    waiting = Q(pk__in=[])
    if user.role in (Role.GRID_WORKER, Role.AUXILIARY):
        grids = CommunityGrid.objects.filter(Q(grid_worker=user) | Q(auxiliary=user)).values("pk")
        waiting |= Q(tier=Tier.GRID, grid_id__in=grids)
    if user.role == Role.OFFICER:
        waiting |= Q(tier=Tier.POLICE_GRID, grid__police_grid__officer=user)
    if user.role == Role.CHIEF and user.station_id:
        waiting |= Q(tier__gte=Tier.STATION, grid__police_grid__station_id=user.station_id)
    waiting = (waiting & Q(assigned_to__isnull=True)) | Q(assigned_to=user)
    return q | (Q(state=State.REPORTED) & waiting & ~Q(reporter=user))


def urgent_for(user):
    """Urgent events the command room dispatched to the user, not yet accepted (the phone shows them)."""
    return (
        Event.objects.filter(assigned_to=user, state=State.REPORTED)
        .select_related("grid", "building")
        .order_by("accept_by")
    )


def tasks_for(user):
    """The handler's to-do list, the most urgent deadline first."""
    return (
        Event.objects.filter(tasks_q(user))
        .select_related("grid", "building", "reporter")
        .order_by("state", "accept_by", "handle_by", "id")
    )


def reported_by(user):
    """The events the user reported (and those they added to), newest first."""
    # The few events the user added to, as ids first: joined and DISTINCT (or as a subquery inside
    # the OR) PostgreSQL scans every event of the city (220 ms); as two index lookups, 2 ms.
    supported = list(Supporter.objects.filter(user=user).values_list("event_id", flat=True))
    return (
        Event.objects.filter(Q(reporter=user) | Q(pk__in=supported))
        .select_related("grid", "building", "handler")
        .order_by("-reported_at", "-id")
    )


def to_rate(user):
    return Event.objects.filter(reporter=user, state=State.HANDLED)


def overdue_q(at=None) -> Q:
    at = at or timezone.now()
    return Q(state=State.REPORTED, accept_by__lt=at) | Q(state=State.ACCEPTED, handle_by__lt=at)


def leaderboard(grid: CommunityGrid, *, since=None, limit: int = 20) -> list[dict]:
    """A grid's grid workers and volunteers by points earned for reports (since a date)."""
    qs = PointAward.objects.filter(grid=grid)
    if since is not None:
        qs = qs.filter(at__gte=since)
    rows = (
        qs.values("user_id", "user__full_name", "user__username", "user__role")
        .annotate(points=Sum("points"), reports=Count("event", distinct=True))
        .order_by("-points", "user__full_name")[:limit]
    )
    return [
        {
            "user_id": r["user_id"],
            "name": r["user__full_name"] or r["user__username"],
            "role": r["user__role"],
            "points": r["points"],
            "reports": r["reports"],
        }
        for r in rows
    ]


def counts(user) -> dict:
    """For the home page: open and overdue events in scope (one query), the user's tasks, and
    their handled reports waiting for a rating."""
    visible = events_for_user(user).aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_STATES)), overdue=Count("pk", filter=overdue_q())
    )
    return {
        "open": visible["open"],
        "overdue": visible["overdue"],
        "tasks": Event.objects.filter(tasks_q(user)).count(),
        "to_rate": to_rate(user).count(),
    }
